# dconf settings written for home-manager: an empty list is an empty array
# of strings (@as []), and lib.hm.gvariant is home-manager's own (mkArray
# takes the element type, mkDictionaryEntry a list).
{ lib, ... }:
let
  inherit (lib.hm.gvariant)
    type
    mkArray
    mkEmptyArray
    mkTuple
    mkDictionaryEntry
    mkUint32
    mkVariant
    ;
in
{
  dconf.settings = {
    "org/gnome/shell" = {
      favorite-apps = [ ];
      enabled-extensions = mkArray type.string [ "appindicator@example.org" ];
    };
    "org/gnome/desktop/input-sources" = {
      sources =
        mkArray
          (type.tupleOf [
            type.string
            type.string
          ])
          [
            (mkTuple [
              "xkb"
              "us"
            ])
            (mkTuple [
              "xkb"
              "de"
            ])
          ];
      xkb-options = mkEmptyArray type.string;
      per-window = false;
    };
    "org/example/app" = {
      window-size = mkTuple [
        800
        600
      ];
      delays = mkArray type.uint32 [
        (mkUint32 250)
        (mkUint32 30)
      ];
      settings = [
        (mkDictionaryEntry [
          "theme"
          (mkVariant "dark")
        ])
        (mkDictionaryEntry [
          "zoom"
          (mkVariant 2)
        ])
      ];
    };
  };
}
