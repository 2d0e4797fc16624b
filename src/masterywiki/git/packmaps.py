"""How much of the pack files each git process keeps mapped in memory.

git reads packs through memory maps of up to 1 GiB a window, 8 GiB in all on 64-bit
systems, and keeps them while it runs; every page it touches counts in its resident
memory. The `cat-file` processes that live as long as a server worker end up holding
most of the pack (30 MB each after a few hundred reads of a 100,000-page wiki's
330 MB pack), and one `cat-file --batch` of every page held all of it (330 MB). Small
windows cost no speed on these reads (that full read: the same time, 12 MB), so every
git process the wiki starts gets them, through git's environment-variable config,
which children of children (GitPython's, the forked workers') inherit.
"""

from __future__ import annotations

from collections.abc import MutableMapping

# What git itself uses on 32-bit systems, where address space is short.
PACK_SETTINGS = {"core.packedGitWindowSize": "1m", "core.packedGitLimit": "16m"}


def bound_pack_maps(environ: MutableMapping[str, str]) -> None:
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
