# Unit file text from NixOS-style unit attributes, with lib alone (NixOS's
# systemd library needs pkgs): `[Unit]`, the unit's own section and
# `[Install]`, each a `Key=value` line per value (a list repeats the key,
# booleans are true/false), the dependency lists space-joined as systemd
# reads them, and the restart and reload triggers as hashes.
{ lib }:
let
  # The hash that stands for a list of triggers in the unit file. Paths are
  # copied into the store first, so the hash follows their content.
  triggersHash =
    triggers:
    if triggers == [ ] then
      null
    else
      builtins.hashString "sha256" (
        toString (map (t: if builtins.isPath t then "${t}" else toString t) (lib.flatten triggers))
      );

  renderAtom =
    option: key: v:
    let
      text =
        if builtins.isBool v then
          lib.boolToString v
        else if builtins.isPath v then
          "${v}"
        else
          toString v;
    in
    # A newline would end the line and start a key of its own.
    lib.throwIf (lib.hasInfix "\n" text)
      "${option}: the value of ${key} holds a line break, which a unit file cannot; use a script or one line"
      text;

  renderSection =
    option: name: keys:
    let
      present = lib.filterAttrs (_: v: v != null && v != [ ] && v != "") keys;
      line = key: v: "${key}=${renderAtom option key v}\n";
      lines = lib.concatLists (lib.mapAttrsToList (key: v: map (line key) (lib.toList v)) present);
    in
    lib.optionalString (lines != [ ]) "[${name}]\n${lib.concatStrings lines}";

  dependencyKeys = {
    After = "after";
    Before = "before";
    Wants = "wants";
    Requires = "requires";
    BindsTo = "bindsTo";
    PartOf = "partOf";
    Conflicts = "conflicts";
  };
in
{
  # `option` names the unit in messages; `section` and `body` are the
  # unit's own section (`Service`, `Timer`, ...) and its keys. A unit
  # written home-manager style (`unit.homeManagerStyle`) gets exactly the
  # keys its sections hold: no `X-SwitchMethod=` of its own.
  render =
    {
      option,
      unit,
      section,
      body,
      switchMethod,
    }:
    lib.concatStringsSep "\n" (
      lib.filter (s: s != "") [
        (renderSection option "Unit" (
          {
            Description = unit.description;
            X-Restart-Triggers = triggersHash unit.restartTriggers;
            X-Reload-Triggers = triggersHash unit.reloadTriggers;
            X-SwitchMethod = if unit.homeManagerStyle then null else switchMethod;
          }
          // lib.mapAttrs (_: attr: lib.concatStringsSep " " unit.${attr}) dependencyKeys
          // unit.unitConfig
        ))
        (renderSection option section body)
        (renderSection option "Install" (
          {
            WantedBy = lib.concatStringsSep " " unit.wantedBy;
            RequiredBy = lib.concatStringsSep " " unit.requiredBy;
          }
          // unit.installConfig
        ))
      ]
    );

  # A drop-in: `[Unit]` first, `[Install]` last, other sections by name
  # between them.
  dropIn =
    { option, sections }:
    let
      rank =
        name:
        if name == "Unit" then
          "0"
        else if name == "Install" then
          "2"
        else
          "1${name}";
      names = lib.sort (a: b: rank a < rank b) (builtins.attrNames sections);
    in
    lib.concatStringsSep "\n" (
      lib.filter (s: s != "") (map (name: renderSection option name sections.${name}) names)
    );
}
