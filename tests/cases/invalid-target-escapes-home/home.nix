# Targets are relative to the home and must stay inside it, out of
# activation-manager's own state folder.
{ ... }:
{
  home.file."../other-user/.bashrc".text = "echo hi\n";
  home.file."/etc/motd".text = "hi\n";
  home.file.".local/state/activation-manager/current".text = "1\n";
}
