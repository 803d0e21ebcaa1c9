# Option reference data for the docs site: `lib.optionAttrSetToDocList` of
# every visible, non-internal option, with declarations relative to the
# repository.
#
# For the docs site (and tests/tests/options.rs, which checks that every
# option has a description and an example):
#
#   let
#     lib = import <nixpkgs/lib>;
#     amLib = import ./nix { inherit lib; am = <am package>; };
#   in
#   import ./nix/docs.nix { inherit lib; options = (amLib.homeBundle { modules = [ ]; }).options; }
#
# returns a list of `{ name; loc; description; type; default?; example?;
# readOnly; declarations; ... }` sorted by name (see nixpkgs'
# `lib.optionAttrSetToDocList`). Nothing is built: `default` and `example`
# are `{ _type = "literalExpression"; text; }` or `literalMD`, as nixpkgs'
# own option docs have them. The NixOS module's options (nix/nixos.nix) are
# evaluated the same way in tests/tests/options.rs.
{
  lib,
  options,
}:
let
  root = toString ../.;
  relative = path: lib.removePrefix "${root}/" (toString path);
in
# `_module.args` and friends belong to the module system, which nixpkgs
# documents.
map (option: option // { declarations = map relative option.declarations; }) (
  builtins.filter (
    option: option.visible && !option.internal && builtins.head option.loc != "_module"
  ) (lib.optionAttrSetToDocList options)
)
