"""The static build: a plain HTML copy of the wiki with client-side search."""
