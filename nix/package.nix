# The `am` and `am-compile` binaries, built from this workspace.
{ lib, rustPlatform }:
let
  root = ../.;
in
rustPlatform.buildRustPackage {
  pname = "activation-manager";
  version = (lib.importTOML ../Cargo.toml).workspace.package.version;
  src = lib.fileset.toSource {
    inherit root;
    fileset = lib.fileset.unions [
      ../Cargo.toml
      ../Cargo.lock
      ../rustfmt.toml
      ../schema
      ../compiler
      ../interpreter
    ];
  };
  cargoLock.lockFile = ../Cargo.lock;
  # The end-to-end tests need Nix itself and run in the flake's checks and CI.
  cargoTestFlags = [ "--workspace" ];
  meta = {
    description = "Declare your home in Nix modules and activate it transactionally";
    license = lib.licenses.mit;
    mainProgram = "am";
    platforms = lib.platforms.unix;
  };
}
