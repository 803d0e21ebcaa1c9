# File options: `home.file`, and `xdg.configFile`, `xdg.dataFile`,
# `xdg.stateFile`, `xdg.cacheFile` under the `xdg.*Home` folders. Every enabled
# entry is lowered into one node with id `file:<target>`: a `link`, a `copy`
# (`mode = "copy"`) or a `tree` (`recursive = true`, which the compiler
# expands into one node per file), plus an `exec` node `onChange:<target>`
# when `onChange` is set.
#
# With `home.homeDirectory` set, `xdg.*Home` read as absolute paths under it
# (home-manager's values) and a `target` may be absolute inside it: both are
# made relative to the home here, since targets are relative to `$HOME`. The
# folders relative to the home are `am.xdgRelative`, for the other modules.
#
# `target`, `source` and `text` may be Lua values (`lib.generators.mkLuaInline`,
# `am.mkLua`), computed at activation time: the compiler turns such a node
# into a dynamic one. A Lua target gives no id, so the attribute name stands
# in for it: `file:<folder>/<name>`.
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };

  homeSet = options.home.homeDirectory.isDefined;
  home = lib.removeSuffix "/" config.home.homeDirectory;
  # Not `lib.hasPrefix`, which checks each call for a path argument: this
  # runs twice for each of a home's thousands of files.
  absolute = path: builtins.substring 0 1 path == "/";

  # `path`, relative to the home: a relative path as it is, an absolute one
  # inside `home.homeDirectory` without it. `option` names it in messages.
  relativeToHome =
    option: path:
    let
      # What the path most likely is relative to the home: the part after
      # `/home/<user>/`, else its last component.
      inHome = builtins.match "/(home|Users)/[^/]+/(.+)" path;
      guess = if inHome != null then builtins.elemAt inHome 1 else builtins.baseNameOf path;
    in
    if !absolute path then
      path
    else if !homeSet then
      throw ''
        `${option}` is the absolute path "${path}", but home.homeDirectory is not set, so
        it cannot be made relative to the home. Either set the home (the bundle is then
        for that home only):

          home.homeDirectory = "/home/jane";

        or write the path relative to the home, which works in any home:

          ${option} = "${guess}";
      ''
    else if path == home then
      ""
    else if lib.hasPrefix "${home}/" path then
      lib.removeSuffix "/" (lib.removePrefix "${home}/" path)
    else
      throw ''
        `${option}` is "${path}", outside the home ${home} (home.homeDirectory).
        activation-manager places files in the home only: write a path inside it, absolute
        ("${home}/...") or relative to the home.
      '';

  # `source`: a Nix path (copied into the store by toJSON), or a string
  # holding an absolute path, kept as it is: a store path, or a path outside
  # the store that the target links to directly (home-manager needs
  # `mkOutOfStoreSymlink` for that). A relative string is refused with the fix.
  sourceType = lib.mkOptionType {
    name = "fileSource";
    description = "Nix path or absolute path string";
    descriptionClass = "noun";
    check = lib.isStringLike;
    merge =
      loc: defs:
      let
        value = lib.mergeEqualOption loc defs;
        text = toString value;
        asNixPath = if lib.hasPrefix "./" text || lib.hasPrefix "../" text then text else "./${text}";
        option = lib.showOption loc;
      in
      if builtins.isPath value || lib.hasPrefix "/" text then
        value
      else
        throw ''
          `${option}` is the relative path "${text}" (a string), in ${
            lib.concatMapStringsSep ", " (def: toString def.file) defs
          }.
          A string source is linked as it is, so it must be absolute. Write either a Nix path,
          copied into the store with your configuration (note: no quotes):

            ${option} = ${asNixPath};

          or an absolute path outside the store, linked there directly (edits show without a rebuild):

            ${option} = "/home/jane/${lib.removePrefix "./" text}";
        '';
  };

  # The type of each field of an entry, shared by the options below and the
  # quick merge of an entry (`entryType`).
  fieldTypes = {
    enable = types.bool;
    target = types.either types.str types.luaInline;
    text = types.nullOr (types.either types.lines types.luaInline);
    source = types.nullOr (types.either sourceType types.luaInline);
    force = types.bool;
    executable = types.nullOr types.bool;
    mode = types.enum [
      "link"
      "copy"
    ];
    permissions = types.nullOr types.str;
    recursive = types.bool;
    onChange = types.lines;
  };

  # What an entry's fields are when not defined (`target`'s is the name).
  fieldDefaults = {
    enable = true;
    text = null;
    source = null;
    force = false;
    executable = null;
    mode = "link";
    permissions = null;
    recursive = false;
    onChange = "";
  };

  fileModule =
    { name, ... }:
    {
      options = {
        enable = mkOption {
          type = fieldTypes.enable;
          default = true;
          description = "Whether this file is created.";
        };
        target = mkOption {
          type = fieldTypes.target;
          default = name;
          defaultText = lib.literalExpression "<name>";
          example = "git/config";
          description = ''
            Path of the file, relative to the folder of its option family,
            or (with `home.homeDirectory` set) an absolute path inside the
            home, as in home-manager: `"/home/jane/.vimrc"` is `.vimrc` in the
            home, for any family. An absolute path outside the home fails
            the build. A Lua value (`lib.am.mkLua "expr"`) is computed when activating,
            and must give a path relative to that folder. The node's id
            cannot come from a target known only then: it is the one the
            entry would have with its attribute name as the target
            (`file:.config/<name>` for `xdg.configFile.<name>`), and such an
            entry cannot have `onChange`.
          '';
        };
        text = mkOption {
          type = fieldTypes.text;
          default = null;
          example = "[user]\n  name = Jane\n";
          description = ''
            Content of the file. Exactly one of `text` and `source` must be
            set. A Lua value (`lib.am.mkLua "expr"`), computed when
            activating, needs `mode = "copy"`: a link's text is written
            into the bundle when it is built.
          '';
        };
        source = mkOption {
          type = fieldTypes.source;
          default = null;
          example = lib.literalExpression "./dotfiles/vimrc";
          description = ''
            File or folder the target links to. A Nix path (`./dotfiles/vimrc`,
            no quotes) is copied into the Nix store first. A string is an
            absolute path linked as it is: a store path, or a path outside the
            store (`"/home/jane/dotfiles/vimrc"`), which is linked directly, so
            edits there show without a rebuild (home-manager's
            `mkOutOfStoreSymlink`, without the wrapper). A relative string is
            an error. A Lua value (`lib.am.mkLua "expr"`) is computed when
            activating and must give an absolute path.
          '';
        };
        force = mkOption {
          type = fieldTypes.force;
          default = false;
          description = ''
            Whether to replace whatever is at the target (a file or folder you
            made, a link of another tool) without asking and without a backup.
            Without it, activation stops and lists every such path, and
            `am.backupFileExtension` (or `--backup-ext`) moves them aside instead.
          '';
        };
        executable = mkOption {
          type = fieldTypes.executable;
          default = null;
          description = ''
            Whether the file is executable. `null` keeps the mode of `source`
            (text files are then not executable).
          '';
        };
        mode = mkOption {
          type = fieldTypes.mode;
          default = "link";
          example = "copy";
          description = ''
            `link` makes the target a link into the bundle, read-only like
            the Nix store. `copy` writes a regular file instead, for programs
            that refuse links or write to their own configuration. A copy is
            replaced by a later activation only while it still has the bytes
            activation-manager wrote; once you edit it, it is in the way like
            any file of yours (see `force` and `am.backupFileExtension`).
          '';
        };
        permissions = mkOption {
          type = fieldTypes.permissions;
          default = null;
          example = "0600";
          description = ''
            Mode of a copy (`mode = "copy"`), as an octal string. `null` gives
            `0755` when the source is executable (or `executable = true`) and
            `0644` otherwise. Links have the mode of their source, so setting
            this on a link fails the build.
          '';
        };
        recursive = mkOption {
          type = fieldTypes.recursive;
          default = false;
          description = ''
            Whether `source`, a folder, is mirrored file by file: the target
            becomes a real folder holding one link (or copy, with
            `mode = "copy"`) per file of the source. Files you add to the
            folder yourself are left alone, and a file that leaves the source
            is removed by the next activation. Without it, the target is one
            link to the whole folder.
          '';
        };
        onChange = mkOption {
          type = fieldTypes.onChange;
          default = "";
          example = "pkill -USR1 -x kitty || true";
          description = ''
            Shell commands run (by `/bin/sh -c`, in the home folder) after the
            file is in place, when its content differs from the previous
            generation's (or it is new). With `recursive = true`, a change of
            any file in the folder counts. A failing command fails the
            activation, which is then rolled back.
          '';
        };
      };
    };

  fileSubmodule = types.submodule fileModule;

  # The submodule of an entry, merged without evaluating a module per entry
  # when it can be: a home of ten thousand files would otherwise run the
  # module system ten thousand times (seconds, and a gigabyte). An entry
  # defined once, as an attribute set of known fields, is read field by
  # field: a field given a plain value of its type is that value (`source`
  # goes through its own merge, with its messages), one not given is its
  # default. Anything else (several definitions, a function, `mkIf` or
  # `mkDefault` inside, a value of the wrong type, an unknown field) is the
  # real submodule's doing, field by field or whole, so every message and
  # every merge rule stays the module system's.
  quickEntries =
    submodule:
    let
      quick =
        loc: defs:
        let
          def = builtins.head defs;
          value = def.value;
          real = submodule.merge loc defs;
          field =
            name: default:
            let
              given = value.${name};
            in
            if !(value ? ${name}) then
              default
            else if builtins.isAttrs given && given ? _type && given._type != "lua-inline" then
              real.${name}
            else if !(fieldTypes.${name}.check given) then
              real.${name}
            else if name == "source" && sourceType.check given then
              builtins.addErrorContext "while evaluating the option `${lib.showOption (loc ++ [ "source" ])}':" (
                sourceType.merge (loc ++ [ "source" ]) [
                  {
                    inherit (def) file;
                    value = given;
                  }
                ]
              )
            else
              given;
        in
        if
          builtins.length defs == 1
          && builtins.isAttrs value
          && !(value ? _type)
          && builtins.all (name: fieldTypes ? ${name}) (builtins.attrNames value)
        then
          builtins.mapAttrs field (fieldDefaults // { target = lib.last loc; })
        else
          null;
      inherit (submodule) merge;
    in
    submodule
    // {
      merge =
        if merge ? v2 then
          {
            __functor =
              self: loc: defs:
              (self.v2 { inherit loc defs; }).value;
            v2 =
              { loc, defs }:
              let
                real = merge.v2 { inherit loc defs; };
                entry = quick loc defs;
              in
              if entry == null then
                real
              else
                real
                // {
                  # A quick entry is an attribute set: the check passed.
                  headError = null;
                  value = entry;
                };
          }
        else
          loc: defs:
          let
            entry = quick loc defs;
          in
          if entry == null then merge loc defs else entry;
      # The module system gives the submodule its declaration's file (for
      # messages) through this. Another module declaring more fields for
      # entries makes it a submodule of several modules: the quick merge
      # knows only this one's fields, so that one is left as it is.
      substSubModules =
        modules:
        let
          substituted = submodule.substSubModules modules;
        in
        if builtins.length modules == 1 then quickEntries substituted else substituted;
    };

  # One option family: its option path, the folder (relative to the home)
  # its targets live in, and a description. `xdg.<name>File` puts its
  # targets in `xdg.<name>Home`.
  families = [
    {
      path = [
        "home"
        "file"
      ];
      folder = "";
      what = "the home";
    }
  ]
  ++
    map
      (name: {
        path = [
          "xdg"
          "${name}File"
        ];
        folder = config.am.xdgRelative."${name}Home";
        what = "`xdg.${name}Home`";
      })
      [
        "config"
        "data"
        "state"
        "cache"
      ];

  fileOption =
    family:
    mkOption {
      type = types.attrsOf (quickEntries fileSubmodule);
      default = { };
      example = lib.literalExpression ''
        {
          "git/config".text = "[user]\n  name = Jane\n";
          "hello.sh" = { source = ./hello.sh; executable = true; };
        }
      '';
      description = "Files to place under ${family.what}, as links into the bundle.";
    };

  lowerFamily =
    family:
    let
      entries = lib.attrByPath family.path { } config;
      option = lib.attrByPath family.path null options;
      originOf = provenance.of option family.path;
      lower =
        name: file:
        let
          # An absolute target is relative to the home, whatever the family
          # (home-manager's rule).
          under =
            path:
            # Without home.homeDirectory, the compiler reports an absolute
            # target with every other problem of the bundle.
            if absolute path then
              (if homeSet then relativeToHome "${origin.declaredBy}.target" path else path)
            else if family.folder == "" then
              path
            else
              "${family.folder}/${path}";
          luaTarget = lib.isType "lua-inline" file.target;
          # A Lua target is computed relative to the family's folder too.
          target =
            if !luaTarget then
              under file.target
            else if family.folder == "" then
              file.target
            else
              lib.generators.mkLuaInline "${
                lib.generators.toLua { } "${family.folder}/"
              } .. (${file.target.expr})";
          id = "file:${under (if luaTarget then name else file.target)}";
          origin = originOf name;
          # A field left `null` is not passed: a tree has no `text`, and a
          # link no `permissions`; passing one that was set makes the
          # compiler say why it does not belong.
          set = lib.filterAttrs (_: value: value != null);
          node = {
            inherit id target;
            inherit (file) force;
            kind =
              if file.recursive then
                "tree"
              else if file.mode == "copy" then
                "copy"
              else
                "link";
            # A tree's `mode` says whether its files are links or copies.
            mode = if file.recursive then file.mode else null;
            # A path `source` is copied into the store by toJSON; a string is kept.
            inherit (file)
              text
              source
              executable
              permissions
              ;
          };
          onChange = {
            id = "onChange:${target}";
            kind = "exec";
            argv = [
              "/bin/sh"
              "-c"
              file.onChange
            ];
            whenChanged = [ target ];
          }
          // origin
          // {
            declaredBy = "${origin.declaredBy}.onChange";
          };
        in
        [ (set node // origin) ]
        ++ lib.optional (file.onChange != "") (
          if luaTarget then
            throw ''
              `${origin.declaredBy}.onChange` needs a target known when the bundle is built (the
              file is compared with the previous bundle's), but this `target` is Lua, computed when activating.
              Run the command after the file at every activation instead:

                am.nodes."after-${name}" = {
                  kind = "exec";
                  argv = [ "/bin/sh" "-c" "..." ];
                  after = [ "${id}" ];
                };
            ''
          else
            onChange
        );
    in
    lib.concatLists (lib.mapAttrsToList lower (lib.filterAttrs (_: file: file.enable) entries));

  xdgHome =
    name: relative: variable:
    let
      family = "${lib.removeSuffix "Home" name}File";
    in
    mkOption {
      type = types.str;
      default = if homeSet then "${home}/${relative}" else relative;
      defaultText = lib.literalExpression ''"''${config.home.homeDirectory}/${relative}" (or "${relative}" without home.homeDirectory)'';
      example = "/home/jane/${relative}";
      apply = value: if homeSet && !absolute value then "${home}/${value}" else value;
      description = ''
        Folder of the ${variable} files (those of `xdg.${family}`, and
        of other options that put files there). Without `home.homeDirectory` it is relative
        to the home, and reads so (`"${relative}"`). With it, it reads as an
        absolute path (`"/home/jane/${relative}"`), as in home-manager, and may
        be set either way; an absolute one must be inside the home. The
        bundle's targets are fixed when it is built: `${"$" + variable}` at
        activation time is not consulted.
      '';
    };

  xdgHomes = {
    configHome = xdgHome "configHome" ".config" "XDG_CONFIG_HOME";
    dataHome = xdgHome "dataHome" ".local/share" "XDG_DATA_HOME";
    stateHome = xdgHome "stateHome" ".local/state" "XDG_STATE_HOME";
    cacheHome = xdgHome "cacheHome" ".cache" "XDG_CACHE_HOME";
  };
in
{
  options = lib.foldl' lib.recursiveUpdate {
    xdg = xdgHomes;
    am.xdgRelative = lib.mapAttrs (
      name: _:
      mkOption {
        type = types.str;
        internal = true;
        readOnly = true;
        default = relativeToHome "xdg.${name}" config.xdg.${name};
        description = "`xdg.${name}`, relative to the home.";
      }
    ) xdgHomes;
  } (map (family: lib.setAttrByPath family.path (fileOption family)) families);

  config.am.loweredNodes = lib.concatMap lowerFamily families;
}
