{
  description = "activation-manager: declare a home in Nix modules, activate it transactionally";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      # The library bound to the `am` built by this flake for `pkgs`' system.
      libFor =
        pkgs:
        import ./nix {
          inherit lib;
          am = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        };
    in
    {
      lib = {
        homeBundle = args: (libFor args.pkgs).homeBundle args;
        # A machine's /etc files, system units, tmpfiles rules, service
        # users and its users' homes, activated as root (`am --system`).
        systemBundle = args: (libFor args.pkgs).systemBundle args;
        # A home-manager configuration, evaluated by home-manager's own
        # modules (`home-manager` is its flake input or a checkout) and
        # activated by activation-manager; and the same for a
        # configuration home-manager already evaluated (`config`).
        homeManagerBundle = args: (libFor args.pkgs).homeManagerBundle args;
        homeManagerConfigBundle = args: (libFor args.pkgs).homeManagerConfigBundle args;
        mkLua = lib.generators.mkLuaInline;
        # home-manager-compatible DAG entries (`lib.hm.dag` inside modules).
        dag = import ./nix/dag.nix { inherit lib; };
      };

      # Per-user bundles on NixOS: `users.users.<name>.activation-manager.modules`.
      nixosModules.default =
        { lib, pkgs, ... }:
        {
          imports = [ ./nix/nixos.nix ];
          activation-manager.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        };

      packages = forAllSystems (pkgs: {
        default = pkgs.callPackage ./nix/package.nix { };
      });

      checks = forAllSystems (pkgs: {
        am = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        example-minimal = self.lib.homeBundle {
          inherit pkgs;
          modules = [ ./examples/minimal/home.nix ];
        };
        example-desktop = self.lib.homeBundle {
          inherit pkgs;
          modules = [ ./examples/desktop/home.nix ];
        };
        example-system = self.lib.systemBundle {
          inherit pkgs;
          modules = [ ./examples/system/system.nix ];
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.default ];
          packages = [
            pkgs.cargo-nextest
            pkgs.cargo-insta
            pkgs.clippy
            pkgs.rustfmt
          ];
        };
      });

      formatter = forAllSystems (pkgs: pkgs.nixfmt-rfc-style);
    };
}
