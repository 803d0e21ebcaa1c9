# `dconf.settings`: dconf keys, lowered into one `dconf` node (id `dconf`)
# whose values are GVariant text. Plain Nix values are rendered here, as
# home-manager reads them (an empty list is `@as []`); values made with
# `lib.hm.gvariant` (home-manager's helpers) or nixpkgs' `lib.gvariant`
# render themselves. A value that has no GVariant text (an integer too large
# for an int32, a mixed list, an attribute set) is handed to the compiler as
# `{ error; hint; }`,
# so that the build fails with every such key and its option path at once.
# A Lua value (`lib.am.mkLua`) is passed on as it is: the GVariant text it
# computes when activating is written.
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };

  ok = type: text: { inherit type text; };
  bad = error: hint: { inherit error hint; };

  # A GVariant string literal: single quotes, with backslashes, quotes and
  # line breaks escaped (a key file holds one value per line).
  quote =
    text:
    "'"
    + builtins.replaceStrings [ "\\" "'" "\n" "\r" "\t" ] [ "\\\\" "\\'" "\\n" "\\r" "\\t" ] text
    + "'";

  # A double as GVariant text: toJSON keeps the digits `toString` would cut
  # (it prints 1e-10 as 0.000000), and a whole number gets its `.0` back so
  # that it is not read as an int32.
  double =
    value:
    let
      text = builtins.toJSON value;
    in
    if lib.hasInfix "." text || lib.hasInfix "e" text then text else "${text}.0";

  # `{ type; text; }` for a value, or `{ error; }` saying why it has none.
  render =
    value:
    if builtins.isBool value then
      ok "b" (if value then "true" else "false")
    else if builtins.isInt value then
      if value >= -2147483648 && value <= 2147483647 then
        ok "i" (toString value)
      else
        bad "is the integer ${toString value}, which does not fit in an int32" "wrap it in the type the key has, e.g. (lib.gvariant.mkInt64 ${toString value})"
    else if builtins.isFloat value then
      ok "d" (double value)
    else if builtins.isString value then
      ok "s" (quote value)
    else if builtins.isList value then
      renderList value
    else if builtins.isAttrs value && lib.gvariant.isGVariant value then
      ok value.type (toString value)
    else if lib.isType "lua-inline" value then
      bad "is a Lua value" "a list cannot hold one: compute the whole list in Lua, as GVariant text (lib.am.mkLua \"...\")"
    else if builtins.isAttrs value then
      bad "is an attribute set" "a dictionary is a list of (lib.gvariant.mkDictionaryEntry name value)"
    else if builtins.isPath value then
      bad "is a path" "write it as a string, e.g. \"file://\${./wallpaper.png}\""
    else if value == null then
      bad "is null" "to reset a key to its default, remove it from dconf.settings"
    else
      bad "is a ${builtins.typeOf value}, which has no GVariant type" "use a value of the type the key has";

  renderList =
    list:
    let
      items = map render list;
      broken = lib.findFirst (item: item ? error) null items;
      types = lib.unique (map (item: item.type) items);
    in
    # home-manager's reading of `[ ]`: an empty array of strings, the type
    # of most list keys. Another type needs `lib.hm.gvariant.mkEmptyArray`.
    if list == [ ] then
      ok "as" "@as []"
    else if broken != null then
      bad "has an element that ${broken.error}" broken.hint
    else if builtins.length types > 1 then
      bad "mixes element types (${lib.concatStringsSep ", " types})" "a GVariant array holds one type: make every element the same type"
    else
      ok "a${builtins.head types}" "[${lib.concatMapStringsSep ", " (item: item.text) items}]";

  settings = config.dconf.settings;
  option = options.dconf.settings;
in
{
  options.dconf.enable = mkOption {
    type = types.bool;
    default = true;
    description = ''
      Whether `dconf.settings` are written, as in home-manager (which turns
      it off on macOS). With `false` the settings are left out of the
      bundle, and keys an earlier generation set are reset.
    '';
  };

  options.dconf.settings = mkOption {
    type = types.attrsOf (types.attrsOf types.anything);
    default = { };
    example = lib.literalExpression ''
      {
        "org/gnome/desktop/interface" = {
          color-scheme = "prefer-dark";
          text-scaling-factor = 1.25;
          enable-hot-corners = false;
        };
        "org/gnome/desktop/peripherals/keyboard" = {
          delay = lib.gvariant.mkUint32 250;
        };
        "org/gnome/shell".favorite-apps = [ "firefox.desktop" "org.gnome.Console.desktop" ];
      }
    '';
    description = ''
      dconf keys to set, by folder (`"org/gnome/desktop/interface"`, no
      slash at either end) and key. Booleans, integers (as int32), floats
      (as double), strings and lists of one of them are turned into
      GVariant values, an empty list into an empty array of strings
      (`@as []`), as home-manager does; for any other type use
      home-manager's `lib.hm.gvariant` helpers (`mkUint32`, `mkInt64`,
      `mkTuple`, `mkVariant`, `mkDictionaryEntry [ name value ]`,
      `mkArray type list`, `mkEmptyArray type`, ...) or nixpkgs'
      `lib.gvariant` ones. A Lua value
      (`lib.am.mkLua "expr"`) is computed when activating and must give
      GVariant text (`"'prefer-dark'"`). The keys are written in one
      batch through `dconf` when activating (inside a private D-Bus session
      when there is no session bus), and a key that a later generation no
      longer sets is reset to its default.
    '';
  };

  config.am.loweredNodes = lib.optional (config.dconf.enable && settings != { }) {
    id = "dconf";
    kind = "dconf";
    inherit
      (provenance.whole option [
        "dconf"
        "settings"
      ])
      declaredBy
      definedIn
      ;
    settings = lib.mapAttrs (
      dir:
      lib.mapAttrs (
        key: value:
        let
          rendered = builtins.addErrorContext "while rendering dconf.settings.${lib.strings.escapeNixIdentifier dir}.${lib.strings.escapeNixIdentifier key}" (
            render value
          );
        in
        if lib.isType "lua-inline" value then
          value
        else if rendered ? error then
          { inherit (rendered) error hint; }
        else
          rendered.text
      )
    ) settings;
  };
}
