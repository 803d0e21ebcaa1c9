# `home.packages`, as home-manager means it: the packages are merged into
# one tree (`home.path`, a derivation named `home-manager-path` as
# home-manager's is) and installed into the user's Nix profile
# (`home.profileDirectory`) as one entry, which each activation replaces,
# leaving everything else in the profile alone. The entry is one `profile`
# node, id `packages`.
#
# home-manager merges with nixpkgs' `buildEnv`, which needs stdenv and
# Perl; here `am-compile packages` merges by the same rules (outputs from
# `meta.outputsToInstall` plus `home.extraOutputsToInstall`, `meta.priority`
# deciding collisions, `lib.hiPrio` winning), so a bundle still builds with
# the nixpkgs library alone, and a collision fails the build naming both
# packages and the file.
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };
  cfg = config.home;
  origin = provenance.whole options.home.packages [
    "home"
    "packages"
  ];

  # A package is a derivation, or a store path string with its context
  # (which `types.package` leaves as it is).
  isDrv = lib.isDerivation;
  # A store path's name is its base name after the hash and its dash; only
  # the text is parsed (parseDrvName refuses a string with context).
  drvName =
    pkg:
    builtins.parseDrvName (
      if isDrv pkg then
        pkg.name
      else
        builtins.unsafeDiscardStringContext (builtins.substring 33 (-1) (baseNameOf pkg))
    );

  # The outputs `buildEnv` links: the one chosen (`pkgs.hello.man`), else
  # `meta.outputsToInstall`, else the package itself; plus those of
  # `home.extraOutputsToInstall` the package has.
  outputsOf =
    pkg:
    if !isDrv pkg then
      [ pkg ]
    else
      (
        if !(pkg.outputSpecified or false) && (pkg.meta.outputsToInstall or null) != null then
          map (output: pkg.${output}) pkg.meta.outputsToInstall
        else
          [ pkg ]
      )
      ++ builtins.filter (output: output != null) (
        map (output: pkg.${output} or null) cfg.extraOutputsToInstall
      );

  described = map (pkg: {
    name = if isDrv pkg && pkg ? pname then pkg.pname else (drvName pkg).name;
    version = if isDrv pkg && pkg ? version then toString pkg.version else (drvName pkg).version;
    priority =
      if isDrv pkg then pkg.meta.priority or lib.meta.defaultPriority else lib.meta.defaultPriority;
    outputs = lib.unique (map toString (outputsOf pkg));
  }) cfg.packages;

  tree = builtins.derivation {
    name = "home-manager-path";
    inherit (config.am.build) system;
    builder = config.am.build.compiler;
    args = [ "packages" ];
    packages = builtins.toJSON {
      version = 1;
      inherit (origin) declaredBy definedIn;
      packages = described;
    };
    # A home of many packages lists many store paths; a file has no limit.
    passAsFile = [ "packages" ];
  };
in
{
  options = {
    home.packages = mkOption {
      type = types.listOf types.package;
      default = [ ];
      example = lib.literalExpression "[ pkgs.ripgrep pkgs.htop (lib.hiPrio pkgs.gnutar) ]";
      description = ''
        Packages to install into your Nix profile (`home.profileDirectory`),
        so their commands are on `PATH` in `~/.nix-profile/bin`, as
        home-manager installs them: merged into one tree, `home.path` (named
        `home-manager-path`), which is one entry of the profile. Each
        activation replaces that entry and leaves everything else you
        installed (`nix-env -i`, `nix profile install`) alone; a rollback
        puts the previous one back.

        When two packages provide the same file, the one with the lower
        `meta.priority` wins (`lib.hiPrio pkgs.foo` makes `foo` win);
        with equal priorities and different contents the build fails,
        naming both packages and the file.
      '';
    };

    home.extraOutputsToInstall = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [
        "doc"
        "info"
        "devdoc"
      ];
      description = ''
        Outputs of the packages in `home.packages` to install besides the
        ones they install by default (`meta.outputsToInstall`), where a
        package has them: `[ "man" ]` brings the manual pages of every
        package that has a `man` output.
      '';
    };

    home.profileDirectory = mkOption {
      type = types.str;
      default =
        if options.home.homeDirectory.isDefined then
          "${cfg.homeDirectory}/.nix-profile"
        else
          ".nix-profile";
      defaultText = lib.literalMD (
        "`\"\${home.homeDirectory}/.nix-profile\"`, or `\".nix-profile\"` "
        + "(relative to the home) without `home.homeDirectory`"
      );
      example = "/home/jane/.local/state/nix/profile";
      description = ''
        The Nix profile `home.packages` are installed into: the link to
        it, absolute or relative to the home. Its format decides the tool,
        as in home-manager: a profile with a `manifest.json` is changed with
        `nix profile`, any other with `nix-env`. When the link does not
        exist yet, activation makes it, pointing at a new profile in
        `''${XDG_STATE_HOME:-~/.local/state}/nix/profiles`, where Nix 2.14
        and later make theirs.

        home-manager makes this read-only (it follows `home.homeDirectory`
        and `nix.useXdg`); set it here if your profile is elsewhere, e.g.
        with Nix's `use-xdg-base-directories`.
      '';
    };

    home.path = mkOption {
      type = types.package;
      internal = true;
      readOnly = true;
      default = tree;
      defaultText = lib.literalMD "the merged tree of `home.packages`";
      description = ''
        The tree of links to every package of `home.packages`, as
        home-manager's `home.path`: what the profile entry installs.
      '';
    };

    am.build = {
      compiler = mkOption {
        type = types.str;
        internal = true;
        description = ''
          The `am-compile` that builds the package tree (the bundle's own);
          set by `homeBundle`.
        '';
      };
      system = mkOption {
        type = types.str;
        internal = true;
        description = "The system the package tree is built for; set by `homeBundle`.";
      };
    };
  };

  config.am.loweredNodes = lib.optional (cfg.packages != [ ]) (
    {
      id = "packages";
      kind = "profile";
      profile = cfg.profileDirectory;
      path = "${config.home.path}";
      packages = map (package: { inherit (package) name version outputs; }) described;
    }
    // origin
  );
}
