# Every file option family, each once as a link and once as a copy.
{ ... }:
{
  home.file.".profile".text = "export EDITOR=vi\n";
  home.file.".netrc" = {
    text = "machine example.org\n";
    mode = "copy";
    permissions = "0600";
  };
  xdg.configFile."app/link.conf".text = "linked = true\n";
  xdg.configFile."app/copy.conf" = {
    text = "copied = true\n";
    mode = "copy";
  };
  xdg.dataFile."app/data.txt".text = "data\n";
  xdg.dataFile."app/data-copy.txt" = {
    text = "data copy\n";
    mode = "copy";
  };
  xdg.stateFile."app/state.txt".text = "state\n";
  xdg.stateFile."app/state-copy.txt" = {
    text = "state copy\n";
    mode = "copy";
  };
  xdg.cacheFile."app/cache.txt".text = "cache\n";
  xdg.cacheFile."app/cache-copy.txt" = {
    text = "cache copy\n";
    mode = "copy";
    permissions = "0640";
  };
}
