# The activation-manager Nix library, without flakes.
#
#   import ./nix { lib = <nixpkgs lib>; am = <am package, or a folder holding bin/am and bin/am-compile>; }
#
# returns the same library the flake exposes as `lib`.
{ lib, am }:
let
  inherit (lib) evalModules;

  # A derivation, a store path string or a plain path (copied into the store,
  # which keeps the bundle self-contained) all interpolate to a folder with bin/.
  amDir = "${am}";

  baseModules = [
    ./modules/nodes.nix
    ./modules/files.nix
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
        specialArgs = { inherit pkgs; };
      };
      input = builtins.toJSON {
        version = 1;
        inherit (eval.config.am) backupFileExtension;
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
  inherit homeBundle;
  # A Lua expression evaluated at activation time, in any string field of a
  # node. A plain string is always a literal.
  mkLua = lib.generators.mkLuaInline;
}
