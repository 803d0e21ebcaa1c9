# Options home-manager configurations set that activation-manager does not
# need, accepted so that a configuration ports by changing only its import
# line. Each says what it does here (usually nothing) and why.
{ lib, config, ... }:
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
        The user's name, for your modules to read
        (`config.home.username`); then it must be set. activation-manager
        itself does not use it. With the NixOS module it defaults to the
        user's name.
      '';
    };

    home.homeDirectory = mkOption {
      type = types.path;
      apply = toString;
      example = "/home/jane";
      description = ''
        The user's home, an absolute path. Optional: without it, targets
        are relative to `$HOME` at activation time and one bundle can be
        activated in any home. With it, as in home-manager:

        - the bundle is for this home only: `am` refuses to activate it (or
          roll back to it) when `$HOME` is another folder;
        - `config.xdg.configHome`, `dataHome`, `stateHome` and `cacheHome`
          read as absolute paths under it (`/home/jane/.config`), and an
          absolute `xdg.configHome` inside it is accepted;
        - a `home.file` (or `xdg.*File`) `target` may be an absolute path
          inside it, which is made relative to it. An absolute path outside
          it fails the build.

        With the NixOS module it defaults to the user's home.
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

    home.enableNixpkgsReleaseCheck = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Accepted for compatibility with home-manager, and ignored: there is
        no home-manager release to compare nixpkgs' with.
      '';
    };

    systemd.user.startServices = mkOption {
      type = types.either types.bool (
        types.enum [
          "suggest"
          "sd-switch"
        ]
      );
      default = true;
      example = "sd-switch";
      description = ''
        Accepted for compatibility with home-manager. activation-manager
        always switches the user manager the way home-manager's `true` and
        `"sd-switch"` do: new units wanted by an active target start, changed
        ones restart (or reload), removed ones stop. `false` and `"suggest"`
        (print the `systemctl` commands instead) are not available: the
        build warns and units are switched anyway.
      '';
    };

    news.display = mkOption {
      type = types.enum [
        "notify"
        "show"
        "silent"
      ];
      default = "notify";
      example = "silent";
      description = ''
        Accepted for compatibility with home-manager, and ignored:
        activation-manager has no news to show.
      '';
    };

    manual = lib.genAttrs [ "html" "manpages" "json" ] (format: {
      enable = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Accepted for compatibility with home-manager
          (`manual.${format}.enable`), and ignored: activation-manager does not
          install home-manager's manual.
        '';
      };
    });

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

  config.warnings =
    let
      setting = config.systemd.user.startServices;
    in
    lib.optional (setting != true && setting != "sd-switch") (
      "systemd.user.startServices = ${builtins.toJSON setting} is not available in "
      + "activation-manager, which always switches units as home-manager's \"sd-switch\" "
      + "does (new units wanted by an active target start, changed ones restart, removed "
      + "ones stop). Remove the setting to silence this warning."
    );

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
