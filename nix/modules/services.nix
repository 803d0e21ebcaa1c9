# `home.services.<name>`: nixpkgs modular services (`lib/services`, modules
# of `_class = "service"`), run as systemd user units. Each service, and
# each of its sub-services (named `<parent>-<child>`), becomes
# `systemd.user.services.<name>` with `ExecStart=` from `process.argv`;
# `configData.<file>` is placed at `<xdg.configHome>/system-services/<name>/<file>`
# and changes to it restart the unit.
#
# The modular services library comes from the nixpkgs of `pkgs`
# (`pkgs.path + "/lib/services/lib.nix"`): it imports modules from outside
# nixpkgs' `lib/`, and `configData.<file>.text` needs `pkgs.writeText`.
{
  lib,
  config,
  pkgs ? null,
  ...
}:
let
  inherit (lib) mkOption types;

  available = pkgs != null && pkgs ? path;
  # Without nixpkgs, the services' type throws with the fix; forcing them
  # shows that message instead of one about `pkgs.path`.
  portable =
    if available then
      import (pkgs.path + "/lib/services/lib.nix") { inherit lib; }
    else
      builtins.deepSeq (builtins.attrValues config.home.services) (
        throw "unreachable: home.services needs pkgs"
      );

  # Where configData files go, relative to the home, and so relative to a
  # user unit's working directory (the home, which we set explicitly).
  configDir = service: "${config.am.xdgRelative.configHome}/system-services/${service}";

  # systemd's quoting of one `ExecStart=` argument, as NixOS's
  # `utils.escapeSystemdExecArg`: a JSON string, with `%` and `$` doubled so
  # that systemd expands neither specifiers nor variables.
  escapeExecArg =
    arg:
    lib.replaceStrings [ "%" "$" ] [ "%%" "$$" ] (
      builtins.toJSON (if builtins.isString arg then arg else toString arg)
    );

  # Added to every modular service and, through its `services` option, to
  # every sub-service: the unit name, where configData goes, and the
  # systemd settings of the unit.
  serviceModule =
    { config, name, ... }:
    let
      service = config;
    in
    {
      _class = "service";
      options = {
        unitName = mkOption {
          type = types.str;
          default = name;
          defaultText = lib.literalMD "the attribute name, or `<parent>-<name>` for a sub-service";
          internal = true;
          description = "Name of the service's systemd user unit, without `.service`.";
        };

        services = mkOption {
          type = types.attrsOf (
            types.submoduleWith {
              modules = [
                serviceModule
                ({ name, ... }: { unitName = "${service.unitName}-${name}"; })
              ];
            }
          );
        };

        configData = mkOption {
          type = types.lazyAttrsOf (
            types.submodule (
              { config, ... }:
              {
                config.path = "${configDir service.unitName}/${config.name}";
              }
            )
          );
        };

        systemd.service = mkOption {
          type = types.deferredModule;
          default = { };
          example = lib.literalExpression ''
            {
              serviceConfig.Restart = "on-failure";
              environment.LOG_LEVEL = "debug";
            }
          '';
          description = ''
            Settings of this service's unit, as for
            `systemd.user.services.<name>`, merged with those made from
            `process.argv` and `configData`.
          '';
        };
      };
    };

  unavailableType = lib.mkOptionType {
    name = "modularService";
    description = "modular service (needs `pkgs`)";
    descriptionClass = "noun";
    check = _: true;
    merge =
      loc: _:
      throw ''
        `${lib.showOption loc}` is a nixpkgs modular service, which needs the nixpkgs that
        `pkgs` comes from: build the bundle with `pkgs`, e.g.

          activation-manager.lib.homeBundle { pkgs = nixpkgs.legacyPackages.x86_64-linux; modules = [ ./home.nix ]; }
      '';
  };

  serviceType =
    if available then
      (portable.configure {
        serviceManagerPkgs = pkgs;
        extraRootModules = [ serviceModule ];
      }).serviceSubmodule
    else
      unavailableType;

  # Every service and sub-service, flattened.
  all = lib.concatLists (
    lib.mapAttrsToList (
      name: root: portable.flattenMapServicesConfigToList (_: service: [ service ]) [ name ] root
    ) config.home.services
  );
  # The services' own assertions and warnings (we have no top-level ones).
  failed = lib.concatLists (
    lib.mapAttrsToList (
      name: root:
      builtins.filter (a: !a.assertion) (portable.getAssertions [ "home" "services" name ] root)
    ) config.home.services
  );
  warnings = lib.concatLists (
    lib.mapAttrsToList (
      name: root: portable.getWarnings [ "home" "services" name ] root
    ) config.home.services
  );
  checked =
    value:
    if failed != [ ] then
      throw "Failed assertions:\n${lib.concatMapStringsSep "\n" (a: "- ${a.message}") failed}"
    else
      lib.foldr lib.warn value warnings;

  enabledData = service: builtins.filter (d: d.enable) (builtins.attrValues service.configData);
in
{
  options.home.services = mkOption {
    type = types.attrsOf serviceType;
    default = { };
    example = lib.literalExpression ''
      {
        web = {
          imports = [ pkgs.some-package.services.default ];
          # or, written out:
          process.argv = [ "''${pkgs.python3}/bin/python3" "-m" "http.server" "8080" ];
          configData."settings.json".text = builtins.toJSON { port = 8080; };
        };
      }
    '';
    description = ''
      [Modular services](https://nixos.org/manual/nixos/unstable/#modular-services)
      of nixpkgs, run as systemd user units; needs `pkgs`. Each service and
      sub-service becomes `systemd.user.services.<name>` (a sub-service
      `<parent>-<child>`), started by `default.target`, with `ExecStart=`
      from `process.argv` and the service's `systemd.service` settings.

      `configData.<file>` is placed at
      `<xdg.configHome>/system-services/<name>/<file>`; its `path` is that
      path relative to the home, which is the unit's working directory. A
      change to any of them restarts the unit.
    '';
  };

  config = lib.mkIf (config.home.services != { }) {
    systemd.user.services = checked (
      lib.listToAttrs (
        map (
          service:
          # A function, not an attribute set, so that `imports` is read as
          # imports (an attribute set defining a submodule is all config).
          lib.nameValuePair service.unitName (_: {
            imports = [ service.systemd.service ];
            wantedBy = lib.mkDefault [ "default.target" ];
            restartTriggers = map (d: d.source) (enabledData service);
            serviceConfig = {
              ExecStart = lib.concatMapStringsSep " " escapeExecArg service.process.argv;
              WorkingDirectory = lib.mkDefault "%h";
            };
          })
        ) all
      )
    );

    xdg.configFile = lib.listToAttrs (
      lib.concatMap (
        service:
        map (d: lib.nameValuePair "system-services/${service.unitName}/${d.name}" { inherit (d) source; }) (
          enabledData service
        )
      ) all
    );
  };
}
