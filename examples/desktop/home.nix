# A desktop-like home: shell and git settings, XDG config and data files, a
# script with a launcher, a systemd user service with its timer, desktop
# settings in dconf, commands that run after the files they need, and a Lua
# task for what only the machine knows when activating.
# Build and activate it with `nix run` (see README.md beside this file).
{ ... }:
{
  # A file you already have where one of these goes is moved to
  # `<path>.backup` instead of stopping the activation; `am deactivate` moves
  # it back.
  am.backupFileExtension = "backup";

  home.file.".profile".text = ''
    export EDITOR=vi
    export PATH="$HOME/bin:$PATH"
    [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"
  '';
  home.file.".bashrc".source = ./bashrc;

  # Under `xdg.configHome` (~/.config): `git/config` lands in ~/.config/git/config.
  xdg.configFile."git/config".source = ./git/config;
  xdg.configFile."git/ignore".text = ''
    .direnv/
    result
    result-*
  '';

  home.file."bin/note" = {
    executable = true;
    text = ''
      #!/bin/sh
      # note TEXT...: append a dated line to today's notes file.
      mkdir -p "$HOME/notes"
      printf '%s %s\n' "$(date +%H:%M)" "$*" >> "$HOME/notes/$(date +%F).md"
    '';
  };
  xdg.dataFile."applications/note.desktop".text = ''
    [Desktop Entry]
    Type=Application
    Name=Quick note
    Exec=sh -c '"$HOME/bin/note" "$(zenity --entry --text=Note)"'
    Terminal=false
  '';

  # A user service that writes ~/notes/index.md, a list of the dated notes
  # `note` writes: when you log in (wanted by default.target, and started at
  # the first activation), and every hour (`startAt` makes the timer
  # notes-index.timer). Its script is written into the bundle.
  systemd.user.services.notes-index = {
    description = "Index of the notes in ~/notes";
    wantedBy = [ "default.target" ];
    startAt = "hourly";
    serviceConfig.Type = "oneshot";
    script = ''
      mkdir -p "$HOME/notes"
      cd "$HOME/notes"
      {
        echo "# Notes"
        for note in 2*.md; do
          if [ -e "$note" ]; then echo "- [$note]($note)"; fi
        done
      } > .index.md.new
      mv .index.md.new index.md
    '';
  };

  # Desktop settings (GNOME's keys): written with `dconf` when activating,
  # and reset to their defaults when they are dropped or at `am deactivate`.
  dconf.settings = {
    "org/gnome/desktop/interface" = {
      color-scheme = "prefer-dark";
      clock-show-weekday = true;
    };
    "org/gnome/desktop/wm/preferences".button-layout = "appmenu:minimize,close";
  };

  # The wallpapers in ~/Pictures/Wallpapers, found when activating: each is
  # linked where desktops look for backgrounds, and one you delete loses its
  # link at the next activation.
  lua.tasks.wallpapers.script = ''
    local folder = "Pictures/Wallpapers"
    for _, name in ipairs(am.fs.list(folder)) do
      am.link{
        target = ".local/share/backgrounds/" .. name,
        source = am.home .. "/" .. folder .. "/" .. name,
      }
    end
  '';

  am.nodes = {
    # git reads ~/.gitconfig as well as ~/.config/git/config, and the old file
    # would win: move it aside once, before the new one is linked.
    move-old-gitconfig = {
      kind = "exec";
      argv = [
        "/bin/sh"
        "-c"
        ''if [ -f "$HOME/.gitconfig" ] && [ ! -L "$HOME/.gitconfig" ]; then mv "$HOME/.gitconfig" "$HOME/.gitconfig.pre-am"; fi''
      ];
      before = [ "file:.config/git/config" ];
    };

    notes-folder = {
      kind = "exec";
      argv = [
        "mkdir"
        "-p"
        "notes"
      ];
    };
    notes-welcome = {
      kind = "exec";
      cwd = "notes";
      env.GREETING = "Notes written with ~/bin/note land here.";
      argv = [
        "/bin/sh"
        "-c"
        ''[ -e README.md ] || echo "$GREETING" > README.md''
      ];
      after = [
        "notes-folder"
        "file:bin/note"
      ];
    };

    # Optional: a desktop without the tool still activates, and a failure
    # here is reported without undoing the rest.
    desktop-database = {
      kind = "exec";
      required = false;
      argv = [
        "/bin/sh"
        "-c"
        ''if command -v update-desktop-database >/dev/null; then update-desktop-database "$HOME/.local/share/applications"; fi''
      ];
      after = [ "file:.local/share/applications/note.desktop" ];
    };
  };
}
