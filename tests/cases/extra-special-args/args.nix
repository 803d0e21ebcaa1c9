# What a flake passes as `extraSpecialArgs` (usually its inputs): known
# while `imports` are read.
{
  host = "laptop";
  owner = "Jane Doe";
}
