# Options home-manager configurations set that activation-manager does not
# need, accepted so that a configuration ports by changing only its import
# line. Each says what it does here (usually nothing) and why.
{ lib, ... }:
let
  inherit (lib) mkOption types;

  storeDir = builtins.storeDir;
in
{
  options = {
    home.username = mkOption {
      type = types.str;
      example = "jane";
      description = ''
        Accepted for compatibility with home-manager; activation-manager
        does not use it. Targets are relative to `$HOME` at activation time,
        so one bundle can be activated by any user. Your own modules may
        still read it (`config.home.username`); then it must be set.
      '';
    };

    home.homeDirectory = mkOption {
      type = types.str;
      example = "/home/jane";
      description = ''
        Accepted for compatibility with home-manager; activation-manager
        does not use it. Targets are relative to `$HOME` at activation time,
        and `xdg.configHome` and friends are relative to the home. Your own
        modules may still read it (`config.home.homeDirectory`, e.g. for an
        absolute `source` outside the store); then it must be set.
      '';
    };

    home.stateVersion = mkOption {
      type = types.str;
      example = "24.05";
      description = ''
        Accepted for compatibility with home-manager, and ignored:
        activation-manager has no defaults that change with the release a
        configuration was written for.
      '';
    };

    programs.home-manager.enable = mkOption {
      type = types.bool;
      default = false;
      example = true;
      description = ''
        Accepted for compatibility with home-manager, and ignored: there is
        no `home-manager` command to install. A bundle activates itself
        (`./result/bin/activate`), and the `am` it runs is in its closure.
      '';
    };

    lib = mkOption {
      type = types.attrsOf types.attrs;
      default = { };
      example = lib.literalExpression ''
        { myModule.helper = x: x; }
      '';
      description = ''
        Functions for modules to share, as in home-manager. Holds
        `config.lib.file.mkOutOfStoreSymlink`, kept for configurations that
        use it: it returns its argument as an absolute path string, which
        `home.file.<name>.source` links to directly.
      '';
    };
  };

  config.lib.file.mkOutOfStoreSymlink =
    path:
    let
      text = toString path;
    in
    if lib.hasPrefix "${storeDir}/" text then
      throw ''
        mkOutOfStoreSymlink got ${text}, a path inside the Nix store: in a flake, a path
        like ./dotfiles/vimrc is the flake's copy in the store, so the link would not follow
        your edits. Write the absolute path of your checkout as a string instead; no
        mkOutOfStoreSymlink is needed:

          home.file."<name>".source = "/home/jane/dotfiles/vimrc";
      ''
    else if !lib.hasPrefix "/" text then
      throw ''
        mkOutOfStoreSymlink got "${text}", which is not an absolute path. Write the
        absolute path as a string (no mkOutOfStoreSymlink is needed):

          home.file."<name>".source = "/home/jane/dotfiles/vimrc";
      ''
    else
      text;
}
