# What /etc/nixos/configuration.nix needs for jane's home to be managed by
# activation-manager: her user, with the modules of her home. The module
# that reads `activation-manager.modules` comes from the flake beside this
# file (`activation-manager.nixosModules.default`); without flakes, import
# it here instead (see README.md). The rest of your configuration stays as
# it is.
{ ... }:
{
  users.users.jane = {
    isNormalUser = true;
    description = "Jane Doe";
    extraGroups = [ "wheel" ];
    # Built with the system; activated when she logs in, and again by
    # `nixos-rebuild switch` while she is logged in.
    activation-manager.modules = [ ./jane/home.nix ];
  };

  # The dconf service, which her home's `dconf.settings` are written through.
  programs.dconf.enable = true;
}
