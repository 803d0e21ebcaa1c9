# home-manager's way of writing systemd user units, sections as attribute
# sets:
#
#   systemd.user.services.sync = {
#     Unit.Description = "Sync notes";
#     Service.ExecStart = "${pkgs.unison}/bin/unison notes";
#     Install.WantedBy = [ "default.target" ];
#   };
#
# mapped onto the NixOS-style options of systemd.nix (`unitConfig`,
# `serviceConfig`, `wantedBy`, ...), so home-manager units port unchanged
# and both styles can be mixed in one unit. A unit written this way is
# marked `homeManagerStyle`: its file holds exactly the keys written, as
# home-manager's does (no `PATH` from NixOS's defaults is added).
{ lib, ... }:
let
  inherit (lib) mkOption types;

  # Option family, its home-manager section and an example of it. The
  # section's keys go to the NixOS-style option `<section>Config`
  # (`serviceConfig`, ...), as in systemd.nix.
  kinds = {
    services = {
      section = "Service";
      example.ExecStart = "/usr/bin/unison notes";
    };
    sockets = {
      section = "Socket";
      example.ListenStream = "%t/app.sock";
    };
    timers = {
      section = "Timer";
      example.OnCalendar = "daily";
    };
    paths = {
      section = "Path";
      example.PathChanged = "%h/notes";
    };
  };
  into = section: "${lib.toLower section}Config";

  sectionOption =
    section: example:
    mkOption {
      type = types.attrsOf types.anything;
      default = { };
      inherit example;
      description = ''
        Keys of the unit's `[${section}]` section, home-manager style: the
        same as `${into section}`, into which they are merged.
      '';
    };

  targets =
    key:
    mkOption {
      type = types.coercedTo types.str lib.toList (types.listOf types.str);
      default = [ ];
      example = [ "default.target" ];
      description = "home-manager style `${key}=`: merged into `${
        lib.toLower (builtins.substring 0 1 key)
      }${builtins.substring 1 (-1) key}`.";
    };

  # The keys of `Install` that are not `WantedBy` or `RequiredBy` (`Alias`,
  # `Also`, `DefaultInstance`) go to the `[Install]` section as they are.
  installKey = types.either unitAtom (types.listOf unitAtom);
  unitAtom = types.oneOf [
    types.bool
    types.int
    types.str
    types.path
    types.package
  ];

  hmModule =
    kind:
    { config, options, ... }:
    let
      sections = [
        "Unit"
        kind.section
        "Install"
      ];
    in
    {
      options = {
        Unit = sectionOption "Unit" {
          Description = "Sync notes";
          After = [ "network-online.target" ];
        };
        ${kind.section} = sectionOption kind.section kind.example;
        Install = mkOption {
          type = types.submodule {
            freeformType = types.attrsOf installKey;
            options = {
              WantedBy = targets "WantedBy";
              RequiredBy = targets "RequiredBy";
            };
          };
          default = { };
          example = {
            WantedBy = [ "default.target" ];
          };
          description = ''
            The unit's `[Install]` section, home-manager style: `WantedBy`
            and `RequiredBy` go to `wantedBy` and `requiredBy`, other keys
            (`Alias`, `Also`, ...) into the section as they are.
          '';
        };
      };
      config = {
        # Written with these sections: the unit file holds what they say and
        # nothing more (see systemd.nix).
        homeManagerStyle = lib.any (section: options.${section}.highestPrio < 1500) sections;
        installConfig = removeAttrs config.Install [
          "WantedBy"
          "RequiredBy"
        ];
        unitConfig = config.Unit;
        ${into kind.section} = config.${kind.section};
        # Only when given: an empty definition would outrank a `mkDefault`
        # of another module.
        wantedBy = lib.mkIf (config.Install.WantedBy != [ ]) config.Install.WantedBy;
        requiredBy = lib.mkIf (config.Install.RequiredBy != [ ]) config.Install.RequiredBy;
      };
    };
in
{
  options.systemd.user = lib.mapAttrs (
    _: kind:
    mkOption {
      type = types.attrsOf (types.submodule (hmModule kind));
    }
  ) kinds;
}
