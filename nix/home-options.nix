# What the NixOS module (nixos.nix) and a system bundle (system/homes.nix)
# share to give users homes: the options of a user's home, and how its
# bundle is built from them, as home-manager's NixOS module does it. A
# home is activation-manager modules (`modules`), or a home-manager
# configuration (`homeManagerModules`) that home-manager evaluates, with
# activation-manager modules beside it.
{ lib }:
let
  inherit (lib) mkOption types;

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
in
{
  inherit specialArgsOption;

  # `activation-manager.home-manager`.
  homeManagerOption = mkOption {
    type = types.nullOr types.path;
    default = null;
    example = lib.literalExpression "inputs.home-manager";
    description = ''
      home-manager's source (your flake's `home-manager` input, or a path
      to a checkout), whose modules evaluate the users'
      `homeManagerModules`. Any home-manager release works; pick the one
      that matches your nixpkgs, as with home-manager itself.
    '';
  };

  # How bundles are built for the system whose configuration is
  # `osConfig`: `amLib` has `homeBundle` and `homeManagerBundle`, `cfg` is
  # the system's `activation-manager` (`extraSpecialArgs`, `home-manager`).
  buildersFor =
    {
      amLib,
      pkgs,
      osConfig,
      cfg,
    }:
    let
      # Modules get `osConfig`, then the shared and the user's own
      # `extraSpecialArgs`.
      specialArgsWith =
        extraSpecialArgs: { inherit osConfig; } // cfg.extraSpecialArgs // extraSpecialArgs;

      # `am` comes with the system that builds the home, not into the
      # user's Nix profile (which they may not use at all).
      systemsCommand = {
        am.command.enable = lib.mkDefault false;
      };

      mkBundle =
        {
          modules,
          name ? "home-bundle",
          extraSpecialArgs ? { },
        }:
        amLib.homeBundle {
          inherit pkgs name;
          modules = [ systemsCommand ] ++ lib.toList modules;
          extraSpecialArgs = specialArgsWith extraSpecialArgs;
        };

      # A home-manager configuration, evaluated by the home-manager of
      # `activation-manager.home-manager`, with activation-manager modules
      # beside it.
      mkHomeManagerBundle =
        {
          modules,
          amModules,
          name,
          extraSpecialArgs,
        }:
        if cfg.home-manager == null then
          throw ''
            ${name} has homeManagerModules, which home-manager evaluates, but
            activation-manager.home-manager is not set. Give it home-manager's source, e.g. your
            flake's input:

              activation-manager.home-manager = inputs.home-manager;
          ''
        else
          amLib.homeManagerBundle {
            inherit (cfg) home-manager;
            inherit
              pkgs
              name
              modules
              ;
            amModules = [ systemsCommand ] ++ amModules;
            extraSpecialArgs = specialArgsWith extraSpecialArgs;
          };
    in
    {
      inherit mkBundle;

      # The bundle of the home options `user` (those of `userOptions`) of
      # the user `name` whose home is `home`, or null without modules.
      userBundle =
        {
          name,
          home,
          user,
        }:
        let
          defaults = {
            home.username = lib.mkDefault name;
            home.homeDirectory = lib.mkDefault home;
          };
        in
        if user.homeManagerModules != [ ] then
          mkHomeManagerBundle {
            name = "home-${name}";
            inherit (user) extraSpecialArgs;
            modules = user.homeManagerModules ++ [ defaults ];
            amModules = user.modules;
          }
        else if user.modules != [ ] then
          mkBundle {
            name = "home-${name}";
            inherit (user) extraSpecialArgs;
            modules = user.modules ++ [ defaults ];
          }
        else
          null;
    };

  # The options of one user's home. `activated` says how its bundle is
  # activated; `bundle` is its default (`userBundle`).
  userOptions =
    { activated, bundle }:
    {
      modules = mkOption {
        type = types.listOf types.deferredModule;
        default = [ ];
        example = lib.literalExpression ''
          [
            ./home.nix
            { home.file.".config/git/config".text = "[user]\n  name = Jane\n"; }
          ]
        '';
        description = ''
          The activation-manager modules of this user's home (added to
          the home-manager configuration of `homeManagerModules`, if it
          has one). When either is not empty, ${activated}
          `home.username` and `home.homeDirectory` default to this user's
          name and home.
        '';
      };

      homeManagerModules = mkOption {
        type = types.listOf types.deferredModule;
        default = [ ];
        example = lib.literalExpression "[ ./home.nix ]";
        description = ''
          home-manager modules: this user's home-manager configuration, kept
          as it is. home-manager (`activation-manager.home-manager`)
          evaluates them with its own modules, and activation-manager
          activates the result instead of home-manager's activation script
          (see the migration guide's "Keep your home-manager
          configuration"). `modules`, if any, are activation-manager
          modules added to the same bundle. `home.username` and
          `home.homeDirectory` default to this user's name and home.
        '';
      };

      extraSpecialArgs = specialArgsOption "this user's modules; they win over `activation-manager.extraSpecialArgs`";

      bundle = mkOption {
        type = types.nullOr types.package;
        readOnly = true;
        default = bundle;
        defaultText = lib.literalMD "the bundle of `homeManagerModules` (with `modules`), else of `modules`, or `null` when there are none";
        description = "The home bundle built from `homeManagerModules` and `modules` (read-only).";
      };
    };
}
