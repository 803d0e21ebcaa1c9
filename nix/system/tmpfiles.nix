# `systemd.tmpfiles.rules` and `systemd.tmpfiles.settings`, with NixOS's
# options and meaning: every rule goes into one file,
# /etc/tmpfiles.d/00-activation-manager.conf (a link like any other), and
# the `tmpfiles` node after it makes `am` apply them with
# `systemd-tmpfiles --create` at every activation, and `--remove` the
# rules a previous generation had and this one dropped.
#
# NixOS writes `rules` to 00-nixos.conf and each of `settings` to
# `<name>.conf`; here they share one file, `rules` first and then
# `settings` by name, which keeps NixOS's precedence for a path two rules
# name (the first one wins), except for a `settings` name sorting before
# "00-nixos".
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };

  cfg = config.systemd.tmpfiles;
  target = "tmpfiles.d/00-activation-manager.conf";

  field =
    what: example: default:
    mkOption {
      type = types.str;
      inherit default example;
      description = what;
    };

  entryModule =
    { name, ... }:
    {
      options = {
        type = mkOption {
          type = types.str;
          default = name;
          defaultText = lib.literalExpression "<tmpfiles-type>";
          example = "d";
          description = ''
            What to do with the path: a letter and optional modifiers (`d`
            makes a folder, `L+` a link, `z` sets a mode, ...), as in
            tmpfiles.d(5). Defaults to the attribute name.
          '';
        };
        mode = field "The mode of the file or folder made; `-` for the default." "0755" "-";
        user = field ''
          The owner of the file or folder: a user name or a number; `-` for
          the user running systemd-tmpfiles (root).
        '' "root" "-";
        group = field ''
          The group of the file or folder: a group name or a number; `-`
          for the group of the user running systemd-tmpfiles.
        '' "root" "-";
        age = field ''
          How old a file may get before `systemd-tmpfiles --clean` deletes
          it; `-` for never.
        '' "10d" "-";
        argument = field ''
          The argument, whose meaning depends on the type (a link's source,
          a file's text, ...).
        '' "/usr/share/zoneinfo/UTC" "";
      };
    };

  # NixOS's line for one entry of `settings`.
  settingLine =
    path: entry:
    "'${entry.type}' '${path}' '${entry.mode}' '${entry.user}' '${entry.group}' '${entry.age}' ${entry.argument}\n";

  settingsText = lib.concatStrings (
    lib.concatMap (
      paths: lib.concatLists (lib.mapAttrsToList (path: lib.mapAttrsToList (_: settingLine path)) paths)
    ) (builtins.attrValues cfg.settings)
  );

  text = ''
    # Made by activation-manager from systemd.tmpfiles.rules and
    # systemd.tmpfiles.settings; change those rather than this file.

    ${lib.concatMapStrings (rule: "${rule}\n") cfg.rules}${settingsText}'';

  # Both options, each only when set (an unset one's only definition is its
  # default, in this file).
  from = {
    declaredBy = "systemd.tmpfiles";
    definedIn = lib.unique (
      lib.concatMap (name: (provenance.whole options.systemd.tmpfiles.${name} [ ]).definedIn) (
        builtins.filter (name: cfg.${name} != { } && cfg.${name} != [ ]) [
          "rules"
          "settings"
        ]
      )
    );
  };
in
{
  options.systemd.tmpfiles = {
    rules = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [
        "d /var/lib/backup 0750 backup backup -"
        "d /var/cache/web 0755 web web 7d"
      ];
      description = ''
        Rules for systemd-tmpfiles, one line each, as in tmpfiles.d(5): they
        make, adjust and clean up files and folders. They are written to
        `/etc/tmpfiles.d/00-activation-manager.conf` and applied
        (`systemd-tmpfiles --create`) at every activation, as on NixOS,
        after the accounts of `users.users` and before the units start. A rule that
        is dropped is applied once more with `--remove`, which deletes what
        its type removes (the contents of a `D` or `R` rule's folder, for
        instance); a folder a `d` rule made stays, with its files.
      '';
    };

    settings = mkOption {
      type = types.attrsOf (types.attrsOf (types.attrsOf (types.submodule entryModule)));
      default = { };
      example = lib.literalExpression ''
        {
          "10-backup" = {
            "/var/lib/backup".d = {
              mode = "0750";
              user = "backup";
              group = "backup";
            };
          };
        }
      '';
      description = ''
        The same rules as `rules`, by file name, path and type, as NixOS
        has them: `settings.<name>.<path>.<type> = { mode; user; group;
        age; argument; }`. They go into the same file as `rules`, after
        them and by name, so that of two rules for one path the first
        wins, as in NixOS.
      '';
    };
  };

  config.am.loweredNodes = lib.optionals (cfg.rules != [ ] || settingsText != "") [
    (
      {
        id = "etc:${target}";
        kind = "link";
        inherit target text;
      }
      // from
    )
    (
      {
        id = "tmpfiles";
        kind = "tmpfiles";
        # The compiler orders it after its file and the accounts.
        inherit target;
      }
      // from
    )
  ];
}
