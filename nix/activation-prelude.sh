# shellcheck shell=bash
# The environment home-manager gives `home.activation` blocks, sourced by
# bash before every block's body (nix/modules/activation.nix). Each block is
# its own `bash -euo pipefail` process: variables set in one block are not
# seen by another.

# `home.extraActivationPath` (and, with `pkgs`, bash and coreutils & co.)
# come first in PATH, as in home-manager.
if [[ -n ${AM_ACTIVATION_PATH:-} ]]; then
  PATH="$AM_ACTIVATION_PATH${PATH:+:$PATH}"
fi
unset AM_ACTIVATION_PATH
export PATH

# Verbose under `am activate --verbose` (which gives commands AM_VERBOSE=1),
# or when `VERBOSE` is set in the environment of `am`, as the
# `home-manager -v` command sets it.
if [[ -n ${AM_VERBOSE:-} ]]; then
  export VERBOSE=1
fi
if [[ -v VERBOSE ]]; then
  export VERBOSE_ECHO=echo
  export VERBOSE_ARG=--verbose
  export VERBOSE_RUN=""
else
  export VERBOSE_ECHO=true
  export VERBOSE_ARG=""
  export VERBOSE_RUN=true
fi

# A block only ever runs in a live activation: `am activate --dry-run`
# lists the blocks it would run without running any, so that a block that
# ignores DRY_RUN cannot change anything in a dry run. Hence DRY_RUN is
# never set here and `run` always runs.
unset DRY_RUN
export DRY_RUN_CMD=""
export DRY_RUN_NULL=""

# Runs the command on a live run, and prints it on a dry run.
# `run --quiet CMD`: stdout to /dev/null; `run --silence CMD`: both streams.
run() {
  local quiet="" silence=""
  if [[ ${1:-} == --quiet ]]; then
    quiet=1
    shift
  elif [[ ${1:-} == --silence ]]; then
    silence=1
    shift
  fi
  if [[ -v DRY_RUN ]]; then
    echo "$@"
  elif [[ -n $quiet ]]; then
    "$@" >/dev/null
  elif [[ -n $silence ]]; then
    "$@" >/dev/null 2>&1
  else
    "$@"
  fi
}

# Prints its arguments only when verbose.
verboseEcho() {
  if [[ -v VERBOSE ]]; then
    echo "$*"
  fi
}

errorEcho() { echo "$*" >&2; }
warnEcho() { echo "$*" >&2; }
noteEcho() { echo "$*"; }

# home-manager's message helpers: a printf format and its arguments
# (untranslated here).
_i() {
  local format=$1
  shift
  # shellcheck disable=SC2059
  printf "$format\n" "$@"
}
_iError() { _i "$@" >&2; }
_iWarn() { _i "$@" >&2; }
_iNote() { _i "$@"; }

# newGenPath is the bundle being activated and oldGenPath (set only when
# there is one) the bundle of the generation active before this run, read
# from activation-manager's state folder: `static` already points into the
# new bundle while blocks run, and `current` still names the old
# generation. Both are bundles, not home-manager generations: their layout
# is activation-manager's (`static/<target>`), not `home-files/`.
amStateDir=${XDG_STATE_HOME:-}
if [[ $amStateDir != /* ]]; then
  amStateDir=$HOME/.local/state
fi
amStateDir=$amStateDir/activation-manager
newGenPath=""
if amStatic=$(readlink "$amStateDir/static" 2>/dev/null); then
  newGenPath=${amStatic%/static}
fi
if amCurrent=$(readlink "$amStateDir/current" 2>/dev/null) \
  && amOld=$(readlink "$amStateDir/gcroots/${amCurrent##*/}" 2>/dev/null); then
  oldGenPath=$amOld
fi
unset amStatic amCurrent amOld
