# Two commands that each wait for the other can never run.
{ ... }:
{
  am.nodes.a = {
    kind = "exec";
    argv = [ "/bin/true" ];
    after = [ "b" ];
  };
  am.nodes.b = {
    kind = "exec";
    argv = [ "/bin/true" ];
    after = [ "a" ];
  };
}
