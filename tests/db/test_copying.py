"""Copying the lasting rows between real databases: SQLite into PostgreSQL (a school
growing past one server) and back (how backups are made), idempotent, with counts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from masterywiki.db.copying import copy_rows, lasting_tables, row_counts
from masterywiki.db.database import Database, engine_url
from masterywiki.people.accounts import Accounts
from masterywiki.watching.watchlist import Watchlist
from tests.auth_fixtures import FAST_HASHER, PASSWORD


def populated(database: Database) -> Accounts:
    accounts = Accounts(database, hasher=FAST_HASHER)
    for name in ("ada", "bob", "cy"):
        accounts.add_user(name, PASSWORD, "editor", email=f"{name}@example.org")
    accounts.remove_user("bob")  # leaves a gap in the ids
    watchlist = Watchlist(database)
    watchlist.watch("ada", "guide", "section")
    watchlist.set_email("ada", True)
    watchlist.new_token("cy")
    with database.write() as db:
        db.run(
            "INSERT INTO notify_outbox (sender, recipient, message, created, next_try)"
            " VALUES ('w@x.org', 'ada@example.org', :m, 1, 1)",
            m=b"Subject: hi\r\n\r\n\xe2\x9c\x93 binary-safe\r\n",
        )
    return accounts


@pytest.fixture
def sqlite_source(tmp_path: Path) -> Iterator[Database]:
    found = Database(f"sqlite:///{tmp_path / 'source.sqlite3'}")
    yield found
    found.close()


@pytest.fixture
def postgres_target(postgres_url: str, tmp_path: Path) -> Iterator[Database]:
    found = Database(engine_url(postgres_url, tmp_path))
    yield found
    found.close()


def test_sqlite_into_postgresql_keeps_people_logged_in(
    sqlite_source: Database, postgres_target: Database
) -> None:
    accounts = populated(sqlite_source)
    session = accounts.start_session("ada")
    counts = {c.table: c for c in copy_rows(sqlite_source, postgres_target)}
    assert set(counts) == {t.name for t in lasting_tables()}
    assert counts["users"].added == 2 and counts["sessions"].added == 1
    assert row_counts(postgres_target) == row_counts(sqlite_source)

    moved = Accounts(postgres_target, hasher=FAST_HASHER)
    assert moved.user_for_session(session) == accounts.get_user("ada"), "still logged in"
    assert moved.authenticate("cy", PASSWORD).email == "cy@example.org"
    assert Watchlist(postgres_target).wants_email("ada")
    with postgres_target.read() as db:
        assert db.value("SELECT message FROM notify_outbox").endswith(b"binary-safe\r\n")
    moved.add_user("dee", PASSWORD)  # the id sequence continues past the copied ids
    ids = {u: moved.start_session(u).user_id for u in ("ada", "cy", "dee")}
    assert ids["dee"] > max(ids["ada"], ids["cy"])


def test_copying_twice_changes_nothing(sqlite_source: Database, postgres_target: Database) -> None:
    populated(sqlite_source)
    copy_rows(sqlite_source, postgres_target)
    before = row_counts(postgres_target)
    again = copy_rows(sqlite_source, postgres_target)
    assert sum(c.added for c in again) == 0
    assert sum(c.present for c in again) == sum(before.values())
    assert row_counts(postgres_target) == before


def test_postgresql_into_a_new_sqlite_file(postgres_target: Database, tmp_path: Path) -> None:
    populated(postgres_target)
    snapshot = Database(f"sqlite:///{tmp_path / 'backup.sqlite3'}")
    copy_rows(postgres_target, snapshot)
    assert row_counts(snapshot) == row_counts(postgres_target)
    assert Accounts(snapshot, hasher=FAST_HASHER).authenticate("ada", PASSWORD).username == "ada"
    snapshot.close()


def test_replace_empties_the_target_first(database: Database, tmp_path: Path) -> None:
    source = Database(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    Accounts(source, hasher=FAST_HASHER).add_user("only", PASSWORD)
    populated(database)
    copy_rows(source, database, replace=True)
    assert [u.username for u in Accounts(database).list_users()] == ["only"]
    source.close()
