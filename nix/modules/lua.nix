# `lua.tasks.<name>`: Lua chunks run at activation time, each lowered into
# one `lua` node with id `lua:<name>`. A chunk changes the home only through
# the `am` API (lua/am.lua): the nodes it creates run right after it, with
# the pre-check, journal and rollback of compiled ones.
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };
  nodeOptions = import ../node-options.nix { inherit lib; };

  taskModule = {
    options = {
      script = mkOption {
        # A Nix path is not a string, so `lines` never takes one.
        type = types.either types.lines types.path;
        example = lib.literalExpression ''
          '''
            for _, name in ipairs(am.fs.list("Pictures/wallpapers")) do
              am.link{
                target = ".local/share/backgrounds/" .. name,
                source = am.home .. "/Pictures/wallpapers/" .. name,
              }
            end
          '''
        '';
        description = ''
          The Lua chunk: its text, or a Nix path to a `.lua` file (no
          quotes: `./tasks/wallpapers.lua`), whose text is read when the
          configuration is evaluated and built into the bundle. The build
          checks its syntax. At activation time it sees the `am` API
          (`am.link`, `am.copy`, `am.exec`, `am.dconf`, `am.fs`, ...; see
          the Lua API reference) and a safe subset of Lua's standard
          library, without `io` and `os.execute`: whatever it changes goes
          through the API, so dry run, journal and rollback cover it.
        '';
      };
      timeout = mkOption {
        type = types.nullOr types.ints.positive;
        default = null;
        example = 300;
        description = ''
          Seconds after which the chunk, if still running, is stopped and
          fails; `null` allows 60. A chunk only computes and creates nodes,
          which takes milliseconds; commands it creates have their own
          `timeout`.
        '';
      };
    }
    // nodeOptions {
      name = "the task";
      created = true;
    };
  };

  lower =
    name: task:
    {
      id = "lua:${name}";
      kind = "lua";
      script = if builtins.isString task.script then task.script else builtins.readFile task.script;
      inherit (task) after before required;
    }
    # The file a script was read from names it in Lua's messages, at build
    # time and at activation time.
    // lib.optionalAttrs (!builtins.isString task.script) { scriptFile = toString task.script; }
    // lib.optionalAttrs (task.timeout != null) { inherit (task) timeout; }
    // provenance.of options.lua.tasks [ "lua" "tasks" ] name;
in
{
  options.lua.tasks = mkOption {
    type = types.attrsOf (types.submodule taskModule);
    default = { };
    example = lib.literalExpression ''
      {
        wallpapers.script = ./wallpapers.lua;
        color-scheme = {
          script = '''
            local dark = am.env("AM_THEME") ~= "light"
            am.dconf{ ["org/gnome/desktop/interface"] = {
              ["color-scheme"] = dark and "'prefer-dark'" or "'default'",
            } }
          ''';
          required = false;
        };
      }
    '';
    description = ''
      Lua tasks, run while activating, by name; each is the node
      `lua:<name>`. A task decides at activation time what no build can
      know (which files a folder holds, the host's name, the environment)
      and creates nodes through the `am` API, which run right after it.
      A target a task no longer creates is cleaned up like any target the
      configuration dropped.
    '';
  };

  config.am.loweredNodes = lib.mapAttrsToList lower config.lua.tasks;
}
