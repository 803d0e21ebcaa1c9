# Dynamic nodes: a Lua task creating links, a copy and a command at
# activation time, and nodes whose fields hold Lua values. `am inspect` marks
# them dynamic and shows their chunks; the home shows what the Lua made.
{ lib, ... }:
{
  home.file.".config/app/base.conf".text = "base\n";

  lua.tasks.generated = {
    after = [ "file:.config/app/base.conf" ];
    script = ''
      -- Into the bundle: a store path, the same length on every machine.
      local base = am.bundle .. "/static/.config/app/base.conf"
      for _, name in ipairs({ "one", "two" }) do
        am.link{ target = ".config/app/" .. name .. ".conf", source = base }
      end
      am.copy{ target = ".config/app/host.txt", text = "built for " .. am.host.os .. "\n", permissions = "0600" }
      am.exec{ argv = { "/bin/sh", "-c", "ls \"$HOME/.config/app\" > \"$HOME/listing.txt\"" } }
      am.log.info("made two links, a copy and a command")
    '';
  };

  # A target computed from the environment, with a fallback.
  home.file.greeting = {
    target = lib.am.mkLua ''(os.getenv("AM_CASE_DIR") or ".local/share/case") .. "/greeting"'';
    text = "hello\n";
  };

  am.nodes.after-lua = {
    kind = "exec";
    argv = [
      "/bin/sh"
      "-c"
      "test -f \"$HOME/listing.txt\""
    ];
    after = [ "lua:generated" ];
  };
}
