"""How much memory each git process spends on reading the packs.

git reads packs through memory maps of up to 1 GiB a window, 8 GiB in all on 64-bit
systems, and keeps them while it runs; every page it touches counts in its resident
memory. It also keeps up to 96 MB of the objects deltas are made from. At 100,000
pages, the `cat-file` processes that live as long as a server worker held 30 MB each
after a few hundred reads, one `cat-file --batch` of every page 330 MB (the whole pack),
a page's history (a path-limited `git log`) 109 MB and the first commit-graph 131 MB.
With small windows and a 32 MB delta cache: 12, 48 and 65 MB, in the same time (a
smaller delta cache made the commit-graph four times slower there). Every git process
the wiki starts gets them through git's environment-variable config, which children
of children (GitPython's, the forked workers') inherit.

The two `cat-file` processes GitPython keeps for a worker's whole life (`--batch` for
blobs and trees, `--batch-check` for a path at a revision) get tighter bounds still
(`READER_SETTINGS`): with the settings above they grew to 30 MB each in a run at
100,000 pages, and to 44 MB resolving 300 paths of the newest commit, which the big
folder trees' delta chains fill. With 8 MB of windows and of delta cache they hold
about 20 MB; a path then takes 1.9 ms to resolve instead of 0.4, and a page's blob is
read as fast (0.13 ms).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

PACK_SETTINGS = {
    "core.packedGitWindowSize": "1m",  # what git itself uses on 32-bit systems
    "core.packedGitLimit": "16m",
    "core.deltaBaseCacheLimit": "32m",
}
READER_SETTINGS = {"core.packedGitLimit": "8m", "core.deltaBaseCacheLimit": "8m"}


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


def reader_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The variables to add to `environ` for a long-lived reader: `READER_SETTINGS`
    after whatever git config it carries (git takes a key's last value)."""
    given_count = environ.get("GIT_CONFIG_COUNT", "")
    count = int(given_count) if given_count.isdigit() else 0
    added = {}
    for key, value in READER_SETTINGS.items():
        added[f"GIT_CONFIG_KEY_{count}"] = key
        added[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    added["GIT_CONFIG_COUNT"] = str(count)
    return added
