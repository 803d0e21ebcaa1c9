# home-manager's module collection as a front end to activation-manager's
# engine: a home-manager configuration, evaluated by home-manager's own
# modules, activated by `am` instead of home-manager's activation script.
#
# Two layers, so that the second can be used (and tested) without the
# first:
#
# - `homeManagerBundle { home-manager; pkgs; modules; ... }` evaluates the
#   configuration with home-manager (evaluate.nix) and hands the result to
# - `homeManagerConfigBundle { config; options ? null; ... }`, which takes
#   an evaluated home-manager configuration (`config`, as home-manager's
#   evaluation or its NixOS module's `home-manager.users.<name>` has it)
#   and builds its bundle with `homeBundle` from the activation-manager
#   module module.nix makes of it.
{ lib, homeBundle }:
let
  homeManagerConfigBundle =
    {
      # home-manager's evaluated `config`.
      config,
      # home-manager's evaluated `options`, or null: only read for the
      # files that messages name.
      options ? null,
      pkgs ? null,
      name ? "home-bundle",
      # activation-manager modules added to the bundle, for what
      # home-manager has no option for (`am.backupFileExtension`, Lua
      # tasks, ...).
      amModules ? [ ],
    }:
    homeBundle {
      inherit pkgs name;
      modules = [
        (import ./module.nix {
          hmConfig = config;
          hmOptions = options;
        })
      ]
      ++ amModules;
    };

  homeManagerBundle =
    {
      # home-manager's source: the flake input, or a path to a checkout.
      home-manager,
      pkgs,
      # home-manager modules: the configuration.
      modules,
      extraSpecialArgs ? { },
      # Whether home-manager's module system refuses definitions of options
      # that do not exist, as home-manager's own `check`.
      check ? true,
      name ? "home-bundle",
      amModules ? [ ],
    }:
    let
      eval = import ./evaluate.nix {
        inherit
          lib
          home-manager
          pkgs
          modules
          extraSpecialArgs
          check
          ;
      };
    in
    homeManagerConfigBundle {
      inherit (eval) config options;
      inherit pkgs name amModules;
    };
in
{
  inherit homeManagerBundle homeManagerConfigBundle;
}
