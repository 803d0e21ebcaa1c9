# systemd system units: `systemd.services|sockets|timers|paths|targets.<name>`
# with NixOS's attributes, each file linked into `/etc/systemd/system/` (one
# by one, so the distribution's units there stay), and
# `systemd.overrides`, drop-ins for the distribution's units. The same code
# as a home's user units (../systemd-units.nix); the unit switch talks to the
# system manager (`"scope": "system"` in the compiler input), after the
# tmpfiles rules they may rely on (and, by the compiler, the accounts).
args@{
  lib,
  config,
  pkgs ? null,
  ...
}:
let
  phases = import ./phases.nix { inherit config; };
  scripts = import ../unit-scripts.nix { inherit lib pkgs; };
in
import ../systemd-units.nix {
  name = "system";
  path = [ "systemd" ];
  unitDir = "systemd/system";
  folder = "/etc/systemd/system";
  manager = "system manager";
  systemctl = "systemctl";
  target = "multi-user.target";
  kinds = {
    services = ''
      {
        backup = {
          description = "Nightly backup of /srv";
          startAt = "daily";
          path = [ pkgs.restic ];
          script = "restic backup /srv";
          serviceConfig.User = "backup";
        };
      }
    '';
    sockets = ''
      {
        echo = {
          wantedBy = [ "sockets.target" ];
          socketConfig.ListenStream = "/run/echo.sock";
        };
      }
    '';
    timers = ''
      {
        backup = {
          wantedBy = [ "timers.target" ];
          timerConfig = { OnCalendar = "daily"; Persistent = true; };
        };
      }
    '';
    paths = ''
      {
        spool = {
          wantedBy = [ "paths.target" ];
          pathConfig.DirectoryNotEmpty = "/var/spool/upload";
        };
      }
    '';
    targets = ''
      {
        web = {
          description = "Everything the web site needs";
          wantedBy = [ "multi-user.target" ];
          wants = [ "nginx.service" "php-fpm.service" ];
        };
      }
    '';
  };
  # Only on the running system, booted with systemd: under `--root` the
  # tree's manager reads the drop-ins when it starts.
  reload = scripts.scriptFor "drop-ins" "reload" ''
    # Makes the system manager read the drop-ins of the unit $1, and
    # restarts the unit if it runs.
    ${phases.onRunningSystem "the system manager reads the drop-ins of $1 when it starts"}
    systemctl daemon-reload
    systemctl try-restart -- "$1"
  '';
  unitsAfter = phases.tmpfiles;
} args
