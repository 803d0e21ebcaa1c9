# A shell's `~/` is the home; in a file's name it would be a folder named
# `~` inside the home: the build fails, saying what to write instead.
{ ... }:
{
  home.file."~/.bashrc".text = "echo hi\n";
  xdg.configFile."~/.config/git/config".text = "[user]\n  name = Jane\n";
}
