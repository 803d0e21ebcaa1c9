# A dependency on a node that does not exist (a typo of the file's id).
{ ... }:
{
  home.file.".gitconfig".text = "[user]\n";
  am.nodes.check-git = {
    kind = "exec";
    argv = [ "/bin/true" ];
    after = [ "file:.gticonfig" ];
  };
}
