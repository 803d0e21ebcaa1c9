# What the NixOS module (nixos.nix) and a system bundle (system/homes.nix)
# share to give users homes: the options of a user's home and how its
# bundle is built from them, as home-manager's NixOS module does it.
{ lib }:
let
  inherit (lib) mkOption types;
in
{
  # `extraSpecialArgs`, for the modules of `what`.
  specialArgsOption =
    what:
    mkOption {
      type = types.attrs;
      default = { };
      example = lib.literalExpression "{ inherit inputs; hostName = \"laptop\"; }";
      description = ''
        Extra arguments for ${what}, as home-manager's
        `extraSpecialArgs`: known while `imports` are read, so they can
        decide which modules to import. Modules also get `osConfig`, the
        system's configuration.
      '';
    };

  # A user's home modules; `activated` says how their bundle is activated.
  modulesOption =
    activated:
    mkOption {
      type = types.listOf types.deferredModule;
      default = [ ];
      example = lib.literalExpression ''
        [
          ./home.nix
          { home.file.".config/git/config".text = "[user]\n  name = Jane\n"; }
        ]
      '';
      description = ''
        The activation-manager modules of this user's home. When not
        empty, ${activated} `home.username` and `home.homeDirectory`
        default to this user's name and home.
      '';
    };

  # The home bundle of `modules`, built with the system's `pkgs`: modules
  # get `osConfig` (the system's configuration), then the shared and the
  # user's own `extraSpecialArgs`. With a `user`, `home.username` and
  # `home.homeDirectory` default to its name and home.
  homeOf =
    {
      homeBundle,
      pkgs,
      osConfig,
      sharedArgs,
    }:
    {
      modules,
      name ? "home-bundle",
      extraSpecialArgs ? { },
      user ? null,
    }:
    homeBundle {
      inherit pkgs name;
      modules =
        lib.toList modules
        ++ lib.optional (user != null) {
          home.username = lib.mkDefault user.name;
          home.homeDirectory = lib.mkDefault user.home;
        };
      extraSpecialArgs = {
        inherit osConfig;
      }
      // sharedArgs
      // extraSpecialArgs;
    };
}
