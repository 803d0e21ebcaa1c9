# home-manager activation blocks: `home.activation.<name>` holds DAG entries
# (`lib.hm.dag.entryAfter [ "writeBoundary" ] "..."`) with bash bodies. Each
# entry is lowered into one `exec` node with id `activation:<name>`; its
# `after`/`before` become node `after`/`before`.
#
# home-manager's well-known anchors (`writeBoundary`, `linkGeneration`, ...)
# are not nodes: an entry's reference to one is replaced here by the ids of
# the nodes of that phase (every file link, the systemd unit switch, dconf),
# so the ordering the compiler checks and `am inspect` shows is the real
# one, with no placeholder nodes in between.
{
  lib,
  config,
  options,
  pkgs ? null,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };
  dag = import ../dag.nix { inherit lib; };

  block = import ../bash-block.nix {
    inherit lib pkgs;
    inherit (config.home) extraActivationPath;
  };

  entries = config.home.activation;
  nodeId = name: "activation:${name}";

  # The nodes of each phase, read from everything the other modules lowered
  # (this module's nodes are all exec nodes without `whenChanged`, so they
  # are never among them). `onChange` commands are the exec nodes with
  # `whenChanged`.
  lowered = config.am.loweredNodes;
  idsWhere = pred: map (node: node.id) (builtins.filter pred lowered);
  phase = {
    # A tree's id stands for all of its files (the compiler expands it).
    files = idsWhere (
      node:
      builtins.elem node.kind [
        "link"
        "copy"
        "tree"
      ]
    );
    onChange = idsWhere (node: node.kind == "exec" && (node.whenChanged or [ ]) != [ ]);
    systemd = idsWhere (node: node.kind == "systemd-units");
    dconf = idsWhere (node: node.kind == "dconf");
    packages = idsWhere (node: node.kind == "profile");
  };

  # home-manager's anchors, in its order: checkLinkTargets and
  # checkFilesChanged < writeBoundary < linkGeneration (the links) <
  # onFilesChange, reloadSystemd; installPackages < dconfSettings.
  #
  # `after`: what an entry after the anchor waits for. `beforeFiles` marks
  # the anchors that sit before the links, for the rule below.
  # `before`: what an entry before the anchor must precede.
  #
  # Our pre-check of every target runs before any node, so "after
  # checkLinkTargets" holds from the start. writeBoundary is the point
  # where writing starts: an entry after it waits for every link, unless
  # the entry must itself come before the links (home-manager's
  # `entryBetween [ "linkGeneration" ] [ "writeBoundary" ]`), where it runs
  # before them. installPackages is the profile node (`home.packages`),
  # which, like home-manager's, comes after writeBoundary; an entry after it
  # waits for the packages too.
  afterWriteBoundary = entry: if precedesFiles ? ${entry} then [ ] else phase.files;
  anchors = {
    checkLinkTargets = {
      after = _: [ ];
      before = phase.files;
      beforeFiles = true;
    };
    checkFilesChanged = {
      after = _: [ ];
      before = phase.files;
      beforeFiles = true;
    };
    writeBoundary = {
      after = afterWriteBoundary;
      before = phase.files;
      beforeFiles = true;
    };
    installPackages = {
      after = entry: afterWriteBoundary entry ++ phase.packages;
      before = phase.packages;
    };
    linkGeneration = {
      after = _: phase.files;
      before = phase.files;
      beforeFiles = true;
    };
    onFilesChange = {
      after = _: phase.files ++ phase.onChange;
      before = phase.onChange;
    };
    reloadSystemd = {
      after = _: phase.files ++ phase.systemd;
      before = phase.systemd;
    };
    # home-manager's dconfSettings comes after installPackages: an entry
    # after it waits for the packages as well.
    dconfSettings = {
      after = entry: afterWriteBoundary entry ++ phase.packages ++ phase.dconf;
      before = phase.dconf;
    };
  };
  anchorsBeforeFiles = builtins.attrNames (lib.filterAttrs (_: a: a.beforeFiles or false) anchors);

  # The entries that must come before the links: those before an anchor of
  # `anchorsBeforeFiles`, and (transitively) every entry before one of
  # those. genericClosure stops on cycles, which the compiler reports.
  precedesFiles = lib.listToAttrs (
    map (item: lib.nameValuePair item.key true) (
      builtins.genericClosure {
        startSet = map (key: { inherit key; }) (
          builtins.attrNames (
            lib.filterAttrs (_: e: lib.any (a: builtins.elem a anchorsBeforeFiles) e.before) entries
          )
        );
        operator = item: map (key: { inherit key; }) (predecessors item.key);
      }
    )
  );
  predecessors =
    name:
    builtins.filter (other: entries ? ${other}) (entries.${name}.after or [ ])
    ++ builtins.attrNames (lib.filterAttrs (_: e: builtins.elem name e.before) entries);

  # A name in `after`/`before` is an anchor, or another entry. A name that
  # is neither is passed on as `activation:<name>`, which the compiler
  # reports as an unknown id, with the entry that named it.
  resolveAfter =
    entry: name: if anchors ? ${name} then anchors.${name}.after entry else [ (nodeId name) ];
  resolveBefore = name: if anchors ? ${name} then anchors.${name}.before else [ (nodeId name) ];

  lower =
    name: entry:
    {
      id = nodeId name;
      kind = "exec";
      argv = block.argv (lib.showOption [
        "home"
        "activation"
        name
      ]) entry.data;
      inherit (block) env;
      after = uniqueIds (lib.concatMap (resolveAfter name) entry.after);
      before = uniqueIds (lib.concatMap resolveBefore entry.before);
      # The entry as written, so that the compiler's messages about its order
      # (a name of nothing, a cycle) quote `entryAfter [ "b" ]`, not ids.
      dag = {
        option = lib.showOption [
          "home"
          "activation"
        ];
        inherit name;
        inherit (entry) after before;
        anchors = builtins.attrNames anchors;
      };
    }
    // provenance.of options.home.activation [ "home" "activation" ] name;

  # Ids once each, sorted. An anchor stands for every file of a home, so
  # these lists can be long: lib.unique would be quadratic.
  uniqueIds = ids: builtins.attrNames (lib.genAttrs ids (_: null));

  reserved = builtins.filter (name: anchors ? ${name}) (builtins.attrNames entries);
in
{
  options.home = {
    activation = mkOption {
      type = dag.types.dagOf types.str;
      default = { };
      example = lib.literalExpression ''
        {
          # Runs after every file is linked.
          cloneNotes = lib.hm.dag.entryAfter [ "writeBoundary" ] '''
            if [[ ! -d $HOME/notes ]]; then
              run git clone $VERBOSE_ARG https://example.org/notes.git "$HOME/notes"
            fi
          ''';
          # Runs before any file is linked.
          saveOldConfig = lib.hm.dag.entryBefore [ "checkLinkTargets" ] '''
            run cp --backup=numbered "$HOME/.config/app/state" "$HOME/app-state" || true
          ''';
        }
      '';
      description = ''
        Bash blocks run at activation, home-manager style: each value is a
        DAG entry (`lib.hm.dag.entryAnywhere`, `entryAfter`, `entryBefore`,
        `entryBetween`; a plain string is `entryAnywhere`) whose `after` and
        `before` name other entries or one of home-manager's anchors.

        Every entry becomes one command node `activation:<name>`, run by
        `''${pkgs.bash}/bin/bash -euo pipefail` when the bundle is built with
        `pkgs`, else by `/bin/bash`. Entries that the DAG does not order may
        run at the same time, like the rest of the plan; a cycle fails the
        build and names the entries.

        Anchors: `after = [ "writeBoundary" ]`, `[ "linkGeneration" ]` or
        `[ "installPackages" ]` wait for every file link (except for an
        entry that itself comes before the links);
        `before = [ "checkLinkTargets" ]`, `[ "writeBoundary" ]` or
        `[ "linkGeneration" ]` run before every file link;
        `installPackages`, `onFilesChange`, `reloadSystemd` and
        `dconfSettings` order against the installation of `home.packages`
        into the Nix profile, the `onChange` commands, the systemd unit
        switch and the dconf settings. One difference: `am` checks every
        target for paths in the way before it runs any node, so a block
        before `checkLinkTargets` cannot clear such a path; `force = true`
        or `am.backupFileExtension` does that instead.

        Each body starts with home-manager's environment: `run` (runs its
        command; `run --quiet`, `run --silence`), `verboseEcho`,
        `VERBOSE_ARG`, `VERBOSE_ECHO`, `DRY_RUN_CMD`, `DRY_RUN_NULL`,
        `newGenPath` (the bundle being activated) and `oldGenPath` (the
        previous bundle, if any). `VERBOSE` is set under
        `am activate --verbose` (or when it is set in the environment of the
        activation). `DRY_RUN` is never set: a dry run
        (`am activate --dry-run`) lists the blocks without running them.
      '';
    };

    extraActivationPath = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = lib.literalExpression "[ pkgs.git pkgs.openssh ]";
      description = ''
        Packages whose `bin/` comes first in the PATH of `home.activation`
        blocks. When the bundle is built with `pkgs`, bash, coreutils,
        diffutils, findutils, grep and sed come first too.
      '';
    };
  };

  config.am.loweredNodes =
    if reserved != [ ] then
      throw ''
        home.activation.${builtins.head reserved} is one of home-manager's anchors, which
        activation-manager provides itself (as the ordering of file links, the systemd
        unit switch and dconf): it cannot be defined. Order your own entry against it instead:

          home.activation.my-step = lib.hm.dag.entryAfter [ "${builtins.head reserved}" ] '''
            ...
          ''';
      ''
    else
      lib.mapAttrsToList lower entries;
}
