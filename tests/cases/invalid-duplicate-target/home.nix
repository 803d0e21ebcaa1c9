# Two options claim the same file in the home.
{ ... }:
{
  home.file.vimrc = {
    target = ".vimrc";
    text = "set number\n";
  };
  home.file.".vimrc".text = "set nonumber\n";
  am.nodes.my-vimrc = {
    kind = "link";
    target = ".vimrc";
    text = "syntax on\n";
  };
}
