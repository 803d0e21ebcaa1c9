# Text files, a file from the configuration's folder, an executable script
# and a command that runs after the script is in place.
{ ... }:
{
  home.file.".config/app/settings.ini".text = ''
    [main]
    colour = blue
  '';
  home.file.".profile".source = ./profile;
  home.file."bin/hello" = {
    executable = true;
    text = ''
      #!/bin/sh
      echo "hello from $(basename "$0")"
    '';
  };
  am.nodes.run-hello = {
    kind = "exec";
    argv = [
      "/bin/sh"
      "-c"
      "\"$HOME/bin/hello\" > \"$HOME/hello.out\""
    ];
    after = [ "file:bin/hello" ];
  };
}
