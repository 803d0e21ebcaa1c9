# TEST-ONLY: home-manager's `modules/` entry point, with its signature,
# evaluating the configuration with ./options.nix instead of home-manager's
# modules. See ../README.md.
{
  configuration,
  pkgs,
  lib ? pkgs.lib,
  check ? true,
  extraSpecialArgs ? { },
}:
lib.evalModules {
  modules = [
    configuration
    ./options.nix
    { _module.check = check; }
  ];
  specialArgs = {
    modulesPath = toString ./.;
  }
  // extraSpecialArgs;
}
