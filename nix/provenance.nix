# Which option declared a node and in which files, so that build errors can
# point back at the user's configuration.
{ lib }:
{
  # `of options.home.file [ "home" "file" ] name` for the entry `name` of an
  # attrset-valued option.
  of = option: path: name: {
    declaredBy = lib.showOption (path ++ [ name ]);
    # Module file names are only for messages; dropping their string context
    # keeps the bundle from depending on the source tree that holds them.
    definedIn = map (def: builtins.unsafeDiscardStringContext (toString def.file)) (
      builtins.filter (def: builtins.isAttrs def.value && def.value ? ${name}) option.definitionsWithLocations
    );
  };
}
