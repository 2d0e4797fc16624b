"""The instance's page cache file: every page's scan and last change at one commit, so
a new server process reads one file instead of 100,000 pages (`Wiki` brings it up to
HEAD from there). A short header before it says how many pages it holds."""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from masterywiki.content.docinfo import DocInfo
from masterywiki.git.parse import Change
from masterywiki.support.wholefile import write_whole

log = logging.getLogger(__name__)
FILE_NAME = "pages.pickle"
FORMAT = 11  # a cache of another format is ignored, and written again


@dataclass(frozen=True)
class Cached:
    commit: str | None
    infos: dict[str, DocInfo]  # blob -> its scan
    changes: dict[str, Change]  # page file -> its last change


def pages_in(path: Path) -> int | None:
    """How many pages the cache in `path` holds, read from its short header (not the
    whole file); None when there is no usable cache."""
    try:
        with path.open("rb") as handle:
            header = pickle.load(handle)
    except Exception:  # missing, unreadable: the caller counts the files instead
        return None
    if not (isinstance(header, dict) and header.get("format") == FORMAT):
        return None
    pages = header.get("pages")
    return pages if isinstance(pages, int) else None


def load(path: Path) -> Cached | None:
    """The cache in `path`; None when missing, unreadable, of another format or shape."""
    if not path.exists():
        return None
    try:
        with path.open("rb") as handle:
            header = pickle.load(handle)
            if not (isinstance(header, dict) and header.get("format") == FORMAT):
                return None  # another version's cache: written again after this start
            data = pickle.load(handle)
    except Exception:
        log.warning("ignoring unreadable page cache %s", path)
        return None
    if isinstance(data, dict) and data.get("format") != FORMAT:
        return None  # another version's cache: written again after this start
    fields = data if isinstance(data, dict) else {}
    commit, infos, changes = fields.get("commit"), fields.get("infos"), fields.get("changes")
    # A cache of the wrong shape (damaged, or hand-made) would break pages later, far
    # from here: check every value before using any.
    if not (
        fields
        and (commit is None or isinstance(commit, str))
        and isinstance(infos, dict)
        and all(isinstance(i, DocInfo) for i in infos.values())
        and isinstance(changes, dict)
        and all(isinstance(p, str) and isinstance(c, Change) for p, c in changes.items())
    ):
        log.warning("ignoring page cache %s: not a page cache", path)
        return None
    return Cached(commit, infos, changes)


def save(path: Path, cached: Cached) -> None:
    """Write the cache; never half a file for another process to read."""
    # A short header first: a start reads only it to know how large the wiki is.
    header = {"format": FORMAT, "pages": len(cached.infos)}
    data = {"format": FORMAT, "commit": cached.commit, "infos": cached.infos,
            "changes": cached.changes}  # fmt: skip

    def write(handle: BinaryIO) -> None:
        pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        write_whole(path, write, ".pages-")
    except Exception as exc:  # (a full disk; a scan that does not pickle)
        log.warning("could not write page cache %s: %s", path, exc)
