# Alice's home, as the NixOS module test gives it: `home.username` and
# `home.homeDirectory` come from users.users.alice.
{ config, ... }:
{
  home.file.".config/who".text = "${config.home.username} at ${config.home.homeDirectory}\n";
}
