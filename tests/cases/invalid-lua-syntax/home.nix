# Lua syntax errors, all reported in one build, each with its option, line
# and column: a raw lua node whose `if` lacks its `end`, a task, a command
# argument that ends in `..`, and a file target.
{ lib, ... }:
let
  inherit (lib.generators) mkLuaInline;
in
{
  am.nodes.wallpapers = {
    kind = "lua";
    script = ''
      local dir = os.getenv("HOME") .. "/Pictures"
      for name in io.popen("ls " .. dir):lines() do
        if name:match("%.png$") then
          am.link{ target = ".face", source = dir .. "/" .. name }
      end
    '';
  };
  lua.tasks.greeting.script = ''
    local hour = tonumber(os.date("%H"))
    am.exec{ argv = { "/bin/echo", hour < 12 and "morning" or "day" }, }}
  '';
  am.nodes.greet = {
    kind = "exec";
    argv = [
      "/bin/sh"
      "-c"
      (mkLuaInline ''"echo hello, " .. os.getenv("USER") ..'')
    ];
  };
  home.file.face = {
    target = mkLuaInline "'.face-' .. = os.getenv('USER')";
    text = "x";
  };
}
