# home.packages, merged as home-manager's home.path is (nixpkgs' buildEnv
# rules): hello's bin/ and share/ become real folders holding the files of
# both packages, the man page both ship with the same bytes is no
# collision, and lib.hiPrio settles the bin/hello that both provide.
# Installed into the Nix profile behind ~/.nix-profile, which activation
# makes (Nix's own tools then add .nix-defexpr); an activation block after
# home-manager's installPackages anchor runs once the packages are there.
{ lib, ... }:
let
  # A package made without stdenv: a builder script, /bin tools only.
  package =
    name: version: script:
    builtins.derivation {
      name = "${name}-${version}";
      pname = name;
      inherit version;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [
        "-c"
        ''
          /bin/mkdir -p $out/bin $out/share/man/man1
          echo '.TH COMMON 1' > $out/share/man/man1/common.1
          ${script}
        ''
      ];
    };
  hello = package "hello" "2.12" ''
    printf '#!/bin/sh\necho hello\n' > $out/bin/hello
    /bin/chmod 555 $out/bin/hello
  '';
  greeter = package "greeter" "1.0" ''
    printf '#!/bin/sh\necho greetings\n' > $out/bin/greet
    printf '#!/bin/sh\necho hello from greeter\n' > $out/bin/hello
    /bin/chmod 555 $out/bin/greet $out/bin/hello
  '';
in
{
  home.packages = [
    greeter
    (lib.hiPrio hello)
  ];
  home.activation.greet = lib.hm.dag.entryAfter [ "installPackages" ] ''
    "$HOME/.nix-profile/bin/greet" > "$HOME/greeted"
  '';
}
