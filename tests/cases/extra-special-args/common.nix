{ owner, ... }:
{
  xdg.configFile."git/config".text = ''
    [user]
      name = ${owner}
  '';
}
