# The NixOS module (the flake's `nixosModules.default`): per-user home
# bundles, installed with the system and activated at login and on
# `nixos-rebuild switch`.
#
#   users.users.jane.activation-manager.modules = [ ./jane/home.nix ];
#
# - The bundle goes into `users.users.jane.packages`, so it is part of the
#   system closure (rooted as long as the system generation is; `am` adds
#   its own GC root for every generation it activates).
# - The user unit `activation-manager-jane.service` (ConditionUser=jane,
#   wanted by default.target) activates it when jane's user manager starts,
#   i.e. at her first login or at boot when she lingers.
# - The system unit `activation-manager-switch-jane.service` restarts that
#   user unit in jane's running user manager. Its restart triggers hold the
#   bundle, so `nixos-rebuild switch` restarts it exactly when her bundle
#   changed; when jane is not logged in it does nothing (the next login
#   activates).
#
# Without the flake: `imports = [ "${activation-manager}/nix/nixos.nix" ];`,
# and `activation-manager.package` defaults to building `am` with `pkgs`.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib) mkOption types;
  cfg = config.activation-manager;

  amLib = import ./default.nix {
    inherit lib;
    am = cfg.package;
  };

  # As home-manager's NixOS module: modules get `osConfig` (the system's
  # configuration), then the shared and the user's own `extraSpecialArgs`.
  mkBundle =
    {
      modules,
      name ? "home-bundle",
      extraSpecialArgs ? { },
    }:
    amLib.homeBundle {
      inherit pkgs name;
      modules = lib.toList modules;
      extraSpecialArgs = {
        osConfig = config;
      }
      // cfg.extraSpecialArgs
      // extraSpecialArgs;
    };

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

  userUnit = name: "activation-manager-${name}";

  userModule =
    { name, config, ... }:
    let
      user = config.activation-manager;
    in
    {
      options.activation-manager = {
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
            The activation-manager modules of this user's home. When not
            empty, their bundle is installed in the user's packages and
            activated by the user unit `activation-manager-<name>.service`
            at login, and by `nixos-rebuild switch` while the user is
            logged in. `home.username` and `home.homeDirectory` default to
            this user's name and home.
          '';
        };

        extraSpecialArgs = specialArgsOption "this user's modules; they win over `activation-manager.extraSpecialArgs`";

        bundle = mkOption {
          type = types.nullOr types.package;
          readOnly = true;
          defaultText = lib.literalMD "the bundle of `modules`, or `null` when there are none";
          description = "The home bundle built from `modules` (read-only).";
          default =
            if user.modules == [ ] then
              null
            else
              mkBundle {
                name = "home-${name}";
                inherit (user) extraSpecialArgs;
                modules = user.modules ++ [
                  {
                    home.username = lib.mkDefault name;
                    home.homeDirectory = lib.mkDefault config.home;
                  }
                ];
              };
        };
      };

      config = lib.mkIf (user.bundle != null) { packages = [ user.bundle ]; };
    };

  withBundles = lib.filterAttrs (_: user: user.activation-manager.bundle != null) config.users.users;
in
{
  options = {
    activation-manager = {
      package = mkOption {
        type = types.package;
        default = pkgs.callPackage ./package.nix { };
        defaultText = lib.literalExpression "pkgs.callPackage \"\${activation-manager}/nix/package.nix\" { }";
        example = lib.literalExpression "inputs.activation-manager.packages.\${pkgs.stdenv.hostPlatform.system}.default";
        description = ''
          The `am` package that builds and activates the bundles. The
          flake's module sets it to the flake's own package.
        '';
      };

      extraSpecialArgs = specialArgsOption "the modules of every user's home (and of `mkBundle`)";

      mkBundle = mkOption {
        type = types.functionTo types.package;
        readOnly = true;
        default = modules: mkBundle { inherit modules; };
        defaultText = lib.literalMD "a function from activation-manager modules to their home bundle";
        example = lib.literalExpression ''
          config.activation-manager.mkBundle [ ./home.nix ]
        '';
        description = ''
          Builds a home bundle from activation-manager modules (a list, or
          one module) with this system's `pkgs`, `activation-manager.package`
          and `activation-manager.extraSpecialArgs`, e.g. to offer one in
          `environment.systemPackages` for anyone to activate with its
          `bin/activate` (unless its modules set `home.homeDirectory`, which
          makes it a bundle for that home only).
        '';
      };
    };

    users.users = mkOption {
      type = types.attrsOf (types.submodule userModule);
    };
  };

  config = lib.mkIf (withBundles != { }) {
    systemd.user.services = lib.mapAttrs' (
      name: user:
      lib.nameValuePair (userUnit name) {
        description = "Activate the home of ${name} (activation-manager)";
        wantedBy = [ "default.target" ];
        unitConfig.ConditionUser = name;
        restartTriggers = [ user.activation-manager.bundle ];
        serviceConfig = {
          Type = "oneshot";
          RemainAfterExit = true;
          ExecStart = "${user.activation-manager.bundle}/bin/activate";
        };
      }
    ) withBundles;

    systemd.services = lib.mapAttrs' (
      name: user:
      lib.nameValuePair "activation-manager-switch-${name}" {
        description = "Activate the home of ${name} in their running user manager (activation-manager)";
        wantedBy = [ "multi-user.target" ];
        # Restarted by `nixos-rebuild switch` when the bundle changed.
        restartTriggers = [ user.activation-manager.bundle ];
        serviceConfig = {
          Type = "oneshot";
          RemainAfterExit = true;
        };
        # NixOS puts systemd and coreutils in the PATH of `script`.
        script = ''
          uid=$(id -u ${lib.escapeShellArg name})
          if ! systemctl is-active --quiet "user@$uid.service"; then
            echo ${lib.escapeShellArg "${name} is not logged in: the next login activates the home"}
            exit 0
          fi
          systemctl --user -M ${lib.escapeShellArg "${name}@"} daemon-reload
          systemctl --user -M ${lib.escapeShellArg "${name}@"} restart ${lib.escapeShellArg "${userUnit name}.service"}
        '';
      }
    ) withBundles;
  };
}
