{ host, ... }:
{
  xdg.configFile."battery/profile".text = "powersave on ${host}\n";
}
