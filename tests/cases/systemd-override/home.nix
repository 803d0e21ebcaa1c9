# Units as home-manager writes them: a unit with home-manager's sections
# gets exactly the keys written (Install.Alias too, and no X-SwitchMethod
# of its own), and a unit installed elsewhere is changed by a drop-in of
# the keys given, never by a unit file that would hide it.
{ ... }:
{
  systemd.user.services.notes-sync = {
    Unit.Description = "Keep my notes in sync";
    Service = {
      ExecStart = "/bin/sh -c 'exec sleep infinity'";
      Restart = "on-failure";
    };
    Install = {
      WantedBy = [ "default.target" ];
      Alias = [ "sync.service" ];
    };
  };

  systemd.user.overrides."pipewire.service" = {
    Unit.Description = "PipeWire, with a lower latency";
    Service.Environment = [ "PIPEWIRE_LATENCY=128/48000" ];
  };
  systemd.user.overrides."backup.timer".Timer = {
    OnCalendar = [
      ""
      "weekly"
    ];
  };
}
