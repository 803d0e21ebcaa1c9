# TEST-ONLY: the options of home-manager the stub's tests set, declared with
# home-manager's types and defaults (modules/files.nix, modules/lib/file-type.nix,
# modules/home-environment.nix, modules/misc/xdg and modules/misc/nixpkgs.nix),
# and nothing else.
{ lib, config, ... }:
let
  inherit (lib) mkOption types;
  home = config.home.homeDirectory;
  shapes = import ../../shapes.nix {
    inherit lib;
    homeDirectory = home;
  };
  dag = import ../../../../nix/dag.nix { inherit lib; };

  fileType =
    basePath:
    types.attrsOf (
      types.submodule (
        { name, config, ... }:
        {
          options = {
            enable = mkOption {
              type = types.bool;
              default = true;
            };
            target = mkOption {
              type = types.str;
              apply =
                path: lib.removePrefix "${home}/" (if lib.hasPrefix "/" path then path else "${basePath}/${path}");
            };
            text = mkOption {
              type = types.nullOr types.lines;
              default = null;
            };
            source = mkOption { type = types.path; };
            executable = mkOption {
              type = types.nullOr types.bool;
              default = null;
            };
            recursive = mkOption {
              type = types.bool;
              default = false;
            };
            ignorelinks = mkOption {
              type = types.bool;
              default = false;
            };
            onChange = mkOption {
              type = types.lines;
              default = "";
            };
            force = mkOption {
              type = types.bool;
              default = false;
            };
          };
          config = {
            target = lib.mkDefault name;
            source = lib.mkIf (config.text != null) (
              lib.mkDefault (
                shapes.writeTextFile {
                  inherit (config) text;
                  executable = config.executable == true;
                  name = "hm_" + lib.replaceStrings [ "/" ] [ "" ] name;
                }
              )
            );
          };
        }
      )
    );
in
{
  options = {
    home.username = mkOption { type = types.str; };
    home.homeDirectory = mkOption {
      type = types.path;
      apply = toString;
    };
    home.file = mkOption {
      type = fileType home;
      default = { };
    };
    home.activation = mkOption {
      type = dag.types.dagOf types.str;
      default = { };
    };
    xdg.configHome = mkOption {
      type = types.str;
      default = "${home}/.config";
    };
    xdg.configFile = mkOption {
      type = fileType config.xdg.configHome;
      default = { };
    };
    nixpkgs.config = mkOption {
      type = types.nullOr types.attrs;
      default = null;
    };
    nixpkgs.overlays = mkOption {
      type = types.nullOr (types.listOf types.raw);
      default = null;
    };
  };

  config.home.file = lib.mapAttrs' (
    name: file: lib.nameValuePair "${config.xdg.configHome}/${name}" file
  ) config.xdg.configFile;
}
