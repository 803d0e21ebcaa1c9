# An activation-manager module made of home-manager's evaluated
# configuration: what the home-manager front end hands to `homeBundle` in
# place of home-manager's activation script. It takes the `config` value
# alone (and, when at hand, `options`, for the files that messages name),
# so it is the same whether home-manager was evaluated by
# `homeManagerBundle`, by home-manager's NixOS module, or written out as a
# value (the tests' fixtures).
#
# - `home.file` (with `xdg.*File` and generated unit files): plan nodes
#   (files.nix), and the units among them for the unit switch (units.nix);
# - `home.activation`: home-manager's own blocks (`ownBlocks`) are left
#   out, since activation-manager's nodes do what they do; every other
#   block becomes activation-manager's `home.activation` entry of the same
#   name, whose references to those blocks' names order it against the
#   nodes that replace them (modules/activation.nix);
# - `home.path` (home-manager's tree of `home.packages`, with the
#   session variables' file) is the one package of the Nix profile's entry;
# - `dconf.settings`, `home.extraActivationPath`, `home.homeDirectory`,
#   `home.username`: activation-manager's options of the same names;
# - `home.extraDependencies` stay alive with the bundle, `home.checks` are
#   built with it;
# - what has no meaning here fails the build or warns (checks.nix).
{
  # home-manager's evaluated `config`.
  hmConfig,
  # home-manager's evaluated `options`, or null.
  hmOptions ? null,
}:
{
  lib,
  config,
  pkgs ? null,
  ...
}:
let
  hm = hmConfig;
  home = hm.home.homeDirectory;

  # Where home-manager's unit files are, relative to the home (its unit
  # switch looks at `<xdg.configHome>/systemd/user` only). A `configHome`
  # outside the home holds no file activation-manager can place.
  configHome = hm.xdg.configHome or "${home}/.config";
  unitDir =
    if lib.hasPrefix "${home}/" configHome then
      "${lib.removePrefix "${home}/" configHome}/systemd/user"
    else
      null;

  names = import ./names.nix { inherit lib hm hmOptions; };
  block = import ../bash-block.nix {
    inherit lib pkgs;
    inherit (config.home) extraActivationPath;
  };
  files = import ./files.nix {
    inherit
      lib
      hm
      names
      block
      unitDir
      ;
  };
  units = import ./units.nix {
    inherit lib hm names;
    inherit (files) entries;
    scripts = import ../unit-scripts.nix { inherit lib pkgs; };
  };

  # home-manager's own blocks, every one its modules/ define outside
  # programs.* and services.*, other than those checks.nix refuses
  # (`uninstall`, darwin's `setupLaunchAgents`). What each did is done by
  # activation-manager's nodes: the pre-check of every target
  # (checkLinkTargets), the links (linkGeneration, writeBoundary,
  # checkFilesChanged), the `onChange` commands (onFilesChange), the unit
  # switch (reloadSystemd) and the dconf node (dconfSettings).
  # installPackages is the profile's node.
  ownBlocks = [
    "checkLinkTargets"
    "checkFilesChanged"
    "writeBoundary"
    "linkGeneration"
    "onFilesChange"
    "installPackages"
    "reloadSystemd"
    "dconfSettings"
  ];
  blocks = removeAttrs hm.home.activation ownBlocks;

  checks = import ./checks.nix {
    inherit lib hm blocks;
    inherit (files) entries;
  };

  # A definition of activation-manager's options, in the files that made
  # the home-manager option it comes from (for messages).
  definedAs = files: definition: {
    _file = lib.concatStringsSep ", " files;
    config = definition;
  };

  blockModule =
    name: entry:
    definedAs (names.of [ "home" "activation" ] name).definedIn {
      home.activation.${name} = {
        inherit (entry) data after before;
      };
    };

  dconfModule =
    definedAs
      (names.filesOf [
        "dconf"
        "settings"
      ])
      {
        dconf.enable = hm.dconf.enable or true;
        dconf.settings = hm.dconf.settings or { };
      };

  # The profile entry holds home-manager's own `home.path`: the buildEnv
  # of `home.packages` with `home.extraOutputsToInstall` and
  # `home.extraProfileCommands` applied, and `hm-session-vars.sh`
  # (`home.sessionVariablesPackage`) in its `etc/profile.d/`, exactly as
  # home-manager installs it. home-manager's NixOS module with
  # `useUserPackages` has NixOS install them (`users.users.<name>.packages`)
  # instead.
  installedElsewhere = hm.submoduleSupport.externalPackageInstall or false;
  packagesModule =
    definedAs
      (names.filesOf [
        "home"
        "packages"
      ])
      {
        home.packages = lib.optional ((hm.home.packages or [ ]) != [ ] && !installedElsewhere) hm.home.path;
        home.profileDirectory = lib.mkIf (hm.home ? profileDirectory) hm.home.profileDirectory;
      };

  extraDependencies = hm.home.extraDependencies or [ ];
in
{
  imports = [
    dconfModule
    packagesModule
  ]
  ++ lib.mapAttrsToList blockModule blocks;

  config = {
    home.homeDirectory = home;
    # home-manager's evaluated `config` throws when a module reads an
    # option nobody defined; only the `options` can tell beforehand.
    home.username = lib.mkIf (hmOptions == null || hmOptions.home.username.isDefined) hm.home.username;
    home.extraActivationPath = hm.home.extraActivationPath or [ ];

    am.loweredNodes = files.nodes ++ units.nodes;

    # The bundle refers to each path in a file of its own, as
    # home-manager's generation does (`extra-dependencies`), so that they
    # live as long as the bundle.
    am.scripts =
      units.scripts
      // lib.optionalAttrs (extraDependencies != [ ]) {
        home-manager-extra-dependencies = lib.concatMapStrings (path: "${path}\n") extraDependencies;
      };
    am.buildChecks = hm.home.checks or [ ];

    assertions = map (message: {
      assertion = false;
      inherit message;
    }) checks.errors;
    inherit (checks) warnings;
  };
}
