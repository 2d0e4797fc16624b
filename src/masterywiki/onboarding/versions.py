"""The version of a page that readers are asked about: its newest commit that changed
what they read.

A commit that only moved the file (git's `R100`) or whose message carries the trailer
`Minor-change: yes` (a typo fix the editor marked, a move made in the wiki, which
adds `redirect_from` and relinks, or "Mark reviewed") is no new version. Read from
git from the page's last change down, stopping at the first commit that counts, and
cached by the file, its content and that last change, so every server (warm cache or
cold) gives the same answer, and a page nobody touched keeps its cached version.
"""

from __future__ import annotations

from masterywiki.content.catalog import PageRecord
from masterywiki.content.trailers import MINOR_TRAILER
from masterywiki.git.pagelog import file_changes
from masterywiki.git.storage import GitStorage
from masterywiki.onboarding.acknowledge import version_to_confirm
from masterywiki.repository.wiki import Snapshot
from masterywiki.support.lru import LRU

CACHED = 4096


class Versions:
    def __init__(self, storage: GitStorage) -> None:
        self.storage = storage
        self._cache: LRU[str] = LRU(CACHED)

    def of(self, record: PageRecord, snapshot: Snapshot) -> str:
        """The version of page `record` in `snapshot` (the wiki at one commit)."""
        change = snapshot.changes.get(record.file)
        start = change.commit if change else snapshot.commit or ""
        key = (record.file, record.blob, start)
        found = self._cache.get(key)
        if found is None:
            changes = file_changes(self.storage, record.file, start, MINOR_TRAILER)
            try:
                found = version_to_confirm(changes) or start
            finally:
                changes.close()  # stops git once the version is found
            self._cache.put(key, found)
        return found
