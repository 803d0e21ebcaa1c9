# Targets are relative to the home and must stay inside it.
{ ... }:
{
  home.file."../other-user/.bashrc".text = "echo hi\n";
  home.file."/etc/motd".text = "hi\n";
}
