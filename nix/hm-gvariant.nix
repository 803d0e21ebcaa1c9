# `lib.hm.gvariant`: home-manager's GVariant helpers, for dconf settings
# written for home-manager. nixpkgs' `lib.gvariant` started as a copy of
# them, and its leaves (`mkString`, `mkUint32`, `mkDouble`, ...) still make
# the very same values, so those are nixpkgs' own. What differs is kept
# here, with home-manager's signatures and results:
#
# - `mkArray elemType elems` takes the element type first, so an empty array
#   is `mkArray type.string [ ]` (nixpkgs: `mkArray elems`, never empty);
# - `mkDictionaryEntry [ name value ]` and `type.dictionaryEntryOf [ ... ]`
#   take lists (nixpkgs: two arguments);
# - `mkValue` makes an int32 of an integer, `@as []` of an empty list, and
#   `null` of what has no GVariant type (nixpkgs throws for all three), and
#   every container below converts its elements with it;
# - `typeOf`, `isArray`, `isDictionaryEntry`, `isMaybe`, `isTuple`.
{ lib }:
let
  inherit (lib) concatMapStringsSep concatStrings hasPrefix;
  nixpkgs = lib.gvariant;

  type = nixpkgs.type // {
    dictionaryEntryOf = types: "{${concatStrings types}}";
  };

  # A container: its type, its elements (already GVariant values) and how
  # it prints them. The text is computed from `self`, as every GVariant
  # value's is, so that `//` on a value changes what it prints.
  container = typeText: elements: print: {
    _type = "gvariant";
    type = typeText;
    value = elements;
    __toString = print;
  };

  joined = values: concatMapStringsSep "," toString values;

  typeOf =
    v:
    if builtins.isBool v then
      type.boolean
    else if builtins.isInt v then
      type.int32
    else if builtins.isFloat v then
      type.double
    else if builtins.isString v then
      type.string
    else if builtins.isList v then
      if v == [ ] || typeOf (builtins.head v) == "" then "" else type.arrayOf (typeOf (builtins.head v))
    else if builtins.isAttrs v && v ? type then
      v.type
    else
      "";

  mkValue =
    v:
    if builtins.isBool v then
      nixpkgs.mkBoolean v
    else if builtins.isInt v then
      nixpkgs.mkInt32 v
    else if builtins.isFloat v then
      nixpkgs.mkDouble v
    else if builtins.isString v then
      nixpkgs.mkString v
    else if builtins.isList v then
      if v == [ ] then mkArray type.string [ ] else mkArray (typeOf (builtins.head v)) v
    else if nixpkgs.isGVariant v then
      v
    else
      null;

  mkArray =
    elemType: elems:
    container (type.arrayOf elemType) (map mkValue elems) (
      self: "@${self.type} [${joined self.value}]"
    );

  mkMaybe =
    elemType: elem:
    container (type.maybeOf elemType) elem (
      self: if self.value == null then "@${self.type} nothing" else "just ${toString self.value}"
    );

  # A tuple or a dictionary entry: its type is its elements' types within
  # `open` and `close`.
  group =
    open: close: elems:
    let
      values = map mkValue elems;
    in
    container "${open}${concatStrings (map (v: v.type) values)}${close}" values (
      self: "@${self.type} ${open}${joined self.value}${close}"
    );
in
{
  inherit
    type
    typeOf
    mkValue
    mkArray
    ;
  inherit (nixpkgs)
    isGVariant
    mkBoolean
    mkString
    mkObjectpath
    mkUchar
    mkInt16
    mkUint16
    mkInt32
    mkUint32
    mkInt64
    mkUint64
    mkDouble
    ;

  isArray = hasPrefix "a";
  isDictionaryEntry = hasPrefix "{";
  isMaybe = hasPrefix "m";
  isTuple = hasPrefix "(";

  mkEmptyArray = elemType: mkArray elemType [ ];

  mkVariant =
    elem: container type.variant (mkValue elem) (self: "@${self.type} <${toString self.value}>");

  mkDictionaryEntry = group "{" "}";
  mkTuple = group "(" ")";

  mkNothing = elemType: mkMaybe elemType null;
  mkJust =
    elem:
    let
      value = mkValue elem;
    in
    mkMaybe value.type value;
}
