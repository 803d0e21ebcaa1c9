# A small web server on any Linux distribution with Nix, managed as a
# system bundle: its configuration in /etc, the account it runs as, its
# service, an hourly report with its timer, the folders it needs, and the
# home of the machine's user jane.
#
# See README.md for how to build and activate it.
{ config, lib, ... }:
let
  inherit (config.hello-web) port;
in
{
  # The example's own option, which jane's home reads too (`osConfig`).
  options.hello-web.port = lib.mkOption {
    type = lib.types.port;
    default = 8080;
    description = "The port hello-web serves its pages on.";
  };

  config = {
    # A web of files in /etc: the server's settings and pages (links into
    # the bundle), a message of the day, and a secret only the server's
    # group may read (a copy with that mode, owner and group).
    environment.etc = {
      "hello-web/hello-web.conf".text = ''
        port = ${toString port}
        pages = /etc/hello-web/pages
        reports = /var/lib/hello-web/reports
      '';
      "hello-web/pages/index.html".source = ./pages/index.html;
      "hello-web/token" = {
        text = "not-a-real-token\n";
        mode = "0640";
        group = "hello-web";
      };
      "motd".text = ''
        This machine serves the hello-web pages on port ${toString port}.
      '';
    };
    # The distribution has its own /etc/motd: moved aside to
    # /etc/motd.pre-am (and back when the entry goes), where without this
    # the activation would stop before changing anything.
    am.backupFileExtension = "pre-am";

    # The account the server runs as, with a group of its own.
    users.users.hello-web = {
      isSystemUser = true;
      group = "hello-web";
      home = "/var/lib/hello-web";
      createHome = true;
      description = "The hello-web server";
    };
    users.groups.hello-web = { };

    # The server: any distribution's python3 serves the pages. It restarts
    # when its settings change.
    systemd.services.hello-web = {
      description = "Serves the hello-web pages";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      restartTriggers = [ config.environment.etc."hello-web/hello-web.conf".text ];
      serviceConfig = {
        User = "hello-web";
        ExecStart = "/usr/bin/python3 -m http.server --directory /etc/hello-web/pages ${toString port}";
        Restart = "on-failure";
      };
    };

    # An hourly report, with its timer (`startAt`).
    systemd.services.hello-web-report = {
      description = "Writes how many pages hello-web serves";
      startAt = "hourly";
      serviceConfig = {
        Type = "oneshot";
        User = "hello-web";
      };
      script = ''
        ls /etc/hello-web/pages | wc -l > /var/lib/hello-web/reports/pages
      '';
    };

    # The report's folder, cleaned of reports older than 30 days.
    systemd.tmpfiles.rules = [ "d /var/lib/hello-web/reports 0750 hello-web hello-web 30d" ];

    # jane's account and her home, activated as her by every system
    # activation.
    users.users.jane = {
      isNormalUser = true;
      description = "Jane Doe";
    };
    activation-manager.users.jane.modules = [ ./jane.nix ];
  };
}
