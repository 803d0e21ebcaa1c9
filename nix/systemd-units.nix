# systemd units with NixOS-style attributes, for one service manager (a
# scope): `systemd.user.services|sockets|timers|paths.<name>` for the user
# manager of a home (modules/systemd.nix), `systemd.services|...|targets`
# for the system manager (system/systemd.nix). A function from the scope to
# the module.
#
# Units are rendered to unit files by ./systemd-unit.nix with lib alone
# (NixOS's systemd library needs pkgs and a whole NixOS). Every unit file
# becomes one `link` node in the scope's unit folder, every `wantedBy` and
# `requiredBy` entry one more link in `<target>.wants/` or
# `<target>.requires/` (so other tools' units in that folder are left alone),
# and one `systemd-units` node, after all of those links, tells `am` which
# units the bundle has and how each one switches; `am` decides at activation
# time, from the previous bundle's unit files, what to start, restart, reload
# or stop. `overrides` are drop-ins for units installed elsewhere.
#
# The scope:
#   name       "user" or "system": the `systemd-units` node is
#              `systemd:<name>`, and a system's says `scope = "system"`
#   path       the options' path, [ "systemd" "user" ] or [ "systemd" ]
#   unitDir    the unit folder, relative to the bundle's root
#   folder     the unit folder as people know it, for messages
#   manager    "user manager" or "system manager", for descriptions
#   systemctl  the command that talks to it, for descriptions
#   kinds      the unit types the scope has, to the example of each option
#   target     the manager's usual target, for examples
#   reload     the script (./unit-scripts.nix's `scriptFor`) that makes the
#              manager read the drop-ins of the unit "$1" and restarts it if
#              it runs
#   unitsAfter ids of other nodes the unit switch waits for
scope:
{
  lib,
  config,
  options,
  pkgs ? null,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ./provenance.nix { inherit lib; };
  unitFile = import ./systemd-unit.nix { inherit lib; };

  inherit (scope) unitDir;
  scoped = lib.getAttrFromPath scope.path;

  inherit (import ./unit-scripts.nix { inherit lib pkgs; }) scriptFor;

  isAtom =
    v:
    builtins.isBool v
    || builtins.isInt v
    || builtins.isString v
    || builtins.isPath v
    || lib.isDerivation v;

  # A value of a unit file key. Lists become repeated keys; definitions in
  # several modules are concatenated when one of them is a list, and must be
  # equal otherwise (the NixOS rule, so `serviceConfig.ExecStartPre` from two
  # modules adds up, while two different `ExecStart`s are an error).
  unitValue = types.mkOptionType {
    name = "systemdValue";
    description = "systemd unit value (string, number, bool, path, package, or a list of those)";
    check = v: isAtom v || (builtins.isList v && builtins.all isAtom v);
    merge =
      loc: defs:
      if lib.any (def: builtins.isList def.value) defs then
        lib.concatMap (def: lib.toList def.value) defs
      else
        lib.mergeEqualOption loc defs;
  };

  sectionExamples = {
    Unit = ''{ ConditionPathExists = "%h/notes"; }'';
    Service = ''{ Restart = "on-failure"; RestartSec = 5; }'';
    Socket = ''{ ListenStream = "%t/echo.sock"; Accept = false; }'';
    Timer = ''{ OnCalendar = "hourly"; Persistent = true; }'';
    Path = ''{ PathChanged = "%h/inbox"; }'';
  };

  sectionOption =
    name:
    mkOption {
      type = types.attrsOf unitValue;
      default = { };
      example = lib.literalExpression sectionExamples.${name};
      description = ''
        Keys of the unit's `[${name}]` section. A list repeats the key (the
        way `ExecStartPre=` is given twice); booleans become `true`/`false`.
      '';
    };

  unitList =
    what: example:
    mkOption {
      type = types.listOf types.str;
      default = [ ];
      inherit example;
      description = what;
    };

  # Options every unit has.
  commonModule = {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = "Whether the unit exists. A disabled unit has no file and is stopped if it ran.";
      };
      description = mkOption {
        type = types.str;
        default = "";
        example = "Syncs my notes";
        description = "The unit's `Description=`.";
      };
      wantedBy = unitList ''
        Units (usually targets) that want this one: a link in
        `<target>.wants/`. A new unit is started at activation when one of
        them is active.
      '' [ scope.target ];
      requiredBy = unitList ''
        Units that require this one: a link in `<target>.requires/`. Started
        like `wantedBy`.
      '' [ scope.target ];
      after = unitList "`After=`: units this one starts after." [ "network-online.target" ];
      before = unitList "`Before=`: units this one starts before." [ "graphical-session.target" ];
      wants = unitList "`Wants=`: units started along with this one." [ "gpg-agent.socket" ];
      requires = unitList "`Requires=`: like `wants`, but this unit fails when they do." [
        "dbus.socket"
      ];
      bindsTo = unitList "`BindsTo=`: like `requires`, and stopped when they stop." [
        "graphical-session.target"
      ];
      partOf = unitList "`PartOf=`: stopped and restarted along with these." [
        "graphical-session.target"
      ];
      conflicts = unitList "`Conflicts=`: units stopped when this one starts." [ "other.service" ];
      unitConfig = sectionOption "Unit";
      restartTriggers = mkOption {
        type = types.listOf types.unspecified;
        default = [ ];
        example = lib.literalExpression "[ ./app.conf ]";
        description = ''
          Values whose change restarts the unit (their hash is written as
          `X-Restart-Triggers=`, so the unit file changes with them).
        '';
      };
      reloadTriggers = mkOption {
        type = types.listOf types.unspecified;
        default = [ ];
        example = lib.literalExpression "[ ./app.conf ]";
        description = ''
          Values whose change reloads the unit: when nothing but these
          changed, the unit is reloaded rather than restarted.
        '';
      };
      homeManagerStyle = mkOption {
        type = types.bool;
        default = false;
        internal = true;
        description = ''
          Whether the unit is written with home-manager's sections (`Unit`,
          `Service`, `Install`, ...; set by hm-systemd.nix): its file then
          holds exactly the keys written, as home-manager's does, with
          nothing added (no `PATH`, no `X-SwitchMethod=`).
        '';
      };
      installConfig = mkOption {
        type = types.attrsOf unitValue;
        default = { };
        internal = true;
        description = ''
          Keys of `[Install]` besides `WantedBy` and `RequiredBy`
          (home-manager's `Install`).
        '';
      };
    };
  };

  # The scripts of one service, by the key that runs them.
  serviceScripts =
    name: service:
    map (s: s // { script = scriptFor "${name}.service" s.phase s.text; }) (
      lib.filter (s: s.text != "") [
        {
          key = "ExecStart";
          phase = "start";
          text = service.script;
        }
        {
          key = "ExecStartPre";
          phase = "pre-start";
          text = service.preStart;
        }
        {
          key = "ExecStartPost";
          phase = "post-start";
          text = service.postStart;
        }
      ]
    );

  # NixOS gives every service these basic tools on its PATH; without pkgs,
  # only what `path` lists is added.
  defaultPath = lib.optionals (pkgs != null) [
    pkgs.coreutils
    pkgs.findutils
    pkgs.gnugrep
    pkgs.gnused
  ];

  serviceModule =
    { name, config, ... }:
    let
      # NixOS's basic tools, not for a unit written home-manager style,
      # which keeps the user manager's PATH as home-manager's units do.
      basics = lib.optionals (!config.homeManagerStyle) defaultPath;
      entries = map (p: if builtins.isPath p then "${p}" else p) (config.path ++ basics);
      searchPath = "${lib.makeBinPath entries}:${lib.makeSearchPathOutput "bin" "sbin" entries}";
      environment =
        lib.filterAttrs (_: v: v != null) config.environment
        // lib.optionalAttrs (entries != [ ]) { PATH = searchPath; };
    in
    {
      options = {
        environment = mkOption {
          type = types.attrsOf (
            types.nullOr (
              types.oneOf [
                types.str
                types.path
                types.package
              ]
            )
          );
          default = { };
          example = {
            LANG = "en_GB.UTF-8";
          };
          description = "Environment variables of the service's processes (`Environment=`).";
        };
        path = mkOption {
          type = types.listOf (types.either types.package types.path);
          default = [ ];
          example = lib.literalExpression "[ pkgs.git ]";
          description = ''
            Packages whose `bin/` and `sbin/` folders make up `PATH`. When the
            bundle is built with `pkgs`, coreutils, findutils, gnugrep and
            gnused are added, as NixOS does, except to a unit written
            home-manager style (`Service.ExecStart`, ...), which keeps the
            user manager's `PATH` as in home-manager.
          '';
        };
        script = mkOption {
          type = types.lines;
          default = "";
          example = "exec my-daemon --verbose";
          description = "Shell commands run as `ExecStart=` (from a script in the bundle).";
        };
        preStart = mkOption {
          type = types.lines;
          default = "";
          example = "mkdir -p \"$RUNTIME_DIRECTORY/cache\"";
          description = "Shell commands run as `ExecStartPre=`.";
        };
        postStart = mkOption {
          type = types.lines;
          default = "";
          example = "until [ -S \"$RUNTIME_DIRECTORY/socket\" ]; do sleep 0.1; done";
          description = "Shell commands run as `ExecStartPost=`.";
        };
        serviceConfig = sectionOption "Service";
        startAt = mkOption {
          type = types.either types.str (types.listOf types.str);
          default = [ ];
          example = "daily";
          description = ''
            When to start the service (`OnCalendar=` syntax). Creates a timer
            of the same name, wanted by `timers.target`.
          '';
        };
        restartIfChanged = mkOption {
          type = types.bool;
          default = true;
          description = ''
            Whether a changed unit is restarted at activation. When false, the
            running service keeps its old definition until it is restarted.
          '';
        };
        reloadIfChanged = mkOption {
          type = types.bool;
          default = false;
          description = "Whether a changed unit is reloaded (`ExecReload=`) rather than restarted.";
        };
        stopIfChanged = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Whether a changed unit is stopped with its old definition (its old
            `ExecStop=`) before systemd reads the new one, and then started,
            rather than restarted. NixOS defaults to true; home-manager and
            this library restart.
          '';
        };
      };
      config.serviceConfig =
        lib.listToAttrs (
          map (s: {
            name = s.key;
            # A list, so that the script adds to `ExecStartPre=` of other
            # modules; a single `ExecStart=` conflicts with another one.
            value = if s.key == "ExecStart" then s.script.path else [ s.script.path ];
          }) (serviceScripts name config)
        )
        // lib.optionalAttrs (environment != { }) {
          Environment = lib.mapAttrsToList (n: v: builtins.toJSON "${n}=${toString v}") environment;
        }
        // lib.optionalAttrs (!config.restartIfChanged) { X-RestartIfChanged = false; }
        // lib.optionalAttrs config.reloadIfChanged { X-ReloadIfChanged = true; }
        // lib.optionalAttrs config.stopIfChanged { X-StopIfChanged = true; };
    };

  # A kind whose only options of its own are its section's keys.
  plainKind =
    option: suffix: section:
    let
      attr = "${lib.toLower section}Config";
    in
    {
      inherit
        option
        suffix
        section
        ;
      module.options.${attr} = sectionOption section;
      body = unit: unit.${attr};
    };

  # Every unit type: its option, suffix and section, and the options of its
  # own. A target has no section of its own, only `unitConfig`.
  allKinds = {
    services = {
      option = "services";
      suffix = "service";
      section = "Service";
      module = serviceModule;
      body = unit: unit.serviceConfig;
    };
    sockets = plainKind "sockets" "socket" "Socket";
    timers = plainKind "timers" "timer" "Timer";
    paths = plainKind "paths" "path" "Path";
    targets = {
      option = "targets";
      suffix = "target";
      section = "Target";
      module = { };
      body = _: { };
    };
  };

  # In this order, which is the order of the units in the plan.
  kinds = map (option: allKinds.${option} // { example = scope.kinds.${option}; }) (
    builtins.filter (option: scope.kinds ? ${option}) [
      "services"
      "sockets"
      "timers"
      "paths"
      "targets"
    ]
  );

  unitsOption =
    kind:
    mkOption {
      type = types.attrsOf (
        types.submodule [
          commonModule
          kind.module
        ]
      );
      default = { };
      example = lib.literalExpression kind.example;
      description = ''
        Units of the ${scope.manager} (${kind.option}), by name without the
        `.${kind.suffix}` suffix.
      '';
    };

  # How a changed unit is switched: `X-SwitchMethod` as home-manager's
  # sd-switch reads it, or what the NixOS flags of a service say.
  switchMethod =
    kind: unit:
    if unit.unitConfig ? X-SwitchMethod then
      toString unit.unitConfig.X-SwitchMethod
    else if kind.option != "services" then
      "restart"
    else if unit.reloadIfChanged then
      "reload"
    else if !unit.restartIfChanged then
      "keep-old"
    else if unit.stopIfChanged then
      "stop-start"
    else
      "restart";

  noCommands = "has no ExecStart=, ExecStop= or SuccessAction=";

  # Why systemd would refuse to load a service with these `[Service]` keys,
  # or null: its rules for `ExecStart=` (src/core/service.c,
  # service_verify). A service without `Type=` is `simple` with an
  # `ExecStart=`, `oneshot` without. An empty value empties a command
  # list, as in the unit file.
  startProblem =
    body:
    let
      commands =
        key:
        lib.foldl' (kept: v: if v == "" then [ ] else kept ++ [ v ]) [ ] (lib.toList (body.${key} or [ ]));
      start = commands "ExecStart";
      stop = commands "ExecStop";
      yes =
        v:
        v == true
        || builtins.elem (lib.toLower (toString v)) [
          "1"
          "yes"
          "y"
          "true"
          "t"
          "on"
        ];
      successAction =
        !(builtins.elem (toString (body.SuccessAction or "none")) [
          ""
          "none"
        ]);
      type = toString (body.Type or (if start == [ ] then "oneshot" else "simple"));
      remains = yes (body.RemainAfterExit or false);
    in
    if start == [ ] && stop == [ ] && !successAction then
      noCommands
    else if start == [ ] && type != "oneshot" then
      "is Type=${type} without ExecStart=, which only Type=oneshot may lack"
    else if start == [ ] && !remains && !successAction then
      "has no ExecStart=, and neither RemainAfterExit=yes nor SuccessAction="
    else if builtins.length start > 1 && type != "oneshot" then
      "is Type=${type} with ${toString (builtins.length start)} ExecStart= commands, which only Type=oneshot may have"
    else
      null;

  # Everything one kind of unit lowers into: link nodes and unit entries.
  lowerKind =
    kind:
    let
      path = scope.path ++ [ kind.option ];
      option = lib.attrByPath path null options;
      lower =
        name: unit:
        let
          unitName = "${name}.${kind.suffix}";
          origin = provenance.of option path name;
          method = switchMethod kind unit;
          text = unitFile.render {
            option = origin.declaredBy;
            inherit unit;
            inherit (kind) section;
            body = kind.body unit;
            switchMethod = method;
          };
          link =
            relative:
            {
              id = "unit:${relative}";
              kind = "link";
              target = "${unitDir}/${relative}";
              inherit text;
            }
            // origin;
          dependents = dir: map (target: link "${target}.${dir}/${unitName}");
        in
        {
          links = [
            (link unitName)
          ]
          ++ dependents "wants" unit.wantedBy
          ++ dependents "requires" unit.requiredBy;
          entry = {
            name = unitName;
            target = "${unitDir}/${unitName}";
            switchMethod = method;
            wantedBy = unit.wantedBy ++ unit.requiredBy;
          }
          // origin;
          scripts = lib.optionals (kind.option == "services") (
            map (s: lib.nameValuePair s.script.name s.script.content) (serviceScripts name unit)
          );
          unstartable =
            let
              problem = if kind.option == "services" then startProblem (kind.body unit) else null;
            in
            lib.optional (problem != null) {
              inherit unitName problem;
              inherit (origin) declaredBy definedIn;
            };
        };
    in
    lib.mapAttrsToList lower (lib.filterAttrs (_: unit: unit.enable) (scoped config).${kind.option});

  lowered = lib.concatMap lowerKind kinds;
  links = lib.concatMap (unit: unit.links) lowered;
  unstartable = lib.concatMap (unit: unit.unstartable) lowered;
  definedBy = lib.listToAttrs (
    map (unit: lib.nameValuePair unit.entry.name unit.entry.declaredBy) lowered
  );

  # A unit file in the scope's folder hides every unit of its name
  # installed elsewhere; one that can never start would silently disable
  # such a unit (a home-manager habit: `Service.Environment` alone, meant as
  # an override). Each one is named, with the drop-in that was meant.
  checkStartable =
    nodes:
    if unstartable == [ ] then
      nodes
    else
      throw ''
        ${
          if builtins.length unstartable == 1 then "This service" else "These services"
        } could never start: systemd would refuse to load ${
          if builtins.length unstartable == 1 then "it" else "them"
        }.
        ${lib.concatMapStrings (
          unit: "  ${unit.declaredBy} ${unit.problem} (in ${lib.concatStringsSep ", " unit.definedIn})\n"
        ) unstartable}
        To define a service, give it a command: `serviceConfig.ExecStart`${
          lib.optionalString (scope.name == "user") " (home-manager\nstyle: `Service.ExecStart`)"
        } or `script`.

        To change a unit installed elsewhere (by your distribution, or a package), do not
        define it here: a unit file in ${scope.folder} replaces every unit of that
        name. Override it with a drop-in instead, which changes only the keys you give:

          ${overridesOption}."${example.unitName}" = {
            Service.Environment = [ "NAME=value" ];
          };
      '';

  # The unit the drop-in example names: one without any command is the
  # likeliest to be meant as an override.
  example = lib.findFirst (unit: unit.problem == noCommands) (builtins.head unstartable) (
    unstartable
  );

  overrides = (scoped config).overrides;
  overridesPath = scope.path ++ [ "overrides" ];
  overridesOption = lib.showOption overridesPath;
  overrideTarget = unit: "${unitDir}/${unit}.d/activation-manager.conf";

  # A drop-in file, and a command that makes the manager read it, run
  # when the file changed.
  reloadDropIns = scope.reload;

  lowerOverride =
    unit: sections:
    let
      origin = provenance.of (lib.getAttrFromPath overridesPath options) overridesPath unit;
      target = overrideTarget unit;
    in
    if !(lib.any (suffix: lib.hasSuffix ".${suffix}" unit) overrideSuffixes) then
      throw ''
        `${origin.declaredBy}` does not name a unit: a unit name ends in its type, one of
        ${
          lib.concatMapStringsSep ", " (suffix: ".${suffix}") overrideSuffixes
        } (${overridesOption}."${unit}.service").
      ''
    else if definedBy ? ${unit} then
      throw ''
        `${origin.declaredBy}` overrides ${unit}, which this configuration defines itself
        (${definedBy.${unit}}): change that definition instead.
      ''
    else
      [
        (
          {
            id = "unit:${unit}.d/activation-manager.conf";
            kind = "link";
            inherit target;
            text = unitFile.dropIn {
              option = origin.declaredBy;
              inherit sections;
            };
          }
          // origin
        )
        (
          {
            id = "override:${unit}";
            kind = "exec";
            argv = [
              reloadDropIns.path
              unit
            ];
            whenChanged = [ target ];
            after = lib.optional (lowered != [ ]) unitsId;
          }
          // origin
        )
      ];

  # The unit types a manager has.
  overrideSuffixes = [
    "service"
    "socket"
    "timer"
    "path"
    "target"
    "slice"
    "mount"
    "automount"
    "scope"
  ];

  unitsId = "systemd:${scope.name}";
in
{
  options = lib.setAttrByPath scope.path (
    lib.listToAttrs (map (kind: lib.nameValuePair kind.option (unitsOption kind)) kinds)
    // {
      overrides = mkOption {
        type = types.attrsOf (types.attrsOf (types.attrsOf unitValue));
        default = { };
        example = lib.literalExpression ''
          {
            "pipewire.service" = {
              Service.Environment = [ "PIPEWIRE_LATENCY=128/48000" ];
            };
          }
        '';
        description = ''
          Drop-ins for units installed elsewhere (by your distribution, or a
          package), by unit name with its type (`"pipewire.service"`): each
          is written as `<unit>.d/activation-manager.conf` in
          `${scope.folder}`, with the sections and keys given
          (a list repeats a key, `""` empties a list such as `ExecStart=`).
          Only those keys change; the unit keeps the rest of its file.

          When a drop-in is new or changed, the ${scope.manager} reloads and a
          unit that runs restarts with it (`${scope.systemctl} try-restart`).
          A drop-in that is removed is gone from the next `daemon-reload`
          on; a unit that runs keeps its settings until it restarts.

          A unit this configuration defines
          (`${lib.showOption (scope.path ++ [ "services" ])}.<name>`) cannot
          be overridden: change its definition instead. A service defined
          here without a command (`ExecStart=`) fails the build, since its
          file would hide the unit installed elsewhere.
        '';
      };
    }
  );

  config =
    lib.setAttrByPath scope.path {
      # `startAt` makes a timer of the same name, as in NixOS.
      timers = lib.mapAttrs (_: service: {
        wantedBy = [ "timers.target" ];
        timerConfig.OnCalendar = service.startAt;
      }) (lib.filterAttrs (_: s: s.enable && s.startAt != [ ]) (scoped config).services);
    }
    // {
      am.scripts =
        lib.listToAttrs (lib.concatMap (unit: unit.scripts) lowered)
        // lib.optionalAttrs (overrides != { }) { ${reloadDropIns.name} = reloadDropIns.content; };

      am.loweredNodes = checkStartable (
        lib.optionals (lowered != [ ]) (
          links
          ++ [
            (
              {
                id = unitsId;
                kind = "systemd-units";
                declaredBy = lib.showOption scope.path;
                # The manager reads unit files once, at `daemon-reload`: every
                # file and `.wants` link must be in place before.
                after = map (link: link.id) links ++ scope.unitsAfter;
                units = map (unit: unit.entry) lowered;
              }
              # A user manager's is the default.
              // lib.optionalAttrs (scope.name != "user") { scope = scope.name; }
            )
          ]
        )
        ++ lib.concatLists (lib.mapAttrsToList lowerOverride overrides)
      );
    };
}
