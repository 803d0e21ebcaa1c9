# A bash snippet as home-manager runs its activation blocks, as the `argv`
# and `env` of an `exec` node: `bash -euo pipefail`, with home-manager's
# environment (`run`, `VERBOSE_ARG`, `newGenPath`, ...: activation-prelude.sh)
# sourced first, and the option that holds the snippet as `$0`, so that
# bash's own errors read "home.activation.foo: line 2: ...".
#
# Used by `home.activation` (modules/activation.nix) and by the home-manager
# front end for `home.file.<name>.onChange` (home-manager/files.nix), which
# home-manager runs inside its activation script too.
{
  lib,
  pkgs,
  # `home.extraActivationPath`: packages whose bin/ comes first in PATH.
  extraActivationPath,
}:
let
  bash = if pkgs != null then "${pkgs.bash}/bin/bash" else "/bin/bash";

  # What home-manager puts first in PATH (less nix, jq, gettext and ncurses,
  # which nothing of ours needs), plus `home.extraActivationPath`.
  activationPath = lib.makeBinPath (
    lib.optionals (pkgs != null) [
      pkgs.bash
      pkgs.coreutils
      pkgs.diffutils
      pkgs.findutils
      pkgs.gnugrep
      pkgs.gnused
    ]
    ++ extraActivationPath
  );

  prelude = ./activation-prelude.sh;
in
{
  # `argv option body`: `option` is the option path, shown as `$0`. The
  # prelude is sourced on the body's first line, so that line numbers in
  # messages are the body's.
  argv = option: body: [
    bash
    "-euo"
    "pipefail"
    "-c"
    ". ${prelude}; ${body}"
    option
  ];

  env = lib.optionalAttrs (activationPath != "") { AM_ACTIVATION_PATH = activationPath; };
}
