# Three home-manager activation blocks whose `after`/`before` go round in a
# circle: the build fails and names the blocks by their options.
{ lib, ... }:
{
  home.file.".profile".text = "export EDITOR=vi\n";
  home.activation = {
    a = lib.hm.dag.entryAfter [ "writeBoundary" "c" ] "echo a";
    b = lib.hm.dag.entryAfter [ "a" ] "echo b";
    c = lib.hm.dag.entryBetween [ "a" ] [ "b" ] "echo c";
  };
}
