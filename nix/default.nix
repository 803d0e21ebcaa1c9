# The activation-manager Nix library, without flakes.
#
#   import ./nix { lib = <nixpkgs lib>; am = <am package, or a folder holding bin/am and bin/am-compile>; }
#
# returns the same library the flake exposes as `lib`.
{ lib, am }:
let
  dag = import ./dag.nix { inherit lib; };

  # The lib that modules see: nixpkgs' plus `lib.hm.dag` and
  # `lib.hm.types.dagOf` (home-manager's names, so its snippets work
  # unchanged) and the same as `lib.am`, with `lib.am.mkLua`.
  moduleLib =
    let
      extra = {
        hm = {
          inherit dag;
          types = { inherit (dag.types) dagOf dagEntryOf; };
          # home-manager's GVariant helpers became nixpkgs' `lib.gvariant`.
          inherit (lib) gvariant;
        };
        am = { inherit dag mkLua; };
      };
    in
    if lib ? extend then lib.extend (_: _: extra) else lib // extra;
  inherit (moduleLib) evalModules;

  # A Lua expression evaluated at activation time, in any string field of a
  # node (nixpkgs' own marker, so its values work unchanged). A plain string
  # is always a literal.
  mkLua = lib.generators.mkLuaInline;

  # A derivation, a store path string or a plain path (copied into the store,
  # which keeps the bundle self-contained) all interpolate to a folder with bin/.
  amDir = "${am}";

  baseModules = [
    ./modules/nodes.nix
    ./modules/files.nix
    ./modules/dconf.nix
    ./modules/lua.nix
    ./modules/activation.nix
    ./modules/compat.nix
    ./modules/services.nix
    ./modules/systemd.nix
    ./modules/hm-systemd.nix
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

  homeBundle =
    {
      pkgs ? null,
      modules,
      name ? "home-bundle",
    }:
    let
      eval = evalModules {
        modules = baseModules ++ modules;
        specialArgs = {
          inherit pkgs;
          lib = moduleLib;
        };
      };
      input = builtins.toJSON {
        version = 1;
        inherit (eval.config.am) backupFileExtension scripts;
        nodes = eval.config.am.loweredNodes;
      };
      bundle = builtins.derivation {
        inherit name input;
        system = systemOf pkgs;
        builder = "${amDir}/bin/am-compile";
        args = [ "build" ];
        amBin = "${amDir}/bin/am";
        # The input of a large home is megabytes; an environment variable is
        # limited to 128 KiB by the kernel, a file is not.
        passAsFile = [ "input" ];
      };
    in
    bundle
    // {
      inherit (eval) config options;
      meta.mainProgram = "activate";
    };
in
{
  inherit homeBundle dag mkLua;
}
