# A command that should run when a file changes, naming a file no option
# makes (a typo of ".vimrc").
{ ... }:
{
  home.file.".vimrc".text = "set number\n";
  am.nodes.reload-vim = {
    kind = "exec";
    argv = [
      "/bin/sh"
      "-c"
      "echo reload"
    ];
    whenChanged = [ ".vimrcc" ];
  };
}
