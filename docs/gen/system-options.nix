# The option reference's data for system bundles: every option of a
# system bundle that users set, as nix/docs.nix describes it. `am-docs`
# (scripts/docs.sh) turns it into docs/src/reference/system-options.md.
{ lib }:
let
  # Only the options are evaluated, never the bundle, so no `am` is needed.
  amLib = import ../../nix {
    inherit lib;
    am = "/am-is-not-built-for-the-option-reference";
  };
in
import ../../nix/docs.nix {
  inherit lib;
  inherit (amLib.systemBundle { modules = [ ]; }) options;
}
