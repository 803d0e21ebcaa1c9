# Failed assertions fail the build, every message listed, as in
# home-manager; a true one is not shown.
{ config, ... }:
{
  home.username = "root";
  assertions = [
    {
      assertion = config.home.username != "root";
      message = "this home is not meant for root";
    }
    {
      assertion = config.home.file ? ".profile";
      message = "home.file.\".profile\" must be set: the login shell reads the session from it";
    }
    {
      assertion = true;
      message = "never shown";
    }
  ];
}
