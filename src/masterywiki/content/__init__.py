"""The content model, pure: page names and slugs, documents and front matter,
the fast scan, markup rendering, the catalog, relinking and `check`."""
