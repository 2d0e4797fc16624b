"""Read confirmations kept in the database.

A confirmation is (account, page, version commit, time), in the instance's database,
so it survives restarts and every server sharing a PostgreSQL sees it. Confirming
the same version again keeps the first time. The version asked for is the page's
newest commit that is not minor (`versions.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from masterywiki.content.catalog import PageRecord
from masterywiki.db.database import Database
from masterywiki.errors import InvalidInput, WikiError
from masterywiki.onboarding.acknowledge import Confirmation, asks_confirmation
from masterywiki.onboarding.versions import Versions
from masterywiki.repository.wiki import Snapshot


class NotAsked(InvalidInput):
    title = "Nothing to confirm"


class VersionChanged(WikiError):
    status = 409
    title = "The page changed"


class Confirmations:
    def __init__(
        self, database: Database, versions: Versions, *, now: Callable[[], float] = time.time
    ) -> None:
        self.database, self.versions, self.now = database, versions, now

    def version(self, record: PageRecord, snapshot: Snapshot) -> str:
        """The commit readers of `record` must confirm."""
        return self.versions.of(record, snapshot)

    def confirm(
        self, username: str, record: PageRecord, snapshot: Snapshot, seen: str = ""
    ) -> Confirmation:
        """Record that `username` read the page's current version. `seen` is the version
        the reader was shown, when known: a page that changed since is refused.
        Raises NotAsked, VersionChanged."""
        if not asks_confirmation(record.info.front_matter):
            raise NotAsked(f"“{record.title}” does not ask readers to confirm they read it.")
        version = self.version(record, snapshot)
        if seen and seen != version:
            raise VersionChanged(
                f"“{record.title}” changed since you opened it. Read the new version,"
                " then confirm again."
            )
        now = self.now()
        with self.database.write(serialised=False) as db:
            db.run(
                "INSERT INTO acknowledgements (username, page, commit_sha, at)"
                " VALUES (:username, :page, :commit, :now) ON CONFLICT DO NOTHING",
                username=username, page=record.name, commit=version, now=now,
            )  # fmt: skip
            at = db.value(
                "SELECT at FROM acknowledgements WHERE username = :username AND page = :page"
                " AND commit_sha = :commit",
                username=username, page=record.name, commit=version,
            )  # fmt: skip
        return Confirmation(username, record.name, version, float(at))

    def of_pages(self, pages: Collection[str], username: str | None = None) -> list[Confirmation]:
        """Every confirmation of `pages` (names, old names included), or one reader's."""
        if not pages:
            return []
        with self.database.read() as db:
            if username is None:
                rows = db.all("SELECT * FROM acknowledgements")
            else:
                rows = db.all("SELECT * FROM acknowledgements WHERE username = :u", u=username)
        wanted = set(pages)
        return [
            Confirmation(row["username"], row["page"], row["commit_sha"], float(row["at"]))
            for row in rows
            if row["page"] in wanted
        ]
