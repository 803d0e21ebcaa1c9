# jane's home, an ordinary home configuration: `home.username` and
# `home.homeDirectory` come from her account in ./system.nix.
{ config, osConfig, ... }:
{
  xdg.configFile."git/config".text = ''
    [user]
      name = Jane Doe
      email = ${config.home.username}@example.org
  '';

  # What the machine she works on serves, read from its configuration.
  home.file."hello-web.url".text = "http://localhost:${toString osConfig.hello-web.port}/\n";
}
