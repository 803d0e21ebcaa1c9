# A typical home-manager configuration, unchanged: tests/tests/hm_port.rs
# builds it with activation-manager, as a flake would after changing only
# its import line:
#
#   home-manager.lib.homeManagerConfiguration { inherit pkgs; modules = [ ./home.nix ]; }
#   activation-manager.lib.homeBundle         { inherit pkgs; modules = [ ./home.nix ]; }
{
  config,
  lib,
  ...
}:
{
  home.username = "jane";
  home.homeDirectory = "/home/jane";
  home.stateVersion = "24.05";
  programs.home-manager.enable = true;

  home.file.".gitconfig".text = ''
    [user]
      name = Jane Doe
      email = jane@example.org
    [init]
      defaultBranch = main
  '';

  home.file.".vimrc".source = ./vimrc;

  home.file.".local/bin/hello" = {
    executable = true;
    text = ''
      #!/bin/sh
      echo "hello, ${config.home.username}"
    '';
  };

  xdg.configFile."nvim/init.lua".source = ./nvim/init.lua;

  xdg.configFile."starship.toml".text = ''
    add_newline = false
  '';

  xdg.dataFile."applications/notes.desktop".text = ''
    [Desktop Entry]
    Name=Notes
    Exec=hello
  '';

  systemd.user.services.notes-sync = {
    Unit = {
      Description = "Keep my notes in sync";
      After = [ "network-online.target" ];
    };
    Service = {
      ExecStart = "/bin/sh -c 'echo started > %h/.notes-sync.log; exec sleep infinity'";
      Restart = "on-failure";
    };
    Install.WantedBy = [ "default.target" ];
  };

  dconf.settings = {
    "org/gnome/desktop/interface" = {
      color-scheme = "prefer-dark";
      enable-animations = false;
    };
    "org/gnome/desktop/peripherals/keyboard" = {
      delay = lib.hm.gvariant.mkUint32 250;
    };
  };

  home.activation = {
    createNotesDir = lib.hm.dag.entryAfter [ "writeBoundary" ] ''
      run mkdir -p $VERBOSE_ARG "$HOME/notes"
    '';

    # Runs after the links, and after createNotesDir.
    indexNotes = lib.hm.dag.entryAfter [ "createNotesDir" ] ''
      if [[ -v DRY_RUN ]]; then
        echo "would index the notes"
      else
        run ls "$HOME/notes" > "$HOME/notes/.index"
        verboseEcho "indexed $HOME/notes"
      fi
    '';

    # Runs before any file is linked.
    clearNvimCache = lib.hm.dag.entryBefore [ "writeBoundary" ] ''
      run rm -rf $VERBOSE_ARG "$HOME/.cache/nvim/luac"
    '';
  };
}
