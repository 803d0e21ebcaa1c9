# /etc/nixos/flake.nix of a NixOS laptop whose user jane has her home
# managed by activation-manager:
#
#   nixos-rebuild switch --flake /etc/nixos#laptop
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    # A checkout of activation-manager (or wherever you fetch it from).
    activation-manager.url = "path:/path/to/activation-manager";
    activation-manager.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs =
    { nixpkgs, activation-manager, ... }:
    {
      nixosConfigurations.laptop = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        modules = [
          # With ./hardware-configuration.nix and the rest of your system.
          ./configuration.nix
          activation-manager.nixosModules.default
        ];
      };
    };
}
