# One mistake, many problems: xdg.configHome leaves the home, so every
# xdg.configFile target does. The report names the option once.
{ lib, ... }:
{
  xdg.configHome = "../shared/.config";
  xdg.configFile =
    lib.genAttrs
      [
        "git/config"
        "nvim/init.lua"
        "kitty/kitty.conf"
        "fish/config.fish"
        "starship.toml"
        "htop/htoprc"
        "tmux/tmux.conf"
        "alacritty/alacritty.toml"
        "bat/config"
        "ripgrep/config"
        "npm/npmrc"
        "mpv/mpv.conf"
        "zathura/zathurarc"
        "dunst/dunstrc"
        "fontconfig/fonts.conf"
      ]
      (name: {
        text = "# ${name}\n";
      });
  home.file."/etc/motd".text = "hi\n";
}
