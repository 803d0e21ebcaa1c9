# systemd user units: `systemd.user.services|sockets|timers|paths.<name>`
# with NixOS-style attributes, linked into `<xdg.configHome>/systemd/user/`
# and switched in the user manager, and `systemd.user.overrides`, drop-ins
# for units installed elsewhere. ../systemd-units.nix does the work, for
# the system manager's units too.
args@{
  lib,
  config,
  pkgs ? null,
  ...
}:
import ../systemd-units.nix {
  name = "user";
  path = [
    "systemd"
    "user"
  ];
  unitDir = "${config.am.xdgRelative.configHome}/systemd/user";
  folder = "~/.config/systemd/user";
  manager = "user manager";
  systemctl = "systemctl --user";
  target = "default.target";
  kinds = {
    services = ''
      {
        notes-sync = {
          description = "Syncs my notes";
          wantedBy = [ "default.target" ];
          script = "exec ''${pkgs.unison}/bin/unison notes";
        };
      }
    '';
    sockets = ''
      {
        echo = {
          wantedBy = [ "sockets.target" ];
          socketConfig.ListenStream = "%t/echo.sock";
        };
      }
    '';
    timers = ''
      {
        notes-sync = {
          wantedBy = [ "timers.target" ];
          timerConfig.OnCalendar = "hourly";
        };
      }
    '';
    paths = ''
      {
        inbox = {
          wantedBy = [ "paths.target" ];
          pathConfig.PathChanged = "%h/inbox";
        };
      }
    '';
  };
  reload = (import ../unit-scripts.nix { inherit lib pkgs; }).reloadDropIns;
  unitsAfter = [ ];
} args
