# Homes from the system bundle: `activation-manager.users.<name>.modules`
# (or `homeManagerModules`, a home-manager configuration) builds that
# user's home bundle as the NixOS module does (../home-options.nix), and the
# system activation activates it as that user, so that one switch does the
# machine and every configured home:
#
# - The system unit `activation-manager-home-<name>.service` (a oneshot
#   with `User=<name>`) runs the home bundle's `bin/activate`, with the
#   user's manager (`/run/user/<uid>`) when one runs, so the home's units
#   are switched in it; it is ordered after `user@<uid>.service` when the
#   uid is known when building. It is never started by the unit switch
#   itself (`restartIfChanged = false`, no `wantedBy`).
# - The exec node `home:<name>`, after the unit switch, starts that unit
#   and prints what the home's activation said. It is optional
#   (`required = false`): a home that fails does not roll the system back;
#   the activation ends "partial" (exit code 5) and its report names the
#   node, and so the home, that failed. It runs at every system
#   activation (the home's own activation changes nothing when nothing
#   changed, and so retries a home that failed before), and only on the
#   running system (not under `--root`, where no manager runs).
#
# A function of `amLib` (`homeBundle`, `homeManagerBundle`), which
# default.nix hands over.
{ amLib }:
{
  lib,
  config,
  options,
  pkgs ? null,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };
  homeOptions = import ../home-options.nix { inherit lib; };
  phases = import ./phases.nix { inherit config; };
  inherit (import ../unit-scripts.nix { inherit lib pkgs; }) scriptFor;

  cfg = config.activation-manager;

  builders = homeOptions.buildersFor {
    inherit amLib pkgs cfg;
    osConfig = config;
  };

  unitOf = name: "activation-manager-home-${name}";

  # The declared account of a user, if any.
  account =
    name: lib.findFirst (user: user.name == name) null (builtins.attrValues config.users.users);

  userModule =
    { name, config, ... }:
    {
      options =
        homeOptions.userOptions {
          activated = ''
            the system bundle builds their home bundle, and activates it as
            the user (through the unit `activation-manager-home-<name>.service`)
            whenever the system is activated.'';
          bundle = builders.userBundle {
            inherit name;
            user = config;
            home = config.homeDirectory;
          };
        }
        // {
          homeDirectory = mkOption {
            type = types.str;
            default =
              let
                declared = account name;
              in
              if declared != null then declared.home else "/home/${name}";
            defaultText = lib.literalMD ''
              `users.users.<name>.home` when the user is declared there, else
              `"/home/<name>"`
            '';
            example = "/srv/jane";
            description = ''
              The user's home, which the home bundle is for (its
              `home.homeDirectory` by default). It must be the home
              `/etc/passwd` gives the user: the home's activation refuses
              another `$HOME`.
            '';
          };
        };
    };

  homes = lib.filterAttrs (_: user: user.bundle != null) cfg.users;

  # Where the home's activation writes what it says, for the node that
  # started it to show: read from the journal instead, its last lines could
  # still be on their way there (journald takes a unit's output from a
  # stream, which `journalctl --sync` does not wait for).
  reportOf = name: "/run/activation-manager/home-${name}.report";

  # The home's activation as the user: with the user's manager when it
  # runs, so that the home's units are switched in it (else they are
  # linked, for the next login). Its output goes to the journal, as any
  # unit's, and to the report file when the node made one.
  activateAs = name: bundle: ''
    runtime="/run/user/$(id -u)"
    if [ -S "$runtime/systemd/private" ]; then
      export XDG_RUNTIME_DIR="$runtime"
      if [ -S "$runtime/bus" ]; then
        export DBUS_SESSION_BUS_ADDRESS="unix:path=$runtime/bus"
      fi
    fi
    report=${reportOf name}
    if [ ! -w "$report" ]; then
      exec ${bundle}/bin/activate
    fi
    status=0
    ${bundle}/bin/activate >"$report" 2>&1 || status=$?
    cat "$report"
    exit "$status"
  '';

  # Starts the home unit of the user $1 and prints what the activation
  # said. The report file, $2, is made afresh, owned by the user, in a
  # folder only root writes to. The user's manager, when it is still starting (at
  # boot, for a lingering user), is waited for first.
  startHome = scriptFor "activation-manager-home" "start" ''
    ${phases.onRunningSystem "the home of $1 is not activated"}
    unit="activation-manager-home-$1.service"
    if ! uid=$(id -u -- "$1" 2>/dev/null); then
      echo "there is no user $1 on this machine: declare it (users.users.$1) or create it" >&2
      exit 1
    fi
    if [ "$(systemctl is-active "user@$uid.service")" = activating ]; then
      systemctl start "user@$uid.service" || true
    fi
    report=$2
    mkdir -p "$(dirname "$report")"
    chmod 0755 "$(dirname "$report")"
    rm -f "$report"
    install -m 0600 -o "$uid" /dev/null "$report"
    status=0
    started=$(systemctl start "$unit" 2>&1) || status=$?
    cat "$report"
    # systemd's own words only when the home said nothing: the unit could
    # not run it at all.
    if [ ! -s "$report" ] && [ -n "$started" ]; then
      echo "$started"
    fi
    rm -f "$report"
    if [ "$status" != 0 ]; then
      echo "the home of $1 failed to activate: see the lines above, or journalctl -u $unit" >&2
    fi
    exit "$status"
  '';

  homeUnit =
    name: user:
    let
      declared = account name;
    in
    {
      description = "Activate the home of ${name} (activation-manager)";
      after = lib.optional (
        declared != null && declared.uid != null
      ) "user@${toString declared.uid}.service";
      # Started by the node `home:<name>` only.
      restartIfChanged = false;
      serviceConfig = {
        Type = "oneshot";
        User = name;
      };
      script = activateAs name user.bundle;
    };

  homeNode =
    name: _:
    {
      id = "home:${name}";
      kind = "exec";
      argv = [
        startHome.path
        name
        (reportOf name)
      ];
      after = phases.units;
      required = false;
    }
    // provenance.of options.activation-manager.users [ "activation-manager" "users" ] name;
in
{
  options.activation-manager = {
    extraSpecialArgs = homeOptions.specialArgsOption "the modules of every user's home";

    home-manager = homeOptions.homeManagerOption;

    users = mkOption {
      type = types.attrsOf (types.submodule userModule);
      default = { };
      example = lib.literalExpression ''
        {
          jane.modules = [ ./jane/home.nix ];
        }
      '';
      description = ''
        Homes of the machine's users, by user name: each one's home bundle
        is built with the system bundle and activated as that user by every
        system activation, after the system's units are switched. A home
        that fails to activate does not roll the system back: the
        activation ends partial (exit code 5), naming the node
        `home:<name>` that failed. The user must exist (`users.users`, or
        an account the machine has).
      '';
    };
  };

  config = lib.mkIf (homes != { }) {
    systemd.services = lib.mapAttrs' (
      name: user: lib.nameValuePair (unitOf name) (homeUnit name user)
    ) homes;
    am.scripts.${startHome.name} = startHome.content;
    am.loweredNodes = lib.mapAttrsToList homeNode homes;
  };
}
