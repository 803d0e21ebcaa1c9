-- A Lua task for `lua.tasks.dotfiles.script = ./dotfiles.lua;`: decisions
-- only the machine being activated can make, turned into nodes through the
-- `am` API. Type-checks against ../am.lua (see ../.luarc.json).

-- Where the configuration goes: $XDG_CONFIG_HOME when it is set and inside
-- the home, else ~/.config. Targets are relative to the home.
local function config_dir()
  local dir = am.env("XDG_CONFIG_HOME")
  local prefix = am.home .. "/"
  if dir and dir:sub(1, #prefix) == prefix then
    return dir:sub(#prefix + 1)
  end
  return ".config"
end

-- Every file of ~/dotfiles/<host name>/, found now, linked into the
-- configuration folder; a file removed there is cleaned up next time.
local host_files = "dotfiles/" .. am.host.name
for _, name in ipairs(am.fs.list(host_files)) do
  am.link{
    target = config_dir() .. "/" .. name,
    source = am.home .. "/" .. host_files .. "/" .. name,
  }
end

-- A file written from what the machine says, readable only by its owner.
local email = am.fs.read("dotfiles/email")
if email then
  am.copy{
    target = config_dir() .. "/git/identity",
    text = "[user]\n  email = " .. email:gsub("%s+$", "") .. "\n",
    permissions = "0600",
  }
else
  am.log.warn("no ~/dotfiles/email: git gets no identity")
end

-- A command whose argument comes from the host name: this machine's own
-- SSH key, made once, named after the user and the host.
if not am.fs.exists(".ssh/id_ed25519") then
  local comment = (am.env("USER") or "me") .. "@" .. am.host.name
  am.exec{
    argv = {
      "/bin/sh", "-c", 'mkdir -p -m 700 .ssh && ssh-keygen -q -t ed25519 -N "" -C "$1" -f .ssh/id_ed25519',
      "sh", comment,
    },
    timeout = 30,
  }
end

-- A dconf value chosen at activation time.
local dark = am.env("AM_THEME") ~= "light"
am.dconf{
  ["org/gnome/desktop/interface"] = {
    ["color-scheme"] = dark and "'prefer-dark'" or "'default'",
  },
}

if am.dry_run then
  am.log.info("dry run: the nodes above are only reported")
end
