# home.activation entries order against each other and home-manager's
# anchors by name; a misspelt name fails the build, quoted as written.
{ lib, ... }:
{
  home.file.".profile".text = "export EDITOR=vi\n";
  home.activation = {
    fetchNotes = lib.hm.dag.entryAfter [ "writeBoundary" ] "echo fetch";
    indexNotes = lib.hm.dag.entryAfter [ "fetchNote" ] "echo index";
    warnEarly = lib.hm.dag.entryBefore [ "checkLinkTarget" ] "echo early";
  };
}
