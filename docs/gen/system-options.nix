# The option reference's data for system bundles, for
# docs/src/reference/system-options.md.
{ lib }:
import ./options.nix {
  inherit lib;
  bundle = "systemBundle";
}
