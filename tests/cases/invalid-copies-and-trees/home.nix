# Permissions that are no mode, permissions on a link, and a tree whose
# source is a file.
{ ... }:
{
  home.file.".ssh/config" = {
    text = "Host *\n";
    mode = "copy";
    permissions = "rw-------";
  };
  home.file.".netrc" = {
    text = "machine example.com\n";
    permissions = "0600";
  };
  home.file.".config/nvim" = {
    source = ./home.nix;
    recursive = true;
  };
}
