# Evaluates a home-manager configuration with home-manager's own modules,
# the way home-manager's `homeManagerConfiguration` does (its
# lib/eval-config.nix): its `modules/` entry point, given `pkgs`, `lib`
# (`pkgs.lib`), `check` and `extraSpecialArgs`, with the configuration's
# modules and nixpkgs' `config` and `overlays` taken from `pkgs`
# (home-manager's nixpkgs module imports nixpkgs again with them). Any home-manager release
# with that entry point works. Failed assertions fail here, with
# home-manager's message, and its warnings are printed.
#
# Returns the evaluation: `config`, `options`, ...
{
  lib,
  # home-manager's source: a flake input or a path to a checkout.
  home-manager,
  pkgs,
  modules,
  extraSpecialArgs,
  check,
}:
import (toString home-manager + "/modules") {
  inherit pkgs check extraSpecialArgs;
  # home-manager's default: the nixpkgs library of `pkgs` (its release
  # check compares the two).
  lib = pkgs.lib or lib;
  configuration = {
    imports = modules;
    nixpkgs = {
      config = lib.mkDefault pkgs.config;
      inherit (pkgs) overlays;
    };
  };
}
