# systemd user units in NixOS style: a service from a script with its
# environment and a daily timer (startAt), a socket, and a path unit. Each
# unit file and each `.wants` entry is a link of its own; one systemd-units
# node, after all of them, switches the user manager.
{ ... }:
{
  systemd.user.services.notes-sync = {
    description = "Syncs my notes";
    wantedBy = [ "default.target" ];
    after = [ "network-online.target" ];
    environment.NOTES = "%h/notes";
    script = ''
      cd "$NOTES"
      exec git pull --ff-only
    '';
    serviceConfig = {
      Restart = "on-failure";
      RestartSec = 5;
      NoNewPrivileges = true;
    };
    startAt = "daily";
    restartTriggers = [ "v1" ];
  };
  systemd.user.services.echo = {
    reloadIfChanged = true;
    serviceConfig.ExecStart = [
      ""
      "/bin/cat"
    ];
  };
  systemd.user.sockets.echo = {
    wantedBy = [ "sockets.target" ];
    socketConfig = {
      ListenStream = "%t/echo.sock";
      Accept = false;
    };
  };
  systemd.user.paths.inbox = {
    wantedBy = [ "paths.target" ];
    pathConfig.PathChanged = "%h/inbox";
    unitConfig.X-SwitchMethod = "keep-old";
  };
}
