"""The whole wiki as `check` and `build` last saw it, kept in the instance
(`cache/wiki-snapshot.pickle`): the commit, its file list, its built catalog and the
last change of each page.

A one-shot command at 100,000 pages spent most of its time getting to the catalog:
reading the page cache (every page's scan) and indexing it again (toctrees, labels,
terms, digests). From a kept snapshot, `Wiki.start_from` applies only the diff to
HEAD (`git diff-tree`), as a running server does after a save, so the work grows with
the change, not with the wiki. The snapshot is written again only when the diff has
grown large; an older one is still right, only slower to bring up to date.

Like `check`'s results (checkstate), a snapshot from another version of masterywiki
is ignored, and a missing or damaged one only means reading the wiki the long way.
"""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

from masterywiki.content.catalog import Catalog
from masterywiki.errors import RevisionNotFound
from masterywiki.repository.checkstate import code_version, no_collection
from masterywiki.repository.wiki import Snapshot, Wiki
from masterywiki.support.wholefile import write_whole

log = logging.getLogger(__name__)
FILE_NAME = "wiki-snapshot.pickle"
_FORMAT = 1
REWRITE_AFTER = 200  # changed files since the kept commit that make a rewrite worth it


def load(cache_dir: Path) -> Snapshot | None:
    """The kept snapshot, or None when there is none this code can use."""
    path = cache_dir / FILE_NAME
    try:
        with path.open("rb") as handle, no_collection():
            data = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged file: read the wiki afresh, and replace it
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None
    if not (
        isinstance(data, dict)
        and data.get("format") == _FORMAT
        and data.get("code") == code_version()
    ):
        return None
    snapshot = data.get("snapshot")
    if not (
        isinstance(snapshot, Snapshot)
        and isinstance(snapshot.commit, str)
        and isinstance(snapshot.catalog, Catalog)
        and isinstance(snapshot.files, dict)
    ):
        log.warning("ignoring %s: not a wiki snapshot", path)
        return None
    return snapshot


def save(cache_dir: Path, snapshot: Snapshot) -> None:
    """Keep `snapshot` (written then renamed: never half a file)."""
    if snapshot.commit is None:
        return
    path = cache_dir / FILE_NAME
    data = {"format": _FORMAT, "code": code_version(), "snapshot": snapshot}
    try:
        write_whole(path, lambda f: pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL),
                    ".snapshot-")  # fmt: skip
    except OSError as exc:  # a cache: the command itself still succeeded
        log.warning("could not keep the wiki snapshot in %s: %s", path, exc)


def refreshed(wiki: Wiki, cache_dir: Path, use_kept: bool = True) -> Snapshot:
    """The wiki's snapshot at HEAD, brought up to date from the kept one when there is
    one (and `use_kept`); the kept one is replaced when it was missing or far behind."""
    kept = load(cache_dir) if use_kept else None
    if kept is not None:
        wiki.start_from(kept)
    snapshot = wiki.refresh()
    keep(wiki, cache_dir, kept, snapshot)
    return snapshot


def keep(wiki: Wiki, cache_dir: Path, kept: Snapshot | None, now: Snapshot) -> None:
    """Save `now` when there was no usable kept snapshot, or it is far behind `now`."""
    if kept is None or _far_behind(wiki, kept, now):
        save(cache_dir, now)


def _far_behind(wiki: Wiki, kept: Snapshot, now: Snapshot) -> bool:
    if kept.commit == now.commit:
        return False
    if now.commit is None:
        return False
    assert kept.commit is not None
    try:
        return len(wiki.storage.changed_files(kept.commit, now.commit)) > REWRITE_AFTER
    except RevisionNotFound:  # history rewritten: the wiki was read afresh
        return True
