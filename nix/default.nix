# The activation-manager Nix library, without flakes.
#
#   import ./nix { lib = <nixpkgs lib>; am = <am package, or a folder holding bin/am and bin/am-compile>; }
#
# returns the same library the flake exposes as `lib`.
{ lib, am }:
let
  dag = import ./dag.nix { inherit lib; };

  # The lib that modules see: `base` (nixpkgs' lib, or the `lib` of
  # `extraSpecialArgs`) plus `lib.hm.dag`, `lib.hm.types.dagOf` and
  # `lib.hm.gvariant` (home-manager's names, so its snippets work
  # unchanged), and the same DAG functions as `lib.am`, with `lib.am.mkLua`.
  extendLib =
    base:
    let
      extra = {
        hm = {
          inherit dag;
          types = { inherit (dag.types) dagOf dagEntryOf; };
          gvariant = import ./hm-gvariant.nix { lib = base; };
        };
        am = { inherit dag mkLua; };
      };
    in
    if base ? extend then base.extend (_: _: extra) else base // extra;

  # A Lua expression evaluated at activation time, in any string field of a
  # node (nixpkgs' own marker, so its values work unchanged). A plain string
  # is always a literal.
  mkLua = lib.generators.mkLuaInline;

  # A derivation, a store path string or a plain path (copied into the store,
  # which keeps the bundle self-contained) all interpolate to a folder with bin/.
  amDir = "${am}";

  # The modules every bundle has: raw nodes, checks, unknown options.
  commonModules = [
    ./modules/nodes.nix
    ./modules/checks.nix
    ./modules/unknown-options.nix
  ];

  homeModules = commonModules ++ [
    ./modules/files.nix
    ./modules/session.nix
    ./modules/packages.nix
    ./modules/command.nix
    ./modules/dconf.nix
    ./modules/lua.nix
    ./modules/activation.nix
    ./modules/compat.nix
    ./modules/services.nix
    ./modules/systemd.nix
    ./modules/hm-systemd.nix
  ];

  # A system's modules; `homes.nix` builds users' homes with `homeBundle`
  # (or the home-manager front end's `homeManagerBundle`).
  systemModules = commonModules ++ [
    ./modules/lua.nix
    ./system/etc.nix
    ./system/systemd.nix
    ./system/tmpfiles.nix
    ./system/users.nix
    (lib.setDefaultModuleLocation ./system/homes.nix (
      import ./system/homes.nix {
        amLib = {
          inherit homeBundle;
          inherit (frontEnd) homeManagerBundle;
        };
      }
    ))
  ];

  # The system the bundle is built for: the one of `pkgs` when given, else the
  # one `am` was built for, else the machine evaluating (impure, non-flake use).
  systemOf =
    pkgs:
    if pkgs != null then
      pkgs.stdenv.hostPlatform.system
    else if am ? system then
      am.system
    else
      builtins.currentSystem;

  # Every failed assertion in one error, as home-manager words it, else
  # `value` with each warning printed.
  checked =
    name: config: value:
    let
      failed = map (a: a.message) (builtins.filter (a: !a.assertion) config.assertions);
      which = lib.optionalString (name != "home-bundle" && name != "system-bundle") " (${name})";
    in
    if failed != [ ] then
      throw "\nFailed assertions${which}:\n${lib.concatMapStringsSep "\n" (m: "- ${m}") failed}"
    else
      lib.foldr lib.warn value config.warnings;

  # What modules need to make derivations of their own (the package tree
  # of `home.packages`): the bundle's compiler and system.
  buildModule = pkgs: {
    am.build = {
      compiler = "${amDir}/bin/am-compile";
      system = systemOf pkgs;
      # The derivation when there is one (its name and version are the
      # profile entry's), else the folder as a store path.
      package = if lib.isDerivation am then am else amDir;
    };
  };

  # The bundle of `modules` evaluated with `roleModules pkgs`: the module
  # system's evaluation, checked, handed to `am-compile` as the compiler
  # input (`version`, the nodes and scripts, and `input` for the role's
  # own fields).
  bundleOf =
    {
      role,
      roleModules,
      input ? _: { },
    }:
    {
      pkgs ? null,
      modules,
      name ? "${role}-bundle",
      # Passed to every module as arguments, as home-manager's
      # `extraSpecialArgs`: known while `imports` are resolved, unlike
      # `_module.args`. A `lib` here replaces nixpkgs' (and still gets
      # `lib.hm` and `lib.am`).
      extraSpecialArgs ? { },
    }:
    let
      eval = lib.evalModules {
        modules = roleModules pkgs ++ [ { am.role = role; } ] ++ modules;
        specialArgs = {
          inherit pkgs;
        }
        // extraSpecialArgs
        // {
          lib = extendLib (extraSpecialArgs.lib or lib);
        };
      };
      inherit (eval) config;
      compilerInput = checked name config (
        builtins.toJSON (
          {
            version = 1;
            inherit (config.am) backupFileExtension scripts;
            nodes = config.am.loweredNodes;
          }
          // input eval
        )
      );
      bundle = builtins.derivation (
        {
          inherit name;
          input = compilerInput;
          system = systemOf pkgs;
          builder = "${amDir}/bin/am-compile";
          args = [ "build" ];
          amBin = "${amDir}/bin/am";
          # The input of a large home is megabytes; an environment variable
          # is limited to 128 KiB by the kernel, a file is not.
          passAsFile = [ "input" ];
        }
        # Built first, as inputs the compiler never reads; none of them is
        # in the bundle's output, so none is kept with it.
        // lib.optionalAttrs (config.am.buildChecks != [ ]) { checks = config.am.buildChecks; }
      );
    in
    bundle
    // {
      inherit (eval) config options;
      meta.mainProgram = "activate";
    };

  homeBundle = bundleOf {
    role = "home";
    roleModules = pkgs: homeModules ++ [ (buildModule pkgs) ];
    # No `role`: a home is what an input without one is.
    input = eval: {
      homeDirectory =
        if eval.options.home.homeDirectory.isDefined then eval.config.home.homeDirectory else null;
    };
  };

  # A machine's files in /etc, its system units, tmpfiles rules, service
  # users, and the homes of its users, activated as root (`am --system`).
  systemBundle = bundleOf {
    role = "system";
    roleModules = _: systemModules;
    input = _: { role = "system"; };
  };

  frontEnd = import ./home-manager { inherit lib homeBundle; };
in
{
  inherit
    homeBundle
    systemBundle
    dag
    mkLua
    ;
  inherit (frontEnd) homeManagerBundle homeManagerConfigBundle;
}
