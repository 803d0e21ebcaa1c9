# A writable copy with its own mode and a command run when it changes, a
# folder mirrored file by file, and a command with a timeout.
{ ... }:
{
  home.file.".config/app/settings.json" = {
    text = ''{ "theme": "dark" }'';
    mode = "copy";
    permissions = "0600";
    onChange = ''echo "settings changed" > "$HOME/.config/app/changed"'';
  };
  home.file.".config/nvim" = {
    source = ./nvim;
    recursive = true;
  };
  am.nodes.warm-cache = {
    kind = "exec";
    argv = [
      "/bin/sh"
      "-c"
      "true"
    ];
    timeout = 30;
  };
}
