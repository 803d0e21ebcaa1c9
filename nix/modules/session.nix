# The session: `home.sessionVariables`, `home.sessionPath` and
# `home.sessionSearchVariables` become home-manager's `hm-session-vars.sh`
# (its `__HM_SESS_VARS_SOURCED` guard included), `systemd.user.sessionVariables`
# becomes `<xdg.configHome>/environment.d/10-home-manager.conf`, and
# `home.shellAliases` a file of `alias` lines for bash and zsh.
#
# home-manager installs `hm-session-vars.sh` into the profile
# (`~/.nix-profile/etc/profile.d/`). activation-manager installs only
# `home.packages` there (`packages.nix`), so the file is linked at
# `<xdg.dataHome>/activation-manager/`, beside the aliases;
# `am.sessionVariablesText` holds its text for whatever installs it
# elsewhere. Each file is written only when there is something in it.
#
# A value may be a Lua value (`lib.am.mkLua "expr"`), computed when
# activating: the file is then a copy whose text is computed in Lua.
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };
  cfg = config.home;

  isLua = lib.isType "lua-inline";

  # Text made of pieces, some of them Lua values: a string when none is, else
  # the Lua expression concatenating them (neighbouring strings as one
  # literal).
  joinPieces =
    pieces:
    let
      merged = lib.foldl' (
        acc: piece:
        if !isLua piece && acc != [ ] && !isLua (lib.last acc) then
          lib.init acc ++ [ (lib.last acc + piece) ]
        else
          acc ++ [ piece ]
      ) [ ] pieces;
    in
    if !lib.any isLua pieces then
      lib.concatStrings pieces
    else
      lib.generators.mkLuaInline (
        lib.concatMapStringsSep " .. " (
          piece: if isLua piece then "(${piece.expr})" else lib.generators.toLua { } piece
        ) merged
      );

  # A value as the shell and environment.d write it; a Lua value stays one.
  valueText =
    value:
    if isLua value then
      value
    else if builtins.isBool value then
      lib.boolToString value
    else
      toString value;

  # `export NAME="value"`, home-manager's rendering: double quotes, so that
  # `$HOME` and `${VAR:-default}` are expanded by the shell.
  export = name: value: [
    "export ${name}=\""
    (valueText value)
    "\"\n"
  ];

  # `export NAME="a:b${NAME:+:}$NAME"`: prepends the entries to what the
  # variable already holds.
  prepend =
    name: entries:
    export name (
      joinPieces (lib.intersperse ":" (map valueText entries) ++ [ "\${${name}:+:}\$${name}" ])
    );

  sessionVariables = lib.filterAttrs (_: value: value != null) cfg.sessionVariables;
  searchVariables =
    cfg.sessionSearchVariables
    // lib.optionalAttrs (cfg.sessionPath != [ ]) {
      PATH = cfg.sessionPath ++ (cfg.sessionSearchVariables.PATH or [ ]);
    };

  sessionScript = joinPieces (
    [
      "# Session variables of this home (home.sessionVariables, home.sessionPath).\n"
      "# Only source this once.\n"
      "if [ -n \"\${__HM_SESS_VARS_SOURCED-}\" ]; then return; fi\n"
      "export __HM_SESS_VARS_SOURCED=1\n"
      "\n"
    ]
    ++ lib.concatLists (lib.mapAttrsToList export sessionVariables)
    ++ lib.concatLists (lib.mapAttrsToList prepend searchVariables)
  );
  hasSession = sessionVariables != { } || searchVariables != { };

  environmentD = joinPieces (
    lib.concatLists (
      lib.mapAttrsToList (name: value: [
        "${name}="
        (valueText value)
        "\n"
      ]) config.systemd.user.sessionVariables
    )
  );

  aliases = lib.concatStrings (
    [ "# Shell aliases of this home (home.shellAliases), for bash and zsh to source.\n" ]
    ++ lib.mapAttrsToList (
      name: command: "alias -- ${name}=${lib.escapeShellArg command}\n"
    ) cfg.shellAliases
  );

  dataDir = "${config.am.xdgRelative.dataHome}/activation-manager";
  environmentDTarget = "${config.am.xdgRelative.configHome}/environment.d/10-home-manager.conf";

  # One file node: a link of its text, or a copy when a Lua value computes it.
  fileNode =
    target: text: origin:
    {
      id = "file:${target}";
      kind = if isLua text then "copy" else "link";
      inherit target text;
    }
    // origin;

  # Provenance of a node made from several whole options: the first one
  # that is set declares it.
  from =
    paths:
    let
      option = path: lib.attrByPath path null options;
      set = builtins.filter (path: (option path).highestPrio < 1500) paths;
      each = map (path: provenance.whole (option path) path) (if set == [ ] then paths else set);
    in
    {
      inherit (builtins.head each) declaredBy;
      definedIn = lib.unique (lib.concatMap (origin: origin.definedIn) each);
    };

  variableValue = types.oneOf [
    types.str
    types.path
    types.int
    types.float
    types.bool
    types.luaInline
  ];

  xdgVariables =
    lib.mapAttrs'
      (
        name: variable:
        lib.nameValuePair variable (
          let
            folder = config.am.xdgRelative.${name};
          in
          if lib.hasPrefix "/" config.xdg.${name} then config.xdg.${name} else "$HOME/${folder}"
        )
      )
      {
        cacheHome = "XDG_CACHE_HOME";
        configHome = "XDG_CONFIG_HOME";
        dataHome = "XDG_DATA_HOME";
        stateHome = "XDG_STATE_HOME";
      };
in
{
  options = {
    home.sessionVariables = mkOption {
      type = types.lazyAttrsOf (types.nullOr variableValue);
      default = { };
      example = {
        EDITOR = "nvim";
        GS_OPTIONS = "-sPAPERSIZE=a4";
      };
      description = ''
        Environment variables of login shells, written as home-manager
        writes them: `export NAME="value"` lines in `hm-session-vars.sh`,
        which sets them once per session (`__HM_SESS_VARS_SOURCED`). The
        value is in double quotes, so `$HOME` or `''${EDITOR:-vi}` are
        expanded by the shell; `null` leaves a variable out. A Lua value
        (`lib.am.mkLua "expr"`) is computed when activating.

        The file is `~/.local/share/activation-manager/hm-session-vars.sh`
        (under `xdg.dataHome`): source it from your shell's profile,

        ```sh
        . "$HOME/.local/share/activation-manager/hm-session-vars.sh"
        ```

        home-manager puts it in the Nix profile
        (`~/.nix-profile/etc/profile.d/hm-session-vars.sh`); activation-manager
        installs only `home.packages` there. Variables of the systemd user
        manager (and so of graphical sessions) are
        `systemd.user.sessionVariables`.
      '';
    };

    home.sessionPath = mkOption {
      type = types.listOf (types.either types.str types.luaInline);
      default = [ ];
      example = [
        "$HOME/.local/bin"
        "$HOME/.cargo/bin"
      ];
      description = ''
        Folders put in front of `PATH` by `hm-session-vars.sh` (see
        `home.sessionVariables`), in this order:
        `export PATH="$HOME/.local/bin:$HOME/.cargo/bin''${PATH:+:}$PATH"`.
        `$HOME` and other variables are expanded by the shell.
      '';
    };

    home.sessionSearchVariables = mkOption {
      type = types.attrsOf (types.listOf (types.either types.str types.luaInline));
      default = { };
      example = {
        MANPATH = [ "$HOME/.local/share/man" ];
      };
      description = ''
        Folders put in front of other search-path variables by
        `hm-session-vars.sh`, as `home.sessionPath` does for `PATH`.
      '';
    };

    home.shellAliases = mkOption {
      type = types.attrsOf types.str;
      default = { };
      example = {
        g = "git";
        "..." = "cd ../..";
      };
      description = ''
        Shell aliases. home-manager writes them into the configuration of
        the shells its `programs.bash`, `programs.zsh`, ... modules manage;
        activation-manager does not manage shell configuration, so it writes
        them as `alias -- NAME='command'` lines to
        `~/.local/share/activation-manager/shell-aliases.sh` (under
        `xdg.dataHome`), for your `~/.bashrc` or `~/.zshrc` to source:

        ```sh
        . "$HOME/.local/share/activation-manager/shell-aliases.sh"
        ```
      '';
    };

    systemd.user.sessionVariables = mkOption {
      type = types.attrsOf (
        types.oneOf [
          types.int
          types.str
          types.luaInline
        ]
      );
      default = { };
      example = {
        EDITOR = "nvim";
      };
      description = ''
        Environment variables of the systemd user manager, and so of user
        services and of graphical sessions it starts: `NAME=value` lines in
        `<xdg.configHome>/environment.d/10-home-manager.conf`, the file
        home-manager writes (see `environment.d(5)` for the syntax). They
        apply from the next login. A Lua value (`lib.am.mkLua "expr"`) is
        computed when activating.
      '';
    };

    xdg.enable = mkOption {
      type = types.bool;
      default = false;
      description = ''
        As in home-manager: sets `XDG_CACHE_HOME`, `XDG_CONFIG_HOME`,
        `XDG_DATA_HOME` and `XDG_STATE_HOME` to `xdg.cacheHome` & co. in
        `home.sessionVariables` and `systemd.user.sessionVariables`, so that
        programs look where the `xdg.*File` options put files. (Without
        `home.homeDirectory` the values are `$HOME/.config` & co., which the
        shell and `environment.d` expand.) home-manager's `XDG_BIN_HOME` is
        not set: there is no `xdg.binHome`.
      '';
    };

    am.sessionVariablesText = mkOption {
      type = types.nullOr (types.either types.str types.luaInline);
      internal = true;
      readOnly = true;
      default = if hasSession then sessionScript else null;
      description = ''
        The text of `hm-session-vars.sh`, or `null` when no session
        variable or path is set: for whatever installs it besides the link
        under `xdg.dataHome`.
      '';
    };
  };

  config = {
    home.sessionVariables = lib.mkIf config.xdg.enable xdgVariables;
    systemd.user.sessionVariables = lib.mkIf config.xdg.enable xdgVariables;

    am.loweredNodes =
      lib.optional hasSession (
        fileNode "${dataDir}/hm-session-vars.sh" sessionScript (from [
          [
            "home"
            "sessionVariables"
          ]
          [
            "home"
            "sessionPath"
          ]
          [
            "home"
            "sessionSearchVariables"
          ]
        ])
      )
      ++ lib.optional (config.systemd.user.sessionVariables != { }) (
        fileNode environmentDTarget environmentD (from [
          [
            "systemd"
            "user"
            "sessionVariables"
          ]
        ])
      )
      ++ lib.optional (cfg.shellAliases != { }) (
        fileNode "${dataDir}/shell-aliases.sh" aliases (from [
          [
            "home"
            "shellAliases"
          ]
        ])
      );
  };
}
