# TEST-ONLY: builds the parts of a value shaped exactly as home-manager's
# evaluated `config` is, for the front end's fixtures (see
# docs/src/reference/home-manager-config.md for the shape, field by field).
# home-manager itself needs full nixpkgs, which the tests do not have: what
# it would compute is written out here, with the few nixpkgs builders it
# uses stood in for by `builtins.derivation`s with /bin/sh as builder.
{ lib, homeDirectory }:
rec {
  # nixpkgs' `writeTextFile`: a derivation holding `text` (at
  # `$out<destination>`), whose attributes include `text` and `executable`.
  writeTextFile =
    {
      name,
      text,
      executable ? false,
      destination ? "",
    }:
    builtins.derivation {
      inherit
        name
        text
        executable
        destination
        ;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      passAsFile = [ "text" ];
      args = [
        "-c"
        ''
          target=$out$destination
          /bin/mkdir -p "''${target%/*}"
          /bin/cp "$textPath" "$target"
          if [ -n "$executable" ]; then /bin/chmod +x "$target"; fi
        ''
      ];
    };

  # A package with one command, `bin/<name>`, printing `output`.
  package =
    name: output:
    builtins.derivation {
      inherit name output;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [
        "-c"
        ''
          /bin/mkdir -p $out/bin
          printf '#!/bin/sh\necho %s\n' "$output" > $out/bin/${name}
          /bin/chmod +x $out/bin/${name}
        ''
      ];
    };

  # nixpkgs' `buildEnv` of packages, as home-manager's `home.path`: a
  # folder of links to every file of every package.
  buildEnv =
    name: paths:
    builtins.derivation {
      inherit name paths;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [
        "-c"
        ''
          for package in $paths; do
            (cd "$package" && /usr/bin/find . -type f) | while read -r file; do
              /bin/mkdir -p "$out/''${file%/*}"
              /bin/ln -s "$package/$file" "$out/$file"
            done
          done
        ''
      ];
    };

  # One entry of the evaluated `home.file`, with home-manager's defaults
  # (modules/lib/file-type.nix): `source` is the file of `text` when
  # `text` is set.
  file =
    name: attrs:
    let
      entry = {
        enable = true;
        target = name;
        text = null;
        executable = null;
        recursive = false;
        ignorelinks = false;
        onChange = "";
        force = false;
      }
      // attrs;
    in
    entry
    // lib.optionalAttrs (entry.text != null && !(attrs ? source)) {
      source = writeTextFile {
        name = "hm_" + lib.replaceStrings [ "/" ] [ "" ] name;
        inherit (entry) text;
        executable = entry.executable == true;
      };
    };

  # `home.file` entries of an `xdg.*File` family, as home-manager's xdg
  # module renames them: `"<folder>/<name>"`, the target relative to the
  # home.
  xdgFiles =
    folder: entries:
    lib.mapAttrs' (
      name: attrs:
      lib.nameValuePair "${homeDirectory}/${folder}/${name}" (
        file name (attrs // { target = "${folder}/${name}"; })
      )
    ) entries;

  # A DAG entry as the evaluated `home.activation` holds it.
  entry = after: before: data: { inherit data after before; };

  # home-manager's `toSystemdIni`: sections and keys sorted, lists as
  # repeated keys.
  unitText = lib.generators.toINI {
    listsAsDuplicateKeys = true;
    mkKeyValue =
      key: value: "${key}=${if builtins.isBool value then lib.boolToString value else toString value}";
  };

  # The `xdg.configFile` entries home-manager's systemd module makes of one
  # unit (`systemd.user.<kind>.<name>`): its file, and a link in
  # `<target>.wants/` per `Install.WantedBy`, each with the unit's file as
  # `source`.
  unitFiles =
    unitName: sections:
    let
      source =
        writeTextFile {
          name = unitName;
          text = unitText sections;
          destination = "/${unitName}";
        }
        + "/${unitName}";
      wants = map (target: "systemd/user/${target}.wants/${unitName}") (sections.Install.WantedBy or [ ]);
    in
    xdgFiles ".config" (
      lib.genAttrs ([ "systemd/user/${unitName}" ] ++ wants) (_: {
        inherit source;
      })
    );
}
