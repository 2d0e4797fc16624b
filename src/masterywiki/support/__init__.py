"""Small helpers with no domain: an LRU cache, background threads, forked workers,
cache files written whole."""
