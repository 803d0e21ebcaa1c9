# Which home-manager option an entry of the evaluated `home.file` came
# from, for messages: home-manager merges `xdg.configFile."git/config"`
# into `home.file."/home/jane/.config/git/config"` (the folder prepended to
# the name), and its unit files into `xdg.configFile."systemd/user/..."`.
# The user wrote neither of those names, so each entry is named by the
# option they did write: `xdg.configFile."git/config"`,
# `systemd.user.services.sync`, or `home.file.".vimrc"`.
#
# `definedIn` (the files that define the entry) needs home-manager's
# `options`; given only a `config` value, it is `unknownFile`.
{
  lib,
  # home-manager's evaluated `config`.
  hm,
  # home-manager's evaluated `options`, or null.
  hmOptions,
}:
let
  provenance = import ../provenance.nix { inherit lib; };

  # The `xdg.*File` families whose entries home-manager renames, longest
  # folder first (a folder may be set inside another). A family the
  # home-manager release lacks (older ones had no `xdg.stateFile`) is left
  # out.
  families = lib.sort (a: b: builtins.stringLength a.folder > builtins.stringLength b.folder) (
    builtins.filter (family: family.folder != null) (
      map
        (name: {
          option = "${name}File";
          folder = hm.xdg."${name}Home" or null;
        })
        [
          "config"
          "data"
          "state"
          "cache"
        ]
    )
  );

  # The unit kinds of `systemd.user`, by file suffix.
  unitOptions = {
    service = "services";
    socket = "sockets";
    timer = "timers";
    path = "paths";
    target = "targets";
    slice = "slices";
    mount = "mounts";
    automount = "automounts";
  };

  # `{ path; name; }`: the option (as a list) holding the entry and its
  # attribute name there.
  sourceOf =
    name:
    let
      family = lib.findFirst (family: lib.hasPrefix "${family.folder}/" name) null families;
    in
    if family == null then
      {
        path = [
          "home"
          "file"
        ];
        inherit name;
      }
    else
      {
        path = [
          "xdg"
          family.option
        ];
        name = lib.removePrefix "${family.folder}/" name;
      };

  # The option of `path`, if home-manager's options are at hand.
  # What messages say a definition is in when the files are not known.
  unknownFile = "the home-manager configuration";

  optionAt = path: if hmOptions == null then null else lib.attrByPath path null hmOptions;

  origin =
    path: name:
    let
      option = optionAt path;
    in
    if option == null || !(option ? definitionsWithLocations) then
      {
        declaredBy = lib.showOption (path ++ [ name ]);
        definedIn = [ unknownFile ];
      }
    else
      provenance.of option path name;
in
{
  inherit unitOptions unknownFile;

  # `{ declaredBy; definedIn; }` of the entry `name` of the attribute set
  # option at `path` (a list): `of [ "home" "activation" ] "setup"`.
  of = origin;

  # The files that define the option at `path` (as a list) in home-manager,
  # or `[ unknownFile ]`, for definitions that activation-manager's own
  # options get from home-manager's.
  filesOf =
    path:
    let
      option = optionAt path;
    in
    if option == null || !(option ? definitionsWithLocations) then
      [ unknownFile ]
    else
      (provenance.whole option path).definedIn;

  # `{ declaredBy; definedIn; }` of the `home.file` entry `name`.
  file =
    name:
    let
      source = sourceOf name;
    in
    origin source.path source.name;

  # `{ declaredBy; definedIn; }` of the unit `unitName` (`sync.service`),
  # whose file is the entry `name`: `systemd.user.services.sync` when that
  # unit is defined there, else the file's own option (a unit file written
  # by hand with `xdg.configFile`).
  unit =
    name: unitName:
    let
      parts = builtins.match "(.+)\\.([a-z]+)" unitName;
      stem = builtins.elemAt parts 0;
      kind = unitOptions.${builtins.elemAt parts 1} or null;
      units = if kind == null then { } else hm.systemd.user.${kind} or { };
      source = sourceOf name;
    in
    if parts != null && units ? ${stem} then
      origin [
        "systemd"
        "user"
        kind
      ] stem
    else
      origin source.path source.name;
}
