# `assertions` and `warnings`, as NixOS and home-manager have them, so that
# modules written for either keep their checks. `homeBundle` reads them when
# the bundle is built: every failed assertion is listed in one error, in
# home-manager's words, and each warning is printed. `am.buildChecks` are
# derivations the bundle's build waits for.
{ lib, ... }:
let
  inherit (lib) mkOption types;
in
{
  options = {
    assertions = mkOption {
      type = types.listOf (
        types.submodule {
          options = {
            assertion = mkOption {
              type = types.bool;
              description = "Whether the configuration is right; `false` fails the build.";
            };
            message = mkOption {
              type = types.str;
              example = "programs.foo needs home.homeDirectory";
              description = "What is wrong, and how to fix it.";
            };
          };
        }
      );
      default = [ ];
      example = lib.literalExpression ''
        [
          {
            assertion = config.home.username != "root";
            message = "this home is not meant for root";
          }
        ]
      '';
      description = ''
        Conditions the configuration must meet. When one or more are false,
        building the bundle fails with every failed assertion's message,
        as home-manager does:

        ```text
        Failed assertions:
        - this home is not meant for root
        ```
      '';
    };

    am.buildChecks = mkOption {
      type = types.listOf types.package;
      internal = true;
      default = [ ];
      description = ''
        Derivations that must build before the bundle does, without
        becoming part of it: home-manager's `home.checks`, from the
        home-manager front end.
      '';
    };

    warnings = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "services.foo.port is deprecated; use services.foo.listen" ];
      description = ''
        Messages printed as evaluation warnings when the bundle is built;
        the build goes on.
      '';
    };
  };
}
