# The user units among home-manager's files, for activation-manager's unit
# switch, as home-manager's `reloadSystemd` block hands them to sd-switch:
# every file `<unit>.<type>` directly in `<xdg.configHome>/systemd/user/`
# is a unit (whether `systemd.user.*` generated it or it was written with
# `xdg.configFile`), each link `<target>.wants/<unit>` (or `.requires/`)
# makes `<target>` want it, and `X-SwitchMethod` in the unit's `Unit`
# section says how a changed unit switches (`restart` without it).
#
# One `systemd-units` node lists them, after every file of the folder. A
# drop-in `<unit>.d/<name>.conf` gets the command `systemd.user.overrides`
# has: when it changed, the manager reloads and a unit that runs restarts.
{
  lib,
  # home-manager's evaluated `config`.
  hm,
  # names.nix.
  names,
  # files.nix's `entries`.
  entries,
  # unit-scripts.nix.
  scripts,
}:
let
  byKind = kind: builtins.filter (entry: entry.role.kind == kind) entries;
  unitFiles = byKind "unit";
  dependencies = byKind "dependency";
  dropIns = byKind "drop-in";
  folderNodes = map (entry: entry.node.id) (unitFiles ++ dependencies ++ dropIns);

  unitsId = "systemd:user";

  switchMethod =
    unitName:
    let
      parts = builtins.match "(.+)\\.([a-z]+)" unitName;
      kind = names.unitOptions.${builtins.elemAt parts 1} or null;
      stem = builtins.elemAt parts 0;
      unit = if kind == null then { } else hm.systemd.user.${kind}.${stem} or { };
      method = unit.Unit.X-SwitchMethod or null;
    in
    if method == null then "restart" else method;

  unitEntry = entry: {
    name = entry.role.unit;
    inherit (entry) target;
    switchMethod = switchMethod entry.role.unit;
    wantedBy = map (dependency: dependency.role.of) (
      builtins.filter (dependency: dependency.role.unit == entry.role.unit) dependencies
    );
    inherit (entry.origin) declaredBy definedIn;
  };

  # One command per unit with drop-ins, run when one of them changed.
  dropInsByUnit = lib.groupBy (entry: entry.role.unit) dropIns;
  reload = unit: files: {
    id = "override:${unit}";
    kind = "exec";
    argv = [
      scripts.reloadDropIns.path
      unit
    ];
    whenChanged = map (entry: entry.target) files;
    after = lib.optional (unitFiles != [ ]) unitsId;
    inherit ((builtins.head files).origin) declaredBy definedIn;
  };
in
{
  nodes =
    lib.optional (unitFiles != [ ]) {
      id = unitsId;
      kind = "systemd-units";
      declaredBy = "systemd.user";
      # The manager reads unit files once, at `daemon-reload`: every file
      # of the folder must be in place before.
      after = folderNodes;
      units = map unitEntry unitFiles;
    }
    ++ lib.mapAttrsToList reload dropInsByUnit;

  scripts = lib.optionalAttrs (dropIns != [ ]) {
    ${scripts.reloadDropIns.name} = scripts.reloadDropIns.content;
  };
}
