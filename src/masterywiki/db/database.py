"""The one database for people and operational data: SQLite or PostgreSQL.

SQLite (the default, a file in the instance folder) suits one server; PostgreSQL
(`database_url`) lets any number of servers share accounts, sessions, rate limits
and the outbox. SQLAlchemy's engine gives both one interface, pooled connections
and each database's own types; the queries stay plain SQL with named parameters,
which both understand, so a reader sees exactly what runs.

Writes are serialised as SQLite does it: `write()` takes the one writer's lock up
front (SQLite `BEGIN IMMEDIATE`, a PostgreSQL transaction-level advisory lock), so
a read-then-write is never interleaved with another server's. On PostgreSQL, work
that locks only its own rows (the outbox) uses `write(serialised=False)` and
`FOR UPDATE`; SQLite has one writer at a time whatever is asked.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, TextClause, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from masterywiki.db import migrations
from masterywiki.errors import ConfigError, DatabaseUnavailable

DATABASE_FILE = "masterywiki.sqlite3"
BUSY_SECONDS = 10.0
WRITER_LOCK = 0x6D77_0001  # PostgreSQL advisory lock keys: the writer, the migrations
MIGRATION_LOCK = 0x6D77_0002

Row = RowMapping  # a result row, read by column name: row["username"]
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _forget_connections_after_fork() -> None:
    # A forked gunicorn worker must not use its parent's sockets or file handles.
    for engine in list(_engines):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_connections_after_fork)


@lru_cache(maxsize=512)
def _sql(statement: str) -> TextClause:
    return text(statement)


class Transaction:
    """One transaction's queries: plain SQL with `:name` parameters."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def one(self, sql: str, **params: Any) -> Row | None:
        return self.connection.execute(_sql(sql), params).mappings().first()

    def all(self, sql: str, **params: Any) -> list[Row]:
        return list(self.connection.execute(_sql(sql), params).mappings())

    def value(self, sql: str, **params: Any) -> Any:
        return self.connection.execute(_sql(sql), params).scalar()

    def run(self, sql: str, **params: Any) -> int:
        """Run a statement; returns how many rows it changed."""
        return self.connection.execute(_sql(sql), params).rowcount

    def run_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self.connection.execute(_sql(sql), list(rows))

    def for_update(self, skip_locked: bool = False) -> str:
        """The clause that locks the rows a SELECT finds, for PostgreSQL; nothing for
        SQLite, whose writer holds the whole file."""
        if self.connection.dialect.name != "postgresql":
            return ""
        return "FOR UPDATE SKIP LOCKED" if skip_locked else "FOR UPDATE"


def engine_url(setting: str, instance: Path) -> str:
    """The SQLAlchemy URL for the `database_url` setting. Raises ConfigError."""
    if not setting.strip():
        return f"sqlite:///{Path(instance).resolve() / DATABASE_FILE}"
    try:
        url = make_url(setting.strip())
    except ArgumentError:
        raise ConfigError(
            "database_url must look like postgresql://user:password@host/database"
        ) from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if url.drivername == "sqlite" and url.database:
        return url.render_as_string(hide_password=False)
    raise ConfigError(
        f"database_url: '{url.drivername}' is not supported; use postgresql://... (or leave"
        " it empty for the SQLite file in the instance folder)"
    )


class Database:
    """A pool of connections to one database, whose schema is brought up to date on
    first use (see `migrations.py`). Safe to share between threads and across fork."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_postgres = url.startswith("postgresql")
        if self.is_postgres:
            self.engine = create_engine(url, pool_size=5, max_overflow=10, pool_pre_ping=True)
        else:
            self.engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
            _take_sqlite_transactions(self.engine)
        _engines.add(self.engine)
        self._readers = self.engine.execution_options(sqlite_begin="")
        self._writers = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._ready = False
        self._ready_lock = threading.Lock()

    @classmethod
    def for_instance(cls, instance: Path, database_url: str = "") -> Database:
        return cls(engine_url(database_url, instance))

    @property
    def display_url(self) -> str:
        """The URL without its password, to show and log."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> Path | None:
        return None if self.is_postgres else Path(make_url(self.url).database or "")

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions -----------------------------------------------------------------

    @contextmanager
    def read(self, snapshot: bool = False) -> Iterator[Transaction]:
        """A transaction for reading. SQLite reads one snapshot anyway; on PostgreSQL
        `snapshot` asks for one too (every statement sees the same data), for copies."""
        with self._transaction(write=False) as found:
            if snapshot and self.is_postgres:
                found.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield found

    @contextmanager
    def write(self, serialised: bool = True) -> Iterator[Transaction]:
        """A transaction committed on success. `serialised` takes the writer's lock first."""
        with self._transaction(write=True, serialised=serialised) as found:
            yield found

    @contextmanager
    def _transaction(self, write: bool, serialised: bool = False) -> Iterator[Transaction]:
        self.ensure_ready()
        with self._begin(immediate=write) as connection:
            if write and serialised and self.is_postgres:
                connection.execute(_sql("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
            yield Transaction(connection)

    @contextmanager
    def _begin(self, immediate: bool) -> Iterator[Connection]:
        try:
            with (self._writers if immediate else self._readers).begin() as connection:
                yield connection
        except OperationalError as error:
            raise DatabaseUnavailable(
                f"The database ({self.display_url}) did not answer: {error.orig or error}"
            ) from error

    def check(self) -> str | None:
        """None when the database answers; else what is wrong (for the health check)."""
        try:
            with self.read() as db:
                db.value("SELECT 1")
        except DatabaseUnavailable as error:
            return error.message
        return None

    # -- schema -------------------------------------------------------------------------

    def ensure_ready(self) -> None:
        if not self._ready:
            with self._ready_lock:
                if not self._ready:
                    self.upgrade()

    def upgrade(self) -> list[int]:
        """Bring the schema up to date; returns the migration steps applied."""
        if not self.is_postgres:
            self._use_wal()
        with self._begin(immediate=True) as connection:
            if self.is_postgres:
                connection.execute(
                    _sql("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            applied = migrations.upgrade(connection)
        self._ready = True
        return applied

    def _use_wal(self) -> None:
        """WAL lets readers go on while one process writes. Switching needs a moment
        alone with the file; workers starting together can collide, so retry briefly."""
        path = self.sqlite_path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                raw = self.engine.raw_connection()  # outside any transaction, as WAL needs
                try:
                    driver = raw.driver_connection
                    assert driver is not None  # a pool's connection is always open
                    mode = driver.execute("PRAGMA journal_mode").fetchone()[0]
                    if mode != "wal":  # reading it needs no lock; only the switch does
                        driver.execute("PRAGMA journal_mode = WAL")
                finally:
                    raw.close()
                return
            # The driver's own error too: the PRAGMA runs on the raw connection.
            except (OperationalError, sqlite3.OperationalError) as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise DatabaseUnavailable(f"Cannot open {path}: {error}") from error
            time.sleep(0.05)


def _take_sqlite_transactions(engine: Engine) -> None:
    """Let SQLite transactions begin as asked: the driver's own implicit BEGIN would
    start them late and never IMMEDIATE (SQLAlchemy's documented recipe)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())
