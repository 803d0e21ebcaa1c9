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
# A user may instead keep a home-manager configuration:
#
#   activation-manager.home-manager = inputs.home-manager;
#   users.users.jane.activation-manager.homeManagerModules = [ ./jane/home.nix ];
#
# which home-manager evaluates and activation-manager activates (`modules`
# are then activation-manager modules added to it).
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

  homeOptions = import ./home-options.nix { inherit lib; };
  inherit (homeOptions) specialArgsOption;
  builders = homeOptions.buildersFor {
    inherit amLib pkgs cfg;
    osConfig = config;
  };

  userUnit = name: "activation-manager-${name}";

  userModule =
    { name, config, ... }:
    let
      user = config.activation-manager;
    in
    {
      options.activation-manager = homeOptions.userOptions {
        activated = ''
          their bundle is installed in the user's packages and
          activated by the user unit `activation-manager-<name>.service`
          at login, and by `nixos-rebuild switch` while the user is
          logged in.'';
        bundle = builders.userBundle {
          inherit name user;
          inherit (config) home;
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

      home-manager = homeOptions.homeManagerOption;

      mkBundle = mkOption {
        type = types.functionTo types.package;
        readOnly = true;
        default = modules: builders.mkBundle { inherit modules; };
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
