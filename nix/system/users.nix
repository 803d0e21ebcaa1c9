# `users.users.<name>` and `users.groups.<name>`, with NixOS's option names
# and meaning, for the accounts a machine's services run as. They are
# lowered to one `accounts` node: `am` creates the missing ones with the
# distribution's `groupadd` and `useradd`, leaves existing ones as they are
# (reporting a difference), and locks (never deletes) an account a
# previous generation created and this one dropped.
#
# The node waits for the links in /etc (useradd reads /etc/login.defs and
# /etc/default/useradd, which may be among them); copies owned by these
# accounts, tmpfiles rules and units wait for it (./phases.nix).
#
# NixOS's checks come along as assertions: a user needs a group, is either
# a system user or a normal one, and ids are unique.
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };
  phases = import ./phases.nix { inherit config; };

  cfg = config.users;

  # A name shadow's `is_valid_name` takes, as NixOS checks it, with its
  # length limit.
  validName =
    name: builtins.match "[a-zA-Z0-9_.][a-zA-Z0-9_.-]*" name != null && builtins.stringLength name < 32;
  nameRule = "a name has at most 31 characters (letters, digits, `_`, `.` and `-`), and does not start with `-`";

  # A login shell: a package that says which of its files is the shell
  # (`passthru.shellPath`, as `pkgs.bash` has), or a path.
  shellType = types.either (types.addCheck types.package (p: p ? shellPath)) types.path;
  shellPath = shell: if lib.isDerivation shell then "${shell}${shell.shellPath}" else toString shell;

  nameOption =
    name: what:
    mkOption {
      type = types.str;
      default = name;
      defaultText = lib.literalExpression "<name>";
      example = "backup";
      description = "The ${what}'s name. Defaults to the attribute name.";
    };

  userModule =
    { name, config, ... }:
    {
      options = {
        enable = mkOption {
          type = types.bool;
          default = true;
          description = ''
            Whether the account exists. `false` leaves it out; an account a
            previous generation created is then locked.
          '';
        };
        name = nameOption name "account";
        description = mkOption {
          type = types.str;
          default = "";
          example = "Nightly backups";
          description = "What the account is for (the comment, or GECOS, field of `/etc/passwd`).";
        };
        uid = mkOption {
          type = types.nullOr types.int;
          default = null;
          example = 990;
          description = ''
            The account's user id; `null` lets `useradd` pick a free one (in
            the system range for a system user).
          '';
        };
        isSystemUser = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Whether this is a system user, for a service: its id is picked in
            the system range (below 1000) and it gets no home unless
            `createHome` is set. Exactly one of `isSystemUser` and
            `isNormalUser` must be true.
          '';
        };
        isNormalUser = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Whether this is an account for a person: it sets `group` to
            `users`, `home` to `/home/<name>` and `createHome` to true, as in
            NixOS. Exactly one of `isSystemUser` and `isNormalUser` must be
            true.
          '';
        };
        group = mkOption {
          type = types.str;
          default = "";
          example = "backup";
          description = ''
            The account's primary group: one of `users.groups`, or a group
            the machine already has. It must be set (NixOS's rule): a
            service user usually has a group of its own,
            `users.groups.<name> = { };`.
          '';
        };
        extraGroups = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [ "systemd-journal" ];
          description = ''
            The account's supplementary groups. They are joined with
            `gpasswd --add`, also by an account the machine already has,
            and left once dropped from here (only those an activation
            joined: a membership the machine had stays).
          '';
        };
        home = mkOption {
          type = types.str;
          default = "/var/empty";
          example = "/var/lib/backup";
          description = ''
            The account's home folder, as `/etc/passwd` says it. It is made
            only with `createHome`.
          '';
        };
        createHome = mkOption {
          type = types.bool;
          default = false;
          description = ''
            Whether `useradd` makes the home folder (owned by the account)
            when it creates the account.
          '';
        };
        shell = mkOption {
          type = types.nullOr shellType;
          default = if config.isNormalUser then null else "/usr/sbin/nologin";
          defaultText = lib.literalMD ''
            `"/usr/sbin/nologin"`, or `null` (useradd's default) for a
            normal user
          '';
          example = "/bin/bash";
          description = ''
            The account's login shell: a path, or a package with a
            `shellPath` (`pkgs.zsh`). A system user gets the distribution's
            `nologin`, as NixOS gives one; `null` leaves it to `useradd`.
            An account outlives the bundles that made it, so a shell from
            the Nix store must stay there: install it in a profile rather
            than naming the package here.
          '';
        };
      };

      config = lib.mkIf config.isNormalUser {
        group = lib.mkDefault "users";
        home = lib.mkDefault "/home/${config.name}";
        createHome = lib.mkDefault true;
      };
    };

  groupModule =
    { name, ... }:
    {
      options = {
        name = nameOption name "group";
        gid = mkOption {
          type = types.nullOr types.int;
          default = null;
          example = 990;
          description = "The group's id; `null` lets `groupadd` pick a free one.";
        };
        members = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [ "jane" ];
          description = ''
            Users added to the group besides those that name it in
            `extraGroups`, such as accounts the machine already has. A
            member the machine does not have is reported and skipped.
            Dropping a member removes it from the group only if an
            activation added it.
          '';
        };
      };
    };

  # Each with `key`, its attribute name, which names its options.
  withKeys = lib.mapAttrsToList (key: entry: entry // { inherit key; });
  users = withKeys (lib.filterAttrs (_: user: user.enable) cfg.users);
  groups = withKeys cfg.groups;

  userOption =
    user:
    lib.showOption [
      "users"
      "users"
      user.key
    ];
  groupOption =
    group:
    lib.showOption [
      "users"
      "groups"
      group.key
    ];

  # A group's members declared here join it through their `extraGroups`;
  # only the others (accounts the machine already has) are the group's
  # `members` in the compiler input.
  userNames = map (user: user.name) users;
  joining =
    user:
    map (group: group.name) (builtins.filter (group: builtins.elem user.name group.members) groups);

  lowerUser = user: {
    inherit (user)
      name
      uid
      group
      home
      createHome
      description
      isSystemUser
      ;
    extraGroups = lib.unique (user.extraGroups ++ joining user);
    shell = if user.shell == null then null else shellPath user.shell;
  };

  lowerGroup =
    group:
    let
      others = builtins.filter (member: !builtins.elem member userNames) group.members;
    in
    {
      inherit (group) name gid;
    }
    // lib.optionalAttrs (others != [ ]) { members = others; };

  # The ids two accounts (or groups) share, each with the names using it.
  shared =
    entries: idOf:
    lib.filterAttrs (_: names: builtins.length names > 1) (
      lib.mapAttrs (_: map (entry: entry.name)) (
        lib.groupBy (entry: toString (idOf entry)) (builtins.filter (entry: idOf entry != null) entries)
      )
    );
  describeShared =
    what: ids:
    lib.concatStringsSep ", " (
      lib.mapAttrsToList (id: names: "${what} ${id} (${lib.concatStringsSep ", " names})") ids
    );
  sharedUids = shared users (user: user.uid);
  sharedGids = shared groups (group: group.gid);

  userAssertions =
    user:
    let
      option = userOption user;
      # NixOS's rule: a user with a low id counts as a system user.
      systemUser = user.isSystemUser || (user.uid != null && user.uid < 1000 && !user.isNormalUser);
    in
    [
      {
        assertion = validName user.name;
        message = "The user name \"${user.name}\" (${option}) is not valid: ${nameRule}.";
      }
      {
        assertion = user.group != "";
        message = ''
          ${option}.group is unset. Every user needs a primary group; a
          service user usually has one of its own:

            ${option}.group = "${user.name}";
            ${
              lib.showOption [
                "users"
                "groups"
                user.name
              ]
            } = { };'';
      }
      {
        assertion = systemUser != user.isNormalUser;
        message = ''
          Exactly one of ${option}.isSystemUser and ${option}.isNormalUser
          must be set: isSystemUser for a service's account, isNormalUser for
          a person's.'';
      }
      {
        assertion = user.isNormalUser && user.uid != null -> user.uid >= 1000;
        message = ''
          ${option}.uid is ${toString user.uid}, below 1000, but the user is a normal
          user (isNormalUser). Give it an id of 1000 or above, or make it a
          system user (isSystemUser = true instead of isNormalUser).'';
      }
    ];
in
{
  options.users = {
    users = mkOption {
      type = types.attrsOf (types.submodule userModule);
      default = { };
      example = lib.literalExpression ''
        {
          backup = {
            isSystemUser = true;
            group = "backup";
            home = "/var/lib/backup";
            createHome = true;
            description = "Nightly backups";
          };
        }
      '';
      description = ''
        Accounts, by name, with NixOS's options: usually the accounts the
        machine's services run as (`serviceConfig.User`). A missing one is
        created with `useradd` (and `--root` under `am --root`), after the
        links in `/etc` and before the copies, tmpfiles rules and units that
        may name it. One that exists is left as it is but for its
        `extraGroups`, which it joins; where it differs from its other
        options, the activation says so. An account is never
        deleted, nor its files: one that a previous generation created and
        this one no longer has is locked (`usermod --lock --expiredate 1`),
        and creating it again unlocks it. Passwords and SSH keys are not
        managed.
      '';
    };

    groups = mkOption {
      type = types.attrsOf (types.submodule groupModule);
      default = { };
      example = lib.literalExpression ''
        {
          backup = { };
          web.gid = 980;
        }
      '';
      description = ''
        Groups, by name, with NixOS's options. A missing one is created
        with `groupadd` before the accounts; one that exists is left as it
        is, with the members added. A group a previous generation created
        and this one no longer has stays.
      '';
    };
  };

  config = {
    assertions =
      lib.concatMap userAssertions users
      ++ [
        {
          assertion = sharedUids == { } && sharedGids == { };
          message = "Accounts or groups share an id: ${
            lib.concatStringsSep "; " (
              lib.filter (text: text != "") [
                (describeShared "uid" sharedUids)
                (describeShared "gid" sharedGids)
              ]
            )
          }. Give each its own, or leave it `null` to have one picked.";
        }
      ]
      ++ map (group: {
        assertion = validName group.name;
        message = "The group name \"${group.name}\" (${groupOption group}) is not valid: ${nameRule}.";
      }) groups;

    am.loweredNodes = lib.optional (users != [ ] || groups != [ ]) {
      id = "accounts";
      kind = "accounts";
      declaredBy = "users";
      # Both options, each only when set (an unset one's only definition
      # is its default, in this file).
      definedIn = lib.unique (
        lib.concatMap (name: (provenance.whole options.users.${name} [ ]).definedIn) (
          builtins.filter (name: cfg.${name} != { }) [
            "users"
            "groups"
          ]
        )
      );
      after = phases.links;
      groups = map lowerGroup groups;
      users = map lowerUser users;
    };
  };
}
