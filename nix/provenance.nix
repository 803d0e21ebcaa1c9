# Which option declared a node and in which files, so that build errors can
# point back at the user's configuration.
{ lib }:
let
  # Module file names are only for messages; dropping their string context
  # keeps the bundle from depending on the source tree that holds them.
  files = defs: map (def: builtins.unsafeDiscardStringContext (toString def.file)) defs;
in
{
  # `of options.home.file [ "home" "file" ] name` for the entry `name` of an
  # attrset-valued option.
  of = option: path: name: {
    declaredBy = lib.showOption (path ++ [ name ]);
    definedIn = files (
      builtins.filter (
        def: builtins.isAttrs def.value && def.value ? ${name}
      ) option.definitionsWithLocations
    );
  };

  # `whole options.dconf.settings [ "dconf" "settings" ]` for a node made
  # from every definition of an option.
  whole = option: path: {
    declaredBy = lib.showOption path;
    definedIn = files option.definitionsWithLocations;
  };
}
