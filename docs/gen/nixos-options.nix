# The NixOS module's options (those with an `activation-manager` component),
# as nix/docs.nix describes them, for docs/src/reference/nixos-options.md.
# NixOS itself is not needed: the test-only stubs of tests/nixos declare the
# few NixOS options the module sets.
{ lib }:
let
  system = lib.evalModules {
    modules = [
      ../../nix/nixos.nix
      ../../tests/nixos/nixos-stub-options.nix
      { activation-manager.package = "/am-is-not-built-for-the-option-reference"; }
    ];
  };
in
builtins.filter (option: lib.elem "activation-manager" option.loc) (
  import ../../nix/docs.nix {
    inherit lib;
    inherit (system) options;
  }
)
