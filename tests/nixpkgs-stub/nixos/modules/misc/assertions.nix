# TEST-ONLY stub of nixpkgs' nixos/modules/misc/assertions.nix (see ../../../README.md).
{ lib, ... }:
{
  options = {
    assertions = lib.mkOption {
      type = lib.types.listOf lib.types.unspecified;
      internal = true;
      default = [ ];
      description = "Stub: conditions that must hold, with a message each.";
    };
    warnings = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      internal = true;
      default = [ ];
      description = "Stub: warnings to print.";
    };
  };
}
