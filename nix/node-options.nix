# The options every node has beside its kind's fields: `after`, `before`
# and `required`, for `am.nodes.<id>` and the families lowered one entry to
# one node (`lua.tasks.<name>`). `name` is how the descriptions call the
# node ("this node", "the task"); `created` says that the nodes it creates
# at activation time count as part of it.
{ lib }:
{
  name,
  created ? false,
}:
let
  inherit (lib) mkOption types;
  andCreated = lib.optionalString created " and every node it created";
  orCreated = lib.optionalString created " or of a node it created";
in
{
  after = mkOption {
    type = types.listOf types.str;
    default = [ ];
    example = [ "file:.config/git/config" ];
    description = "Ids of nodes that must finish before ${name} starts.";
  };
  before = mkOption {
    type = types.listOf types.str;
    default = [ ];
    example = [ "dconf" ];
    description = "Ids of nodes that may only start after ${name}${andCreated} finished.";
  };
  required = mkOption {
    type = types.bool;
    default = true;
    description = ''
      Whether a failure of ${name}${orCreated} fails the activation (like
      systemd's `Requires=`). When false, a failure is reported, the nodes
      that depend on ${name} are skipped, and everything else goes on
      (`Wants=`).
    '';
  };
}
