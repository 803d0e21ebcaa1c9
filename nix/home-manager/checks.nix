# What of a home-manager configuration has no meaning with
# activation-manager, found in its evaluated `config`: `errors` fail the
# build (all of them in one message), `warnings` are printed. Nothing of it
# is dropped without one or the other, since a home that quietly differs
# from what home-manager would make is worse than a build that stops.
#
# What needs no message (home-manager's own activation blocks, which
# activation-manager replaces; options that only shape those blocks) is
# listed in the migration guide, docs/src/guides/home-manager.md.
{
  lib,
  # home-manager's evaluated `config`.
  hm,
  # files.nix's `entries`.
  entries,
  # The `home.activation` blocks that are kept (all but home-manager's own).
  blocks,
}:
let
  # Names home-manager's activation script defines and activation-manager's
  # blocks do not have (modules/lib-bash/activation-init.sh), and its
  # generation's layout: a block that uses them cannot work here.
  internals = [
    "nixProfileRemove"
    "nixProfileList"
    "hmDataPath"
    "hmStatePath"
    "hmGcrootsDir"
    "genProfilePath"
    "newGenGcPath"
    "currentGenGcPath"
    "legacyGenGcPath"
    "hmDriverVersion"
  ];
  layout = "(new|old)GenPath}?\"?/(home-files|home-path|LaunchAgents|LaunchAgentDomains|state|activate|hm-version)";
  uses =
    text:
    builtins.filter (name: lib.hasInfix name text) internals
    ++ map (match: "\$${builtins.elemAt match 0}GenPath/${builtins.elemAt match 1}") (
      builtins.filter builtins.isList (builtins.split layout text)
    );

  blockProblems = lib.concatLists (
    lib.mapAttrsToList (
      name: entry:
      let
        found = lib.unique (uses entry.data);
      in
      lib.optional (found != [ ] && name != "uninstall") (
        "home.activation.${lib.strings.escapeNixIdentifier name} uses ${
          lib.concatMapStringsSep ", " (use: "`${use}`") found
        } of home-manager's own activation script and generation, which activation-manager does "
        + "not have: a block runs on its own, with home-manager's `run`, `verboseEcho`, "
        + "`VERBOSE_ARG`, and `newGenPath` and `oldGenPath` naming activation-manager's bundles. "
        + "Drop the block, or do what it does with activation-manager's options."
      )
    ) blocks
  );

  executableTrees = builtins.filter (entry: entry.tree && entry.file.executable != null) entries;

  specialisations = builtins.attrNames (hm.specialisation or { });
  databases = builtins.attrNames (hm.dconf.databases or { });

  errors =
    lib.optional (hm.uninstall or false) (
      "uninstall = true: this is how home-manager removes itself. activation-manager removes "
      + "everything a bundle made with `am deactivate`; do not build a bundle of this "
      + "configuration."
    )
    ++ lib.optional (specialisations != [ ]) (
      "specialisation.${builtins.head specialisations}${
        lib.optionalString (builtins.length specialisations > 1)
          " (and ${toString (builtins.length specialisations - 1)} more)"
      }: activation-manager has no specialisations. Build one bundle per variant instead "
      + "(two `homeManagerBundle` calls, the variant's modules added to one of them), and "
      + "activate the one you want."
    )
    ++ lib.optional (databases != [ ]) (
      "dconf.databases.${builtins.head databases}: activation-manager writes the user's own dconf "
      + "database only (dconf.settings). Move these keys into dconf.settings, or leave them out."
    )
    ++ map (
      entry:
      "${entry.origin.declaredBy}: recursive = true with executable = "
      + "${lib.boolToString entry.file.executable}: "
      + "activation-manager mirrors a folder with the modes its files have. Drop `executable`, or "
      + "give the files the mode you want in the source folder."
    ) executableTrees
    ++ blockProblems;

  startServices = hm.systemd.user.startServices or true;
  timeout = hm.systemd.user.servicesStartTimeoutMs or 0;

  # home-manager's dconf module records the keys it set in the generation
  # (`$out/state/`), which activation-manager's generations do themselves;
  # any other command was meant for home-manager's generation folder.
  builderCommands = builtins.filter (
    line:
    builtins.match "[[:space:]]*" line == null
    && builtins.match "[[:space:]]*mkdir -p \\$out/state/?[[:space:]]*" line == null
    &&
      builtins.match "[[:space:]]*ln -s [^ ]*dconf-keys[^ ]*\\.json \\$out/state/[^ ]*[[:space:]]*" line
      == null
  ) (lib.splitString "\n" (hm.home.extraBuilderCommands or ""));

  warnings =
    lib.optional (startServices != true && startServices != "sd-switch") (
      "systemd.user.startServices = ${builtins.toJSON startServices}: activation-manager always "
      + "switches units as home-manager's \"sd-switch\" does (new units wanted by an active target "
      + "start, changed ones restart, removed ones stop)."
    )
    ++ lib.optional (timeout != 0) (
      "systemd.user.servicesStartTimeoutMs = ${toString timeout}: activation-manager does not "
      + "watch started services for a while: it waits for each `systemctl --user start` and "
      + "reports a unit whose start failed."
    )
    ++ lib.optional (builderCommands != [ ]) (
      "home.extraBuilderCommands is not run: these commands build home-manager's generation "
      + "folder, which activation-manager does not make:\n  "
      + lib.concatStringsSep "\n  " builderCommands
    );
in
{
  inherit errors warnings;
}
