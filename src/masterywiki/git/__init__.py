"""Git plumbing, the only package that runs git: storage, objects, output parsing,
remotes, the work tree and three-way text merges."""
