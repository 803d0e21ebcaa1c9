# `am.nodes`: raw plan nodes, the escape hatch under every other option,
# `am.loweredNodes`, the list every option module lowers into, and
# `am.role`, whether the bundle is a home's or a system's.
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

  nodeModule =
    { name, ... }:
    {
      # The fields of each kind are checked by the compiler, which reports
      # unknown or mistyped fields of every node at once, with the node's id.
      freeformType = types.attrsOf types.anything;
      options = {
        kind = mkOption {
          type = types.str;
          example = "exec";
          description = ''
            What the node does: `link` (fields `target`, `source` or `text`,
            `executable`, `force`), `copy` (the same, with `permissions`
            instead of `executable` if you like), `tree` (`target`, `source`
            folder, `mode` `"link"` or `"copy"`, `permissions`, `force`),
            `exec` (fields `argv`, `env`, `cwd`, `timeout` in seconds, and
            `whenChanged`: targets whose change makes it run), `dconf`
            (`settings`: folder to key to GVariant text), `lua` (`script`:
            a Lua chunk run when activating, see `lua.tasks`) or `profile`
            (`path`, a package tree installed into the Nix profile at
            `profile` as one entry, and `packages`, what it holds, by
            `name`, `version` and `outputs`: see `home.packages`). A link's or
            copy's `target` and `source`, a copy's `text`, `argv` items,
            `env` values, `cwd` and dconf values may be Lua values
            (`lib.am.mkLua "expr"`), computed when activating. A system
            bundle has `tmpfiles` (`target`: the rules file) and
            `accounts` (`users`, `groups`, as `users.users` lowers them)
            too, and its copies may have an `owner` and a `group`; it has
            no `profile`.
          '';
        };
      }
      // nodeOptions { name = "this node"; };
    };
in
{
  options.am = {
    nodes = mkOption {
      type = types.attrsOf (types.submodule nodeModule);
      default = { };
      example = lib.literalExpression ''
        {
          hello = {
            kind = "exec";
            argv = [ "/bin/sh" "-c" "echo hello > $HOME/hello" ];
            after = [ "file:.config/git/config" ];
          };
        }
      '';
      description = ''
        Raw plan nodes, keyed by id. Every other option is lowered into nodes
        like these; use this for what no option covers yet.
      '';
    };

    backupFileExtension = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "backup";
      description = ''
        When a file you made is where a target goes, move it to
        `<path>.<extension>` instead of stopping the activation. An existing
        backup is never overwritten (unless `--overwrite-backup`), and the
        original is moved back when the target stops being managed.
        `--backup-ext` on the command line takes precedence.
      '';
    };

    scripts = mkOption {
      type = types.attrsOf types.str;
      internal = true;
      default = { };
      description = ''
        Executable files the compiler writes into the bundle as
        `scripts/<name>`, by name. Options refer to them as
        `''${builtins.placeholder "out"}/scripts/<name>`, which Nix turns into
        the bundle's path.
      '';
    };

    role = mkOption {
      type = types.enum [
        "home"
        "system"
      ];
      internal = true;
      readOnly = true;
      description = ''
        What the bundle activates, set by `homeBundle` or `systemBundle`:
        a home, or a machine (its `/etc`, system units and accounts).
      '';
    };

    loweredNodes = mkOption {
      type = types.listOf types.raw;
      internal = true;
      default = [ ];
      description = ''
        Every node of the bundle, as handed to the compiler. A list rather than
        an attrset so that two options producing one id are reported by the
        compiler instead of being merged.
      '';
    };
  };

  config.am.loweredNodes = lib.mapAttrsToList (
    id: node:
    node
    // {
      inherit id;
    }
    // provenance.of options.am.nodes [ "am" "nodes" ] id
  ) config.am.nodes;
}
