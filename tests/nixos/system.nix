# The test system: the NixOS module, the test-only stubs of the NixOS
# options it touches, and two users, one with a home bundle.
{ amPackage }:
{
  imports = [
    ../../nix/nixos.nix
    ./nixos-stub-options.nix
  ];
  activation-manager.package = amPackage;
  users.users.alice.activation-manager.modules = [ ./alice-home.nix ];
  users.users.bob = { };
}
