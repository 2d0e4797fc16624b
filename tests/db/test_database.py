"""The database layer on a real SQLite file and a real PostgreSQL: URLs, the one
writer, errors that say what is wrong, and connections after a fork."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from masterywiki.db.database import DATABASE_FILE, Database, engine_url
from masterywiki.errors import ConfigError, DatabaseUnavailable
from tests.postgres import free_port


def test_the_sqlite_file_is_made_on_first_use_in_wal_mode(tmp_path: Path) -> None:
    database = Database.for_instance(tmp_path / "new-instance")
    with database.read() as db:
        assert db.value("SELECT COUNT(*) FROM users") == 0
    database.close()
    with sqlite3.connect(tmp_path / "new-instance" / DATABASE_FILE) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
    raw.close()
    assert {"users", "sessions", "watches", "notify_outbox", "comment_posts"} <= tables


def test_urls(tmp_path: Path) -> None:
    assert engine_url("", tmp_path) == f"sqlite:///{tmp_path.resolve() / DATABASE_FILE}"
    assert engine_url(" postgresql://u:p@db.example/wiki ", tmp_path) == (
        "postgresql+psycopg://u:p@db.example/wiki"
    )
    assert engine_url("postgres://u@h/w", tmp_path) == "postgresql+psycopg://u@h/w"
    for wrong in ("mysql://u@h/w", "not a url", "sqlite://"):
        with pytest.raises(ConfigError, match="database_url"):
            engine_url(wrong, tmp_path)


def test_the_password_is_never_shown() -> None:
    database = Database(engine_url("postgresql://wiki:s3cret@db.example/wiki", Path()))
    assert "s3cret" not in database.display_url and "db.example" in database.display_url


def test_an_unreachable_postgresql_is_a_clear_503() -> None:
    database = Database(engine_url(f"postgresql://wiki:s3cret@127.0.0.1:{free_port()}/w", Path()))
    with pytest.raises(DatabaseUnavailable) as raised, database.read():
        pass
    assert raised.value.status == 503
    assert "did not answer" in raised.value.message and "s3cret" not in raised.value.message


def test_writes_are_serialised_across_connections(database: Database) -> None:
    """Read-then-write from many threads at once: with the writer's lock up front no
    two read the same maximum (without it PostgreSQL's read committed lets them)."""

    def count_up() -> None:
        for _ in range(15):
            with database.write() as db:
                top = db.value("SELECT COALESCE(MAX(at), 0) FROM comment_posts")
                db.run("INSERT INTO comment_posts (who, at) VALUES ('t', :at)", at=top + 1)

    threads = [threading.Thread(target=count_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.read() as db:
        values = [row["at"] for row in db.all("SELECT at FROM comment_posts")]
    assert sorted(values) == [float(n) for n in range(1, 61)]


def test_a_forked_child_opens_its_own_connections(database: Database) -> None:
    with database.write() as db:
        db.run("INSERT INTO comment_posts (who, at) VALUES ('parent', 1)")
    pid = os.fork()
    if pid == 0:  # the child: the parent's pooled connection must not be reused
        code = 1
        try:
            with database.write() as db:
                db.run("INSERT INTO comment_posts (who, at) VALUES ('child', 2)")
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with database.read() as db:  # and the parent's connection still works
        assert db.value("SELECT COUNT(*) FROM comment_posts") == 2


def _start_together(url: str, gate: Any) -> None:
    gate.wait(10)
    database = Database(url)
    database.upgrade()
    with database.write() as db:
        db.run("INSERT INTO comment_posts (who, at) VALUES ('w', 1)")
    database.close()


def test_workers_starting_together_on_a_new_file_all_start(tmp_path: Path) -> None:
    """gunicorn's workers open the same new SQLite file at once: switching it to WAL
    needs the file alone, so all but one meet a locked file and must wait, not fail."""
    context = multiprocessing.get_context("fork")
    for attempt in range(4):
        url = f"sqlite:///{tmp_path / f'new{attempt}.sqlite3'}"
        gate = context.Barrier(8)
        workers = [context.Process(target=_start_together, args=(url, gate)) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [worker.exitcode for worker in workers] == [0] * 8
        with sqlite3.connect(tmp_path / f"new{attempt}.sqlite3") as raw:
            assert raw.execute("SELECT COUNT(*) FROM comment_posts").fetchone()[0] == 8
        raw.close()
