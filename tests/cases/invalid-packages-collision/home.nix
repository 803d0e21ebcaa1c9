# Two packages provide bin/hello with other bytes, and neither has the
# higher priority: the package tree fails to build, naming both packages
# (by their place in home.packages) and the file, as buildEnv would refuse
# it.
{ ... }:
let
  package =
    name: text:
    builtins.derivation {
      inherit name;
      system = builtins.currentSystem;
      builder = "/bin/sh";
      args = [
        "-c"
        "/bin/mkdir -p $out/bin && printf '#!/bin/sh\\necho ${text}\\n' > $out/bin/hello"
      ];
    };
in
{
  home.packages = [
    (package "hello-2.12" "hello")
    (package "hello-wrapper-1.0" "wrapped hello")
  ];
}
