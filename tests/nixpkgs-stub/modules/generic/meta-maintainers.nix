# TEST-ONLY stub of nixpkgs' modules/generic/meta-maintainers.nix (see ../../README.md).
{ lib, ... }:
{
  options.meta.maintainers = lib.mkOption {
    type = lib.types.listOf lib.types.raw;
    default = [ ];
    description = "Stub: maintainers of the module.";
  };
}
