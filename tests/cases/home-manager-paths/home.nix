# home-manager's absolute paths. With home.homeDirectory set, as in
# home-manager, config.xdg.configHome & co. read as absolute paths under it
# (configurations write them into files), an absolute xdg.dataHome inside
# the home is accepted, and absolute targets inside the home are made
# relative to it. The bundle is for this home only: the test gives it its
# own home in place of /home/jane.
{ config, ... }:
{
  home.username = "jane";
  home.homeDirectory = "/home/jane";
  xdg.dataHome = "${config.home.homeDirectory}/.data";

  xdg.configFile."app/paths.conf".text = ''
    home=${config.home.homeDirectory}
    config=${config.xdg.configHome}
    data=${config.xdg.dataHome}
    state=${config.xdg.stateHome}
    cache=${config.xdg.cacheHome}
  '';
  xdg.dataFile."app/notes.txt".text = "kept in ${config.xdg.dataHome}/app\n";
  home.file."${config.home.homeDirectory}/.profile".text = ''
    export APP_CONFIG="${config.xdg.configHome}/app"
  '';
  # An absolute target leaves the family's folder, as in home-manager.
  xdg.configFile."apprc" = {
    target = "${config.home.homeDirectory}/.apprc";
    text = "paths=${config.xdg.configHome}/app/paths.conf\n";
  };
}
