# Unit names systemd would refuse, a target name without its type, a
# template that something wants, and a switch method nobody knows: the
# build fails and names each option.
{ ... }:
{
  systemd.user.services."notes sync".serviceConfig.ExecStart = "/bin/true";
  systemd.user.services.mail = {
    wantedBy = [ "default" ];
    serviceConfig.ExecStart = "/bin/true";
  };
  systemd.user.services."worker@" = {
    wantedBy = [ "default.target" ];
    serviceConfig.ExecStart = "/bin/echo %i";
  };
  systemd.user.timers.backup = {
    timerConfig.OnCalendar = "weekly";
    unitConfig.X-SwitchMethod = "bounce";
  };
}
