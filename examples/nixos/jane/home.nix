# Jane's home: the same kind of file `homeBundle` takes. On NixOS,
# `home.username` and `home.homeDirectory` are her user's ("jane",
# "/home/jane"), so the files can mention them.
{ config, ... }:
{
  home.file.".profile".text = ''
    export EDITOR=nano
    export NOTES="${config.home.homeDirectory}/notes"
    for script in "$HOME"/.config/profile.d/*.sh; do
      [ -r "$script" ] && . "$script"
    done
  '';

  xdg.configFile."git/config".text = ''
    [user]
      name = Jane Doe
      email = ${config.home.username}@example.org
    [init]
      defaultBranch = main
  '';

  xdg.configFile."nano/nanorc".text = ''
    set autoindent
    set tabsize 4
  '';

  # Dark windows and the weekday in the clock (GNOME).
  dconf.settings."org/gnome/desktop/interface" = {
    color-scheme = "prefer-dark";
    clock-show-weekday = true;
  };

  # One home for all of Jane's machines: what only one of them needs is in
  # ~/dotfiles/hosts/<host name>.sh, linked where ~/.profile reads it on the
  # machine of that name, and nowhere else.
  lua.tasks.host-profile.script = ''
    local own = "dotfiles/hosts/" .. am.host.name .. ".sh"
    if am.fs.exists(own) then
      am.link{ target = ".config/profile.d/host.sh", source = am.home .. "/" .. own }
    else
      am.log.info("no ~/" .. own .. ": nothing of this machine's own")
    end
  '';
}
