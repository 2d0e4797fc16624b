"""The instance's SQLite file, shared by server processes: WAL, a busy timeout, one writer.

Each call opens its own connection, so a service object is safe to share between
threads, and several gunicorn workers can use the same file. Writes take the lock
up front (`BEGIN IMMEDIATE`), so a read-then-write is never interleaved with another
process's.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_SECONDS = 10.0


@contextmanager
def connect(path: Path, write: bool = False) -> Iterator[sqlite3.Connection]:
    """A connection; with `write`, one IMMEDIATE transaction committed on success."""
    connection = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
        if write:
            # IMMEDIATE takes the write lock up front, so two processes never
            # both read "no such row" and then both insert.
            connection.execute("BEGIN IMMEDIATE")
        yield connection
        if write:
            connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    finally:
        connection.close()


def create_schema(path: Path, script: str) -> None:
    """Switch the file to WAL and run `script` (idempotent `CREATE ... IF NOT EXISTS`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        connection = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.executescript(script)
            return
        except sqlite3.OperationalError as error:
            # Switching to WAL needs a moment alone with the file; workers
            # starting together can collide here, so try again briefly.
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        finally:
            connection.close()
        time.sleep(0.05)
