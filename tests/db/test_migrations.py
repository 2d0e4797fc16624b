"""Schema migrations, forward only, from every earlier schema version (and from the
SQLite files the first releases made, which had no version table)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect

from masterywiki.db import migrations, schema
from masterywiki.db.database import Database
from masterywiki.errors import ConfigError
from masterywiki.people.accounts import Accounts, SessionKey
from tests.auth_fixtures import FAST_HASHER, PASSWORD

# What the first releases wrote into INSTANCE/masterywiki.sqlite3, verbatim.
FIRST_RELEASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    email TEXT NOT NULL, role TEXT NOT NULL, password TEXT NOT NULL,
    session_version INTEGER NOT NULL DEFAULT 1, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY, user_id INTEGER NOT NULL, created REAL NOT NULL, seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS login_failures (username TEXT NOT NULL, address TEXT NOT NULL,
    at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS setup_token (id INTEGER PRIMARY KEY CHECK (id = 1),
    digest TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS watches (user_id INTEGER NOT NULL, target TEXT NOT NULL,
    scope TEXT NOT NULL, created REAL NOT NULL, PRIMARY KEY (user_id, target, scope));
PRAGMA user_version = 1;
"""


def columns(database: Database) -> dict[str, set[str]]:
    with database.read() as db:
        found = inspect(db.connection)
        return {
            name: {c["name"] for c in found.get_columns(name)} for name in found.get_table_names()
        }


def at_version(database: Database, version: int) -> None:
    """Build the database as migration step `version` left it."""
    if database.sqlite_path:
        database.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    with database.engine.begin() as connection:
        # Step numbers, not a count: branches take numbers of their own, and a gap is fine.
        wanted = [n for n, _title, _step in migrations.STEPS if n <= version]
        assert migrations.upgrade(connection, target=version) == wanted


def test_a_new_database_gets_every_step_once(database: Database) -> None:
    assert database.upgrade() == [n for n, _title, _step in migrations.STEPS]
    assert database.upgrade() == []
    with database.read() as db:
        assert migrations.version(db.connection) == migrations.LATEST
    assert columns(database) == {t.name: set(t.c.keys()) for t in schema.metadata.sorted_tables}


@pytest.mark.parametrize("version", [n for n, _title, _step in migrations.STEPS[:-1]])
def test_every_earlier_version_is_brought_up_to_date(database: Database, version: int) -> None:
    at_version(database, version)
    with database.engine.begin() as connection:  # rows as that version stored them
        connection.exec_driver_sql(
            "INSERT INTO users (username, name, email, role, password, created)"
            f" VALUES ('ada', 'Ada', 'a@x.org', 'admin', '{FAST_HASHER.hash(PASSWORD)}', 1)"
        )
        connection.exec_driver_sql("INSERT INTO watches VALUES (1, 'guide', 'section', 1)")
    accounts = Accounts(database, hasher=FAST_HASHER)  # first use upgrades
    assert accounts.authenticate("ada", PASSWORD).role == "admin"
    assert columns(database) == {t.name: set(t.c.keys()) for t in schema.metadata.sorted_tables}
    with database.read() as db:
        assert db.value("SELECT target FROM watches") == "guide"


def test_a_first_release_sqlite_file_keeps_its_people(tmp_path: Path) -> None:
    path = tmp_path / "masterywiki.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.executescript(FIRST_RELEASE_SCHEMA)
        raw.execute(
            "INSERT INTO users (username, name, email, role, password, created)"
            " VALUES ('ada', 'Ada', 'a@x.org', 'editor', ?, 1)",
            (FAST_HASHER.hash(PASSWORD),),
        )
    raw.close()
    database = Database(f"sqlite:///{path}")
    assert database.upgrade() == [n for n, _title, _step in migrations.STEPS]
    accounts = Accounts(database, hasher=FAST_HASHER)
    assert accounts.authenticate("ada", PASSWORD).role == "editor"
    key = accounts.start_session("ada")
    assert accounts.user_for_session(SessionKey(key.user_id, key.secret)) is not None
    assert "session_version" not in columns(database)["users"]
    assert {"notify_outbox", "comment_posts", "watch_feeds"} <= set(columns(database))


def test_a_newer_schema_than_this_release_knows_is_refused(database: Database) -> None:
    database.upgrade()
    with database.engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE schema_version SET version = {migrations.LATEST + 1}")
    fresh = Database(database.url)
    with pytest.raises(ConfigError, match="newer than this masterywiki"):
        fresh.upgrade()
    fresh.close()


def test_servers_starting_together_migrate_once(database: Database) -> None:
    others = [Database(database.url) for _ in range(4)]
    results: list[list[int]] = []
    threads = [threading.Thread(target=lambda d=d: results.append(d.upgrade())) for d in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [[], [], [], [n for n, _title, _step in migrations.STEPS]]
    for other in others:
        other.close()
