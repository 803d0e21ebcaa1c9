# `home.file.<name>`: files in the home, lowered into `link` nodes.
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };

  fileModule =
    { name, ... }:
    {
      options = {
        enable = mkOption {
          type = types.bool;
          default = true;
          description = "Whether this file is created.";
        };
        target = mkOption {
          type = types.str;
          default = name;
          defaultText = lib.literalExpression "<name>";
          example = ".config/git/config";
          description = "Path of the file relative to the home.";
        };
        text = mkOption {
          type = types.nullOr types.lines;
          default = null;
          example = "[user]\n  name = Jane\n";
          description = "Content of the file. Exactly one of `text` and `source` must be set.";
        };
        source = mkOption {
          type = types.nullOr types.path;
          default = null;
          example = lib.literalExpression "./dotfiles/vimrc";
          description = ''
            File or folder the target links to. A path in your configuration
            is copied into the Nix store first.
          '';
        };
        executable = mkOption {
          type = types.nullOr types.bool;
          default = null;
          description = ''
            Whether the file is executable. `null` keeps the mode of `source`
            (text files are then not executable).
          '';
        };
      };
    };

  lower =
    name: file:
    {
      id = "file:${file.target}";
      kind = "link";
      # A path `source` is copied into the store by toJSON; a string is kept.
      inherit (file) target text source executable;
    }
    // provenance.of options.home.file [ "home" "file" ] name;
in
{
  options.home.file = mkOption {
    type = types.attrsOf (types.submodule fileModule);
    default = { };
    example = lib.literalExpression ''
      {
        ".config/git/config".text = "[user]\n  name = Jane\n";
        "bin/hello" = { source = ./hello.sh; executable = true; };
      }
    '';
    description = "Files to place in the home, as links into the bundle.";
  };

  config.am.loweredNodes = lib.mapAttrsToList lower (lib.filterAttrs (_: f: f.enable) config.home.file);
}
