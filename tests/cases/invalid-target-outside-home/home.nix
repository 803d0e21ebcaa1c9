# With home.homeDirectory set, an absolute target must be inside the home:
# activation-manager places files in the home only.
{ ... }:
{
  home.homeDirectory = "/home/jane";
  home.file."/etc/motd".text = "hello\n";
}
