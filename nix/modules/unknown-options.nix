# Definitions of options activation-manager does not have. Most come from
# home-manager configurations (`programs.git`, `services.gpg-agent`,
# `home.packages`), and the module system's own message for them ("The
# option `programs.git' does not exist ... Did you mean `home.services'?")
# sends their authors the wrong way. Instead, every definition without an
# option is collected through a top-level freeform type, whose merge fails
# with one message listing each unknown option and the files that set it,
# saying that activation-manager does not have it, and pointing to the
# migration guide.
#
# A freeform type is the module system's documented way to receive every
# unmatched definition (`_module.freeformType`, nixpkgs 20.09 on); its merge
# runs whenever `config` is read, so nothing builds past it. Options inside
# submodules (`home.file.<name>.foo`) keep the module system's own message,
# whose suggestions are right there.
{ lib, options, ... }:
let
  # Where a definition leaves the declared options: descend through option
  # groups while the definition's attribute names are declared, and stop at
  # the first name that is not (or at a value the module system would merge
  # itself: `mkIf`, `mkMerge`, ...). An unknown top-level name is a family
  # (`services`, `gtk`): its members are named (`services.gpg-agent`).
  plain = value: builtins.isAttrs value && !(value ? _type) && value != { };

  unknownPaths =
    prefix: declared: value:
    lib.concatLists (
      lib.mapAttrsToList (
        name: inner:
        let
          group = declared.${name} or null;
          descend = group != null && !lib.isOption group && plain inner;
        in
        if descend then
          unknownPaths (prefix ++ [ name ]) group inner
        else if group == null && prefix == [ ] && plain inner then
          map (member: [
            name
            member
          ]) (builtins.attrNames inner)
        else if group == null then
          [ (prefix ++ [ name ]) ]
        else
          [ ]
      ) value
    );

  # A declared option a short edit away from the unknown name, for typos
  # (`home.fiel`); not for whole modules activation-manager lacks.
  nearby =
    path:
    let
      parent = lib.attrByPath (lib.init path) { } options;
      name = lib.last path;
      close = builtins.filter (
        candidate: candidate != "_module" && lib.strings.levenshteinAtMost 2 name candidate
      ) (builtins.attrNames parent);
    in
    if builtins.stringLength name > 3 && close != [ ] then
      " (did you mean `${lib.showOption (lib.init path ++ [ (builtins.head close) ])}`?)"
    else
      "";

  describe =
    defs:
    let
      found = lib.concatMap (
        def:
        map (path: {
          inherit path;
          inherit (def) file;
        }) (unknownPaths [ ] options def.value)
      ) defs;
      byOption = lib.groupBy (entry: lib.showOption entry.path) found;
      line =
        option: entries:
        "  ${option}${nearby (builtins.head entries).path}, set in ${
            lib.concatStringsSep ", " (lib.unique (map (entry: toString entry.file) entries))
          }";
    in
    if found == [ ] then
      "  (definitions in ${lib.concatMapStringsSep ", " (def: toString def.file) defs})"
    else
      lib.concatStringsSep "\n" (lib.mapAttrsToList line byOption);

  # What a bundle of each role reads instead, and where to look.
  whatIsRead = {
    home = ''
      activation-manager reads home-manager's core options (home.file, xdg.*File,
      home.activation, home.sessionVariables, systemd.user.*, dconf.settings, ...), but
      not its programs.* and services.* modules: for those, write the files they would
      have written (xdg.configFile."git/config".text = ...). The page "Migrating from
      home-manager" of activation-manager's documentation (docs/src/guides/home-manager.md)
      lists every home-manager option it reads and what to write instead of the others.'';
    system = ''
      A system bundle reads NixOS's options for files, units and accounts
      (environment.etc, systemd.services|timers|sockets|paths|targets,
      systemd.tmpfiles, users.users, users.groups), but not NixOS's services.* and
      programs.* modules, which need a whole NixOS: write the files and units they
      would have written (environment.etc."nginx/nginx.conf".text = ...). The page
      "Manage a machine" of activation-manager's documentation
      (docs/src/guides/system.md) lists what a system bundle reads.'';
  };

  unknownOption = lib.mkOptionType {
    name = "unknownOption";
    description = "an option activation-manager does not have";
    merge =
      _loc: defs:
      if !options._module.check.value then
        { }
      else
        throw ''
          activation-manager does not have these options:
          ${describe defs}

          ${whatIsRead.${options.am.role.value}}
        '';
  };
in
{
  config._module.freeformType = unknownOption;
}
