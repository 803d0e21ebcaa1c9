# Session variables as home-manager writes them: hm-session-vars.sh (its
# __HM_SESS_VARS_SOURCED guard included) for login shells, environment.d
# for the systemd user manager, and the aliases for bash and zsh to source.
# xdg.enable adds the XDG_*_HOME variables to both.
{ ... }:
{
  home.sessionVariables = {
    EDITOR = "nvim";
    PAGER = "less -R";
    MANWIDTH = 80;
    NOTES = "$HOME/notes";
    UNSET_ME = null;
  };
  home.sessionPath = [
    "$HOME/.local/bin"
    "$HOME/.cargo/bin"
  ];
  systemd.user.sessionVariables = {
    EDITOR = "nvim";
    GTK_THEME = "Adwaita:dark";
  };
  home.shellAliases = {
    g = "git";
    ll = "ls -l --color=auto";
    "..." = "cd ../..";
  };
  xdg.enable = true;
}
