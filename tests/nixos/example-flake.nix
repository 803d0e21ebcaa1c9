# TEST-ONLY: evaluates a system flake such as examples/nixos/flake.nix the
# way `nixos-rebuild --flake` would, without nixpkgs or NixOS (not available
# offline): its `outputs` get
#
# - `nixpkgs`: the nixpkgs library snapshot, with a `lib.nixosSystem` that
#   evaluates the modules with nixpkgs' module system plus the stubs of the
#   NixOS options they set (./nixos-stub-options.nix,
#   ./example-stub-options.nix) and the `am` under test;
# - `activation-manager`: this repository's own flake.nix, its outputs
#   called with that same `nixpkgs`, so `nixosModules.default` is the real
#   one.
#
# `extraModules` are added to the system's, e.g. to give a user the test's
# home as `users.users.<name>.home`.
{
  lib,
  amPackage,
  flake,
  extraModules ? [ ],
}:
let
  nixosSystem =
    {
      modules,
      specialArgs ? { },
      ...
    }:
    lib.evalModules {
      inherit specialArgs;
      modules =
        modules
        ++ [
          ./nixos-stub-options.nix
          ./example-stub-options.nix
          # The flake's module defaults the package to the flake's own `am`,
          # built with nixpkgs; the test has its own.
          { activation-manager.package = amPackage; }
        ]
        ++ extraModules;
    };
  nixpkgs = {
    lib = lib // {
      inherit nixosSystem;
    };
  };
  activation-manager = (import ../../flake.nix).outputs {
    self = activation-manager;
    inherit nixpkgs;
  };
  system = (import flake).outputs {
    self = system;
    inherit nixpkgs activation-manager;
  };
in
system
