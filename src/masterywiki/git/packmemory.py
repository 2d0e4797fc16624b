"""How much memory each git process spends on reading the packs.

git reads packs through memory maps of up to 1 GiB a window, 8 GiB in all on 64-bit
systems, and keeps them while it runs; every page it touches counts in its resident
memory. It also keeps up to 96 MB of the objects deltas are made from. At 100,000
pages, the `cat-file` processes that live as long as a server worker held 30 MB each
after a few hundred reads, one `cat-file --batch` of every page 330 MB (the whole pack),
a page's history (a path-limited `git log`) 109 MB and the first commit-graph 131 MB.

Every git process the wiki starts gets small bounds through git's environment-variable
config, which children of children (GitPython's, the forked workers') inherit. At
100,000 pages (`bench/gitmemory.py`), 1 MB windows, 16 / 8 MB of windows and 32 / 8 MB
of delta cache, as fast both ways unless said:
- the two-tree `read-tree` of a work-tree update: 79 / 52 MB;
- a path's history (`git log` of one path): 55 / 25 MB;
- resolving 300 paths of the newest commit in a long-lived `cat-file`: 49 / 22 MB, and
  1.2 / 1.8 ms a path (the folder trees' delta chains no longer stay in the cache).

The commands that compare the trees of many commits, recent changes and the
commit-graph, ask for a larger delta cache on their command line
(`MANY_TREES_DELTA_CACHE`): with 8 MB the commit-graph took 25 s instead of 7, and
recent changes a fifth longer.
"""

from __future__ import annotations

from collections.abc import MutableMapping

PACK_SETTINGS = {
    "core.packedGitWindowSize": "1m",  # what git itself uses on 32-bit systems
    "core.packedGitLimit": "8m",
    "core.deltaBaseCacheLimit": "8m",
}
MANY_TREES_DELTA_CACHE = "32m"
# git options that give one command that larger delta cache
MANY_TREES_OPTIONS = ("-c", f"core.deltaBaseCacheLimit={MANY_TREES_DELTA_CACHE}")


def bound_pack_memory(environ: MutableMapping[str, str]) -> None:
    """Add `PACK_SETTINGS` to the git config carried by `environ` (GIT_CONFIG_COUNT and
    its GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n pairs), after any already there; a
    setting already given there is left as it is. Calling it again changes nothing."""
    given_count = environ.get("GIT_CONFIG_COUNT", "")
    count = int(given_count) if given_count.isdigit() else 0
    given = {environ.get(f"GIT_CONFIG_KEY_{n}", "").lower() for n in range(count)}
    for key, value in PACK_SETTINGS.items():
        if key.lower() in given:
            continue
        environ[f"GIT_CONFIG_KEY_{count}"] = key
        environ[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    environ["GIT_CONFIG_COUNT"] = str(count)
