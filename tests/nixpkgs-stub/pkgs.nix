# TEST-ONLY stand-in for `pkgs` (see README.md): `path` is a fake nixpkgs
# folder holding the lib snapshot, `writeText` writes with builtins.toFile,
# and every package the library reads is `/usr`, so that `${pkgs.bash}/bin/bash`
# and `pkgs.coreutils` in PATH are this Debian machine's own.
{ path }:
{
  inherit path;
  writeText = name: text: builtins.toFile name text;
  stdenv.hostPlatform.system = builtins.currentSystem;
  runtimeShell = "/bin/sh";
}
// builtins.listToAttrs (
  map
    (name: {
      inherit name;
      value = "/usr";
    })
    [
      "bash"
      "coreutils"
      "diffutils"
      "findutils"
      "gnugrep"
      "gnused"
    ]
)
