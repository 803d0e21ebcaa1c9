# A folder with slashes at its ends, a key name with a slash, and values
# that have no GVariant text.
{ ... }:
{
  dconf.settings = {
    "/org/gnome/desktop/interface/" = {
      color-scheme = "prefer-dark";
    };
    "org/gnome/desktop/peripherals/keyboard" = {
      delay = 5000000000;
      repeat-interval = {
        milliseconds = 30;
      };
      "sources/xkb" = "us";
    };
    "org/gnome/shell".favorite-apps = [
      "firefox.desktop"
      3
    ];
  };
}
