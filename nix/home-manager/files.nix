# home-manager's evaluated `home.file` (which holds the `xdg.*File` entries
# and the unit files home-manager generates too) as plan nodes, doing what
# home-manager's `home-files` derivation and its `linkGeneration` and
# `onFilesChange` blocks do:
#
# - an entry becomes a `link` node `file:<target>` (a unit file, a
#   `.wants/` link or a drop-in under `<xdg.configHome>/systemd/user/`:
#   `unit:<path below that folder>`, see units.nix), or a `tree` node when
#   `recursive = true` and its source is a folder;
# - its content is `text` when `source` is the file home-manager made of
#   that text (so `am inspect` shows it, and no derivation per file is
#   needed), else `source`: a path without string context is copied into
#   the store first, under home-manager's name for it, exactly as
#   home-manager does;
# - `executable`, `force` as they are (a `true`/`false` executable makes the
#   compiler write a copy with that mode, as home-manager copies a file
#   whose mode must change);
# - `onChange` becomes an `exec` node `onChange:<target>` that runs when the
#   file changed, with bash and home-manager's activation environment, as
#   home-manager runs it inside its activation script.
{
  lib,
  # home-manager's evaluated `config`.
  hm,
  # names.nix.
  names,
  # bash-block.nix, for `onChange`.
  block,
  # The folder of user units relative to the home, or null.
  unitDir,
}:
let
  # home-manager's `lib.hm.strings.storeFileName`: the store name of a
  # copied source, `hm_` and the characters a store name may hold.
  storeFileName =
    path:
    let
      safe = lib.lowerChars ++ lib.upperChars ++ lib.stringToCharacters "0123456789+._?=";
    in
    "hm_" + lib.concatStrings (builtins.filter (c: builtins.elem c safe) (lib.stringToCharacters path));

  # What the user gave as `source`, as home-manager's `sourceStorePath`
  # sees it: with string context (a derivation, a store path) as it is;
  # without (a Nix path, a string), copied into the store.
  sourcePath =
    file:
    let
      text = toString file.source;
    in
    if builtins.hasContext text then
      text
    else
      "${builtins.path {
        path = file.source;
        name = storeFileName (baseNameOf text);
      }}";

  # Whether `source` is the file home-manager wrote `text` into
  # (`pkgs.writeTextFile`, a derivation with the text as an attribute):
  # then the text and `executable` say all, and the bundle holds the text
  # itself. Anything else (a `source` that overrides the text) is linked.
  fromText =
    file:
    file.text != null
    && lib.isDerivation file.source
    && (file.source.text or null) == file.text
    && (file.source.executable or false) == (file.executable == true);

  # Whether a `recursive` entry mirrors a folder. home-manager decides
  # when it builds (`recursive` has no effect on a file); a source without
  # string context is looked at here (without `builtins.readFileType`,
  # which Nix 2.8 lacks). One built by a derivation cannot be looked at
  # without building it while evaluating: it is taken for a folder, and the
  # compiler fails the build naming the entry if it is a file.
  isFolder =
    file:
    let
      text = toString file.source;
      type = (builtins.readDir (dirOf text)).${baseNameOf text} or null;
    in
    builtins.hasContext text || type == "directory" || type == "symlink";

  # What a target is: `{ kind = "file"; }`, or under the unit folder
  # (`rest` is the path below it) a unit's file (`kind = "unit"`, `unit`
  # its name), a link in `<of>.wants/` or `<of>.requires/`
  # (`"dependency"`), or a drop-in of `unit` (`"drop-in"`).
  classify =
    target:
    let
      rest = lib.removePrefix "${unitDir}/" target;
      unitName = "[^/]+\\.(service|socket|timer|path|target|slice|mount|automount|scope|swap|device)";
      dependency = builtins.match "([^/]+)\\.(wants|requires)/(${unitName})" rest;
      dropIn = builtins.match "(${unitName})\\.d/[^/]+\\.conf" rest;
    in
    if unitDir == null || !lib.hasPrefix "${unitDir}/" target then
      { kind = "file"; }
    else if builtins.match unitName rest != null then
      {
        kind = "unit";
        unit = rest;
        inherit rest;
      }
    else if dependency != null then
      {
        kind = "dependency";
        unit = builtins.elemAt dependency 2;
        of = builtins.elemAt dependency 0;
        inherit rest;
      }
    else if dropIn != null then
      {
        kind = "drop-in";
        unit = builtins.elemAt dropIn 0;
        inherit rest;
      }
    else
      { kind = "file"; };

  lower =
    name: file:
    let
      target = file.target;
      role = classify target;
      # A unit's file and its `.wants/` links are named by the unit's
      # option when home-manager's systemd module made them; a drop-in
      # never is.
      origin =
        if role.kind == "unit" || role.kind == "dependency" then
          names.unit name role.unit
        else
          names.file name;
      id = if role.kind == "file" then "file:${target}" else "unit:${role.rest}";
      tree = file.recursive && isFolder file;
      content =
        if fromText file then
          {
            inherit (file) text;
            executable = if file.executable == true then true else null;
          }
        else
          {
            source = sourcePath file;
            executable = if tree then null else file.executable;
          };
      node = {
        inherit id target;
        inherit (file) force;
        kind = if tree then "tree" else "link";
      }
      // lib.filterAttrs (_: value: value != null) content
      // origin;
      onChange = {
        id = "onChange:${target}";
        kind = "exec";
        argv = block.argv "${origin.declaredBy}.onChange" file.onChange;
        inherit (block) env;
        whenChanged = [ target ];
        declaredBy = "${origin.declaredBy}.onChange";
        inherit (origin) definedIn;
      };
    in
    {
      inherit
        name
        file
        target
        role
        origin
        node
        tree
        ;
      nodes = [ node ] ++ lib.optional (file.onChange != "") onChange;
    };

  entries = lib.mapAttrsToList lower (lib.filterAttrs (_: file: file.enable) hm.home.file);
in
{
  # Every enabled entry: `{ name; file; target; role; origin; node; tree;
  # nodes; }`.
  inherit entries;

  nodes = lib.concatMap (entry: entry.nodes) entries;
}
