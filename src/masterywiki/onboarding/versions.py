"""The version of a page that readers are asked about: its newest commit that changed
what they read.

A commit that only moved the file (git's `R100`) or whose message carries the trailer
`Minor-change: yes` (a typo fix the editor marked, a move made in the wiki, which
adds `redirect_from` and relinks, or "Mark reviewed") is no new version. Read from
git, stopping at the first commit that counts, and cached by the file's path and
content: a page whose text and place did not change has the same version.
"""

from __future__ import annotations

from masterywiki.content.catalog import PageRecord
from masterywiki.content.trailers import MINOR_TRAILER
from masterywiki.git.pagelog import file_changes
from masterywiki.git.storage import GitStorage
from masterywiki.onboarding.acknowledge import version_to_confirm
from masterywiki.support.lru import LRU

CACHED = 4096


class Versions:
    def __init__(self, storage: GitStorage) -> None:
        self.storage = storage
        self._cache: LRU[str] = LRU(CACHED)

    def of(self, record: PageRecord, head: str) -> str:
        """The page's version at commit `head` (the wiki's current commit)."""
        key = (record.file, record.blob)
        found = self._cache.get(key)
        if found is None:
            changes = file_changes(self.storage, record.file, head, MINOR_TRAILER)
            try:
                found = version_to_confirm(changes) or head
            finally:
                changes.close()  # stops git once the version is found
            self._cache.put(key, found)
        return found
