# A small home: a text file, a file from this folder, a script and a command.
{ ... }:
{
  home.file.".config/greeting/hello.txt".text = ''
    Hello from activation-manager.
  '';

  home.file.".config/greeting/README.md".source = ./README.md;

  home.file."bin/greet" = {
    executable = true;
    text = ''
      #!/bin/sh
      cat "$HOME/.config/greeting/hello.txt"
    '';
  };

  am.nodes.greet-once = {
    kind = "exec";
    argv = [
      "/bin/sh"
      "-c"
      "\"$HOME/bin/greet\" > \"$HOME/.config/greeting/last-run\""
    ];
    after = [
      "file:bin/greet"
      "file:.config/greeting/hello.txt"
    ];
  };
}
