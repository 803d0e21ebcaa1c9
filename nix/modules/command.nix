# The `am` command on the user's PATH. `bin/activate` runs the `am` the
# bundle was built with, and the bundle has it as `bin/am` too; this puts
# the same `am` where a shell finds it, so that `am generations`,
# `am rollback` and `am diff` work after the first activation:
#
# - by default, into the Nix profile, as one of `home.packages`
#   (`~/.nix-profile/bin/am`, which Nix's own shell setup puts on PATH, and
#   which a home without other packages gets all the same);
# - with `am.command.link = ".local/bin/am"`, as a link at that path in the
#   home instead, for a home that keeps the Nix profile to itself;
# - with `am.command.enable = false`, nowhere.
{
  lib,
  config,
  ...
}:
let
  inherit (lib) mkOption types;
  cfg = config.am.command;
  am = config.am.build.package;
in
{
  options.am.command = {
    enable = mkOption {
      type = types.bool;
      default = true;
      example = false;
      description = ''
        Put the `am` command this bundle was built with on your `PATH`:
        into your Nix profile with `home.packages` (`~/.nix-profile/bin/am`,
        which the shell setup of Nix's installer puts on `PATH`), or at
        `am.command.link`. Each activation keeps it the `am` of the active
        bundle, and a rollback brings back the one before.

        Set it to `false` if you install `am` otherwise, e.g. with
        `nix profile install`: two entries of a profile providing `bin/am`
        collide. Homes that a NixOS or system configuration builds default
        to `false`.
      '';
    };

    link = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = ".local/bin/am";
      description = ''
        Where to link `am` in the home instead of installing it into the Nix
        profile: a path relative to the home, e.g. `".local/bin/am"` (a
        folder your shell must have on `PATH`). `null` installs it into the
        profile.
      '';
    };
  };

  options.am.build.package = mkOption {
    type = types.package;
    internal = true;
    description = "The `am` package the bundle is built with; set by `homeBundle`.";
  };

  config = lib.mkIf cfg.enable {
    home.packages = lib.optional (cfg.link == null) am;
    # A null name makes no attribute.
    home.file.${cfg.link} = lib.mkIf (cfg.link != null) { source = "${am}/bin/am"; };
  };
}
