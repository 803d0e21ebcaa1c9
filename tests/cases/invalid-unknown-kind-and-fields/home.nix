# A misspelt kind and fields that the kind does not have.
{ ... }:
{
  am.nodes.greet = {
    kind = "exce";
    argv = [ "/bin/true" ];
  };
  am.nodes.link-it = {
    kind = "link";
    target = ".config/x";
    text = "x";
    mode = "0644";
  };
  am.nodes.run-it = {
    kind = "exec";
    argv = [ ];
    cmd = "true";
  };
}
