# Directed acyclic graphs of named entries, compatible with home-manager's
# `lib.hm.dag`: an entry is `{ data; after; before; }`, where `after` and
# `before` name other entries. Inside modules this library is both
# `lib.hm.dag` (so home-manager snippets work unchanged) and `lib.am.dag`;
# from outside it is `(import ./nix { ... }).dag` and the flake's `lib.dag`.
#
# Unlike home-manager, nothing here sorts: `home.activation` lowers each
# entry into a plan node and its `after`/`before` into node ordering, and
# the compiler (which checks every graph of a bundle) reports cycles.
{ lib }:
let
  inherit (lib) mkOption types;

  dag = {
    empty = { };

    isEntry = e: builtins.isAttrs e && e ? data && e ? after && e ? before;

    isDag = d: builtins.isAttrs d && builtins.all dag.isEntry (builtins.attrValues d);

    # `entryBetween before after data`: the argument order is home-manager's.
    entryBetween = before: after: data: { inherit data before after; };
    entryAnywhere = dag.entryBetween [ ] [ ];
    entryAfter = dag.entryBetween [ ];
    entryBefore = before: dag.entryBetween before [ ];

    # A list of entries named `<tag>-0`, `<tag>-1`, ..., each after the one
    # before it; the first is after `after`, the last before `before`.
    entriesBetween =
      tag:
      let
        go =
          i: before: after: entries:
          let
            name = "${tag}-${toString i}";
          in
          if entries == [ ] then
            dag.empty
          else if builtins.length entries == 1 then
            { ${name} = dag.entryBetween before after (builtins.head entries); }
          else
            {
              ${name} = dag.entryAfter after (builtins.head entries);
            }
            // go (i + 1) before [ name ] (builtins.tail entries);
      in
      go 0;
    entriesAnywhere = tag: dag.entriesBetween tag [ ] [ ];
    entriesAfter = tag: dag.entriesBetween tag [ ];
    entriesBefore = tag: before: dag.entriesBetween tag before [ ];

    # `map f dag` applies `f name data` to every entry's data.
    map = f: lib.mapAttrs (name: entry: entry // { data = f name entry.data; });

    # The entries in an order that respects `after` and `before`:
    # `{ result = [ { name; data; } ... ]; }`, or lib.toposort's
    # `{ cycle; loops; }`. Names that are not entries are ignored, as in
    # home-manager. Kept for modules that sort a DAG themselves.
    topoSort =
      d:
      let
        beforeOf = name: builtins.attrNames (lib.filterAttrs (_: e: builtins.elem name e.before) d);
        normalized = lib.mapAttrsToList (name: e: {
          inherit name;
          inherit (e) data;
          after = e.after ++ beforeOf name;
        }) d;
        sorted = lib.toposort (a: b: builtins.elem a.name b.after) normalized;
      in
      if sorted ? result then
        { result = builtins.map (e: { inherit (e) name data; }) sorted.result; }
      else
        sorted;

    types = {
      # One entry: a definition that is not an entry is `entryAnywhere`.
      dagEntryOf =
        elemType:
        let
          submodule = types.submodule (
            { name, ... }:
            {
              options = {
                data = mkOption {
                  type = elemType;
                  description = "The entry's value.";
                };
                after = mkOption {
                  type = types.listOf types.str;
                  description = "Names of the entries this one comes after.";
                };
                before = mkOption {
                  type = types.listOf types.str;
                  description = "Names of the entries this one comes before.";
                };
              };
              config = lib.mkIf (elemType.name == "submodule") {
                data._module.args.dagName = name;
              };
            }
          );
          asEntry =
            def:
            if dag.isEntry def.value then
              def.value
            else
              dag.entryAnywhere (if def ? priority then lib.mkOrder def.priority def.value else def.value);
        in
        lib.mkOptionType {
          name = "dagEntryOf";
          description = "DAG entry of ${elemType.description}";
          # The submodule checks the fields.
          merge =
            loc: defs:
            submodule.merge loc (
              builtins.map (def: {
                inherit (def) file;
                value = asEntry def;
              }) defs
            );
        };

      # An attribute set of entries, home-manager's `lib.hm.types.dagOf`.
      dagOf =
        elemType:
        let
          attrs = types.attrsOf (dag.types.dagEntryOf elemType);
        in
        lib.mkOptionType rec {
          name = "dagOf";
          description = "DAG of ${elemType.description}";
          descriptionClass = "composite";
          inherit (attrs) check merge emptyValue;
          inherit (elemType) getSubModules;
          getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<name>" ]);
          substSubModules = m: dag.types.dagOf (elemType.substSubModules m);
          functor = lib.types.defaultFunctor name // {
            type = payload: dag.types.dagOf payload.elemType;
            payload = { inherit elemType; };
            binOp =
              a: b:
              let
                merged = a.elemType.typeMerge b.elemType.functor;
              in
              if merged == null then null else { elemType = merged; };
          };
          nestedTypes.elemType = elemType;
        };
    };
  };
in
dag
