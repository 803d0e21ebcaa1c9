# Scripts the compiler writes into a bundle for units (`am.scripts`),
# shared by systemd-units.nix (the units of both managers), system/homes.nix
# and the home-manager front end (home-manager/units.nix). `reloadDropIns`
# is the user manager's (modules/systemd.nix); a system's is in
# system/systemd.nix.
{ lib, pkgs }:
let
  # The shell that runs them.
  shell = if pkgs != null then pkgs.runtimeShell else "/bin/sh";

  # A script of a unit, written by the compiler into the bundle as
  # `scripts/<hash>-<unit>-<phase>`. The bundle's path changes with every
  # configuration change, so `am` compares unit files with that path
  # abstracted; the hash of the script in its name keeps a changed script a
  # changed unit file.
  scriptFor = unit: phase: text: rec {
    content = "#!${shell} -e\n${text}";
    name = "${builtins.substring 0 32 (builtins.hashString "sha256" content)}-${unit}-${phase}";
    path = "${builtins.placeholder "out"}/scripts/${name}";
  };
in
{
  inherit scriptFor;

  # The command that makes the user manager read a drop-in: after a
  # `daemon-reload` a running unit is restarted (`try-restart`), so the
  # change applies now. Run (with the unit's name) when the drop-in file
  # changed, and only with a running user manager: one that starts later
  # reads the file anyway.
  reloadDropIns = scriptFor "drop-ins" "reload" ''
    # Makes the user manager read the drop-ins of the unit $1, and restarts
    # the unit if it runs.
    if [ -z "''${XDG_RUNTIME_DIR:-}" ] || [ ! -S "$XDG_RUNTIME_DIR/systemd/private" ]; then
      echo "no user manager runs: it reads the drop-ins of $1 when it starts"
      exit 0
    fi
    systemctl --user daemon-reload
    systemctl --user try-restart -- "$1"
  '';
}
