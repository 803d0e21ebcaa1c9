# The option reference's data: every option of a home bundle that users set
# (or of a system bundle, with `bundle = "systemBundle"`, as
# ./system-options.nix asks), as nix/docs.nix describes it. `am-docs`
# (scripts/docs.sh) turns it into docs/src/reference/options.md.
#
#   nix-instantiate --eval --strict --json docs/gen/options.nix --arg lib 'import <nixpkgs/lib>'
{
  lib,
  bundle ? "homeBundle",
}:
let
  # Only the options are evaluated, never the bundle, so no `am` is needed.
  amLib = import ../../nix {
    inherit lib;
    am = "/am-is-not-built-for-the-option-reference";
  };
in
import ../../nix/docs.nix {
  inherit lib;
  inherit (amLib.${bundle} { modules = [ ]; }) options;
}
