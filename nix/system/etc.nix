# `environment.etc.<name>`, with NixOS's options and meaning, so that NixOS
# snippets port unchanged. Every enabled entry is one node with id
# `etc:<target>` (targets are relative to /etc): a `link` by default
# (`mode = "symlink"`: /etc/<target> links into the bundle through
# /etc/.activation-manager/static), or a `copy` with the mode, owner and
# group given (`mode = "0640"`).
#
# A copy with an owner waits for the accounts node, which may create it
# (the compiler adds that edge).
{
  lib,
  config,
  options,
  ...
}:
let
  inherit (lib) mkOption types;
  provenance = import ../provenance.nix { inherit lib; };

  # NixOS's pair of options for the owner (or the group) of a copy: the
  # number, and the name that takes precedence over it.
  ownership =
    config:
    {
      id,
      name,
      what,
      file,
    }:
    {
      ${id} = mkOption {
        type = types.int;
        default = 0;
        example = 993;
        description = ''
          The ${what} of a copy, as a number; `${name}` takes precedence.
          Only copies (a `mode` other than `symlink`) have one.
        '';
      };
      ${name} = mkOption {
        type = types.str;
        default = "+${toString config.${id}}";
        defaultText = lib.literalExpression ''"+''${toString config.${id}}"'';
        example = "nginx";
        description = ''
          The ${what} of a copy: a name, looked up in `${file}` of the root
          activated into when the copy is written (after `users.users` and
          `users.groups` are made), or `+<${id}>`. Only copies (a `mode`
          other than `symlink`) have one. The default, `+0`, leaves it to
          whoever activates: root, or the owner of a `--root` tree.
        '';
      };
    };

  etcModule =
    { name, config, ... }:
    {
      options = {
        enable = mkOption {
          type = types.bool;
          default = true;
          description = ''
            Whether this file is made. `false` leaves it out (and removes
            it, when an earlier generation made it).
          '';
        };
        target = mkOption {
          type = types.str;
          default = name;
          defaultText = lib.literalExpression "<name>";
          example = "ssh/sshd_config.d/10-no-passwords.conf";
          description = ''
            Path of the file, relative to `/etc`. Defaults to the
            attribute name.
          '';
        };
        text = mkOption {
          type = types.nullOr types.lines;
          default = null;
          example = "PermitRootLogin no\n";
          description = ''
            Text of the file. Exactly one of `text` and `source` must be
            set.
          '';
        };
        source = mkOption {
          type = types.nullOr types.path;
          default = null;
          example = lib.literalExpression "./nginx.conf";
          description = ''
            Path of the source file (or folder, for a link): a Nix path
            (`./nginx.conf`, no quotes) is copied into the Nix store with
            your configuration; a string is an absolute path, such as a
            store path. Unlike NixOS, a `source` is not derived from
            `text`: it stays `null` when `text` is set.
          '';
        };
        mode = mkOption {
          type = types.str;
          default = "symlink";
          example = "0640";
          description = ''
            `symlink` makes `/etc/<target>` a link into the bundle,
            read-only like the Nix store. An octal mode (`"0640"`) makes
            it a copy with that mode instead, owned by `user` and `group`:
            for programs that refuse links or check a file's owner and
            mode (sudoers, ssh keys). A copy is replaced by a later
            activation only while it still has the bytes activation-manager
            wrote. NixOS's `direct-symlink` is not available: every link
            goes through the bundle.
          '';
        };
      }
      // ownership config {
        id = "uid";
        name = "user";
        what = "owner";
        file = "/etc/passwd";
      }
      // ownership config {
        id = "gid";
        name = "group";
        what = "group";
        file = "/etc/group";
      };
    };

  entries = lib.filterAttrs (_: entry: entry.enable) config.environment.etc;

  lower =
    name: entry:
    let
      origin = provenance.of options.environment.etc [ "environment" "etc" ] name;
      option = origin.declaredBy;
      copy = entry.mode != "symlink";
      # `+0` is whoever activates: not passed, so that a `--root` tree
      # can be activated by its owner.
      owners = lib.filterAttrs (_: owner: owner != "+0") {
        owner = entry.user;
        inherit (entry) group;
      };
      node = {
        id = "etc:${entry.target}";
        kind = if copy then "copy" else "link";
        inherit (entry) target;
      }
      # A field left `null` is not passed: the compiler says which of
      # `text` and `source` is missing, or that both are set.
      // lib.filterAttrs (_: value: value != null) { inherit (entry) text source; }
      // lib.optionalAttrs copy (owners // { permissions = entry.mode; });
    in
    if lib.hasPrefix "/" entry.target then
      throw ''
        `${option}.target` is "${entry.target}", an absolute path: targets are relative to
        /etc, as in NixOS. Write

          ${option}.target = "${lib.removePrefix "etc/" (lib.removePrefix "/" entry.target)}";
      ''
    else if entry.mode == "direct-symlink" then
      throw ''
        `${option}.mode` is "direct-symlink", which activation-manager does not have:
        every link in /etc goes through the bundle (/etc/.activation-manager/static), so
        that one switch replaces them all at once. Leave `mode` out for such a link, or
        give an octal mode for a copy (mode = "0644").
      ''
    else if copy && builtins.match "(0o)?[0-7]+" entry.mode == null then
      throw ''
        `${option}.mode` is "${entry.mode}": it is "symlink" (the default: a link into
        the bundle) or an octal mode such as "0644" (a copy with that mode).
      ''
    else
      node // origin;
in
{
  options.environment.etc = mkOption {
    type = types.attrsOf (types.submodule etcModule);
    default = { };
    example = lib.literalExpression ''
      {
        "nginx/nginx.conf".source = ./nginx.conf;
        "sudoers.d/deploy" = {
          text = "deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart web.service\n";
          mode = "0440";
        };
      }
    '';
    description = ''
      Files in `/etc`, by name, with NixOS's options: links into the
      bundle by default, copies with a `mode`. A file of yours (or of
      your distribution's packages) where one goes stops the activation
      before anything changes, listing every such path, unless
      `am.backupFileExtension` moves them aside (and puts them back when
      the entry is dropped). A file the configuration no longer has is
      removed, if it still is what activation-manager made.
    '';
  };

  config.am.loweredNodes = lib.mapAttrsToList lower entries;
}
