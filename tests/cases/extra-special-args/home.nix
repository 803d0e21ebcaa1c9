# `extraSpecialArgs` decide which modules a home imports (the test passes
# ./args.nix): the laptop gets its own module, and every module can read
# the arguments.
{ lib, host, ... }:
{
  imports = [ ./common.nix ] ++ lib.optional (host == "laptop") ./laptop.nix;
  home.file.".config/host".text = "${host}\n";
}
