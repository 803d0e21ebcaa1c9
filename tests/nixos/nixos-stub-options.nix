# TEST-ONLY: not NixOS. Declares just the NixOS options that nix/nixos.nix
# touches, as loosely as possible, so that the module can be evaluated with
# the nixpkgs library alone (no nixpkgs, no NixOS) and its results
# snapshotted. Also stands in for `pkgs` with the few attributes a bundle's
# evaluation reads; nothing here is ever built.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  stubPackage = name: {
    type = "derivation";
    inherit name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
  };
in
{
  options = {
    users.users = mkOption {
      type = types.attrsOf (
        types.submodule (
          { name, ... }:
          {
            options = {
              packages = mkOption {
                type = types.listOf types.anything;
                default = [ ];
                description = "Stub of NixOS's `users.users.<name>.packages`.";
              };
              home = mkOption {
                type = types.str;
                default = "/home/${name}";
                description = "Stub of NixOS's `users.users.<name>.home`.";
              };
            };
          }
        )
      );
      default = { };
      description = "Stub of NixOS's `users.users`.";
    };
    systemd.services = mkOption {
      type = types.attrsOf types.anything;
      default = { };
      description = "Stub of NixOS's `systemd.services`.";
    };
    systemd.user.services = mkOption {
      type = types.attrsOf types.anything;
      default = { };
      description = "Stub of NixOS's `systemd.user.services`.";
    };
  };

  config._module.args.pkgs = {
    stdenv.hostPlatform.system = builtins.currentSystem;
    callPackage = _: _: throw "the test sets activation-manager.package";
    runtimeShell = "${stubPackage "bash"}/bin/sh";
  }
  // lib.genAttrs [
    "bash"
    "coreutils"
    "diffutils"
    "findutils"
    "gnugrep"
    "gnused"
  ] stubPackage;
}
