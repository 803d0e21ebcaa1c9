# The order of a system activation, read from the nodes every module
# lowered (as modules/activation.nix reads a home's phases): which nodes
# make the accounts, the tmpfiles rules and the unit switch, so that each
# module can wait for the others' nodes without knowing their ids. The
# order of a system activation:
#
#   links in /etc ─▶ accounts ─▶ copies with an owner, tmpfiles
#                                ─▶ unit switch ─▶ homes
#
# The compiler adds the edges every system bundle needs (what names a user
# after the accounts: copies with an owner, the rules, the units; the rules
# after their file). The modules add the rest: useradd reads
# /etc/login.defs and /etc/default/useradd, which may be among the links
# (users.nix); units may need what tmpfiles creates (systemd.nix); a home's
# unit is started once the units are switched (homes.nix).
#
# A module reading these never forces anything of its own nodes but their
# `kind` and `id`, which must not depend on them.
{ config }:
let
  idsOf =
    kinds:
    map (node: node.id) (builtins.filter (node: builtins.elem node.kind kinds) config.am.loweredNodes);
in
{
  links = idsOf [ "link" ];
  tmpfiles = idsOf [ "tmpfiles" ];
  units = idsOf [ "systemd-units" ];

  # A shell snippet for the scripts of exec nodes that talk to the system
  # manager: it ends the script (successfully, saying `what` happens
  # instead) unless the activation is of the running system, booted with
  # systemd. `am` says which root it activates in `AM_ROOT`.
  onRunningSystem = what: ''
    if [ -z "''${AM_ROOT:-}" ]; then
      echo "AM_ROOT is not set: this script runs in a system activation by am, which sets it" >&2
      exit 1
    fi
    if [ "$AM_ROOT" != / ]; then
      echo "$AM_ROOT is not the running system: ${what}"
      exit 0
    fi
    if [ ! -d /run/systemd/system ]; then
      echo "this machine was not booted with systemd: ${what}"
      exit 0
    fi
  '';
}
