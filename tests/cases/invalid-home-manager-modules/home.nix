# A home-manager configuration using modules activation-manager does not
# have: the build says so for each one, and points to the migration guide.
{ lib, ... }:
{
  home.stateVersion = "24.05";
  programs.git = {
    enable = true;
    userName = "Jane Doe";
  };
  programs.bash.enable = true;
  services.gpg-agent = lib.mkIf true { enable = true; };
  home.file.".vimrc".text = "set number\n";
}
