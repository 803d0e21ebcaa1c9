# TEST-ONLY: not NixOS. The NixOS options that examples/nixos/configuration.nix
# sets beyond those nix/nixos.nix touches (./nixos-stub-options.nix), with
# the types NixOS gives them, so that a typo in the example still fails.
{ lib, ... }:
let
  inherit (lib) mkOption types;
in
{
  options = {
    users.users = mkOption {
      type = types.attrsOf (
        types.submodule {
          options = {
            isNormalUser = mkOption {
              type = types.bool;
              default = false;
              description = "Stub of NixOS's `users.users.<name>.isNormalUser`.";
            };
            description = mkOption {
              type = types.str;
              default = "";
              description = "Stub of NixOS's `users.users.<name>.description`.";
            };
            extraGroups = mkOption {
              type = types.listOf types.str;
              default = [ ];
              description = "Stub of NixOS's `users.users.<name>.extraGroups`.";
            };
          };
        }
      );
    };
    programs.dconf.enable = mkOption {
      type = types.bool;
      default = false;
      description = "Stub of NixOS's `programs.dconf.enable`.";
    };
  };
}
