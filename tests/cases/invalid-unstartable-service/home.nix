# Services systemd would refuse to load. The first is a home-manager habit:
# a unit of the distribution's name with only `Environment`, meant to
# change that unit, which would instead hide it. The build fails and names
# each one, with the drop-in that was meant.
{ ... }:
{
  systemd.user.services.pipewire.Service.Environment = [ "PIPEWIRE_LATENCY=128/48000" ];
  systemd.user.services.backup = {
    description = "Back up my notes";
    serviceConfig = {
      ExecStart = [
        "/bin/mkdir -p %h/backup"
        "/bin/cp -r %h/notes %h/backup"
      ];
    };
  };
  systemd.user.services.cleanup.serviceConfig = {
    Type = "oneshot";
    ExecStop = "/bin/rm -rf %h/.cache/thumbnails";
  };
}
