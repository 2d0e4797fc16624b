"""Which pages each logged-in reader opened, for the progress on onboarding paths.

One row per reader and page (the latest opening), in the instance's database so it
survives restarts and every server sharing a PostgreSQL sees the same progress.
Recording is one upsert, skipped when this server wrote the same row a moment ago
(a reader reloading a page writes nothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from masterywiki.db.database import Database
from masterywiki.onboarding.paths import Opened
from masterywiki.support.lru import LRU

REWRITE_AFTER = 600.0  # seconds: the same opening is written again at most this often
RECENT = 4096  # (reader, page, version) openings remembered by this server


class Openings:
    def __init__(self, database: Database, *, now: Callable[[], float] = time.time) -> None:
        self.database, self.now = database, now
        self._recent: LRU[float] = LRU(RECENT)

    def record(self, username: str, page: str, version: str) -> bool:
        """Note that `username` opened version `version` of `page`; returns whether a
        row was written."""
        now = self.now()
        key = (username, page, version)
        written = self._recent.get(key)
        if written is not None and now - written < REWRITE_AFTER:
            return False
        with self.database.write(serialised=False) as db:  # one row: no writer's lock
            db.run(
                "INSERT INTO page_views (username, page, commit_sha, at)"
                " VALUES (:username, :page, :version, :now) ON CONFLICT (username, page)"
                " DO UPDATE SET commit_sha = excluded.commit_sha, at = excluded.at",
                username=username, page=page, version=version, now=now,
            )  # fmt: skip
        self._recent.put(key, now)
        return True

    def of_reader(self, username: str, pages: Collection[str] | None = None) -> list[Opened]:
        """The reader's latest openings, of `pages` (names, old names included) or all."""
        if pages is not None and not pages:
            return []
        with self.database.read() as db:
            rows = db.all(
                "SELECT page, commit_sha, at FROM page_views WHERE username = :username",
                username=username,
            )
        wanted = set(pages) if pages is not None else None
        return [
            Opened(row["page"], row["commit_sha"], float(row["at"]))
            for row in rows
            if wanted is None or row["page"] in wanted
        ]
