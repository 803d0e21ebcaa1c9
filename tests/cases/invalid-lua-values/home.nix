# Lua values where the bundle needs plain ones, each refused with the fix:
# a link's text, a tree, a timeout and a force flag, a watched file, a whole
# dconf folder, a script given as a Lua value, and what a Lua source or
# Lua-made file rules out (`executable` on a link, `onChange`).
{ lib, ... }:
let
  inherit (lib.generators) mkLuaInline;
in
{
  home.file.".motd".text = mkLuaInline "os.date()";
  home.file.".config/nvim" = {
    source = mkLuaInline "os.getenv('NVIM_CONFIG')";
    recursive = true;
  };
  home.file.".local/bin/tool" = {
    source = mkLuaInline "os.getenv('HOME') .. '/src/tool/tool'";
    executable = true;
  };
  home.file.".cache/stamp" = {
    text = mkLuaInline "os.date()";
    mode = "copy";
    onChange = "echo the stamp changed";
  };
  am.nodes.backup = {
    kind = "exec";
    argv = [ "/bin/true" ];
    timeout = mkLuaInline "60 * 5";
    whenChanged = [ (mkLuaInline "'.motd'") ];
  };
  am.nodes.hello = {
    kind = "link";
    target = ".hello";
    text = "hello\n";
    force = mkLuaInline "os.getenv('FORCE') ~= nil";
  };
  am.nodes.theme = {
    kind = "dconf";
    settings."org/gnome/desktop/interface" = mkLuaInline "{ ['color-scheme'] = 'prefer-dark' }";
  };
  am.nodes.wallpapers = {
    kind = "lua";
    script = mkLuaInline "am.exec{ argv = { 'true' } }";
  };
}
