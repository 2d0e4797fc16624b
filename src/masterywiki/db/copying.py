"""Copy the lasting rows of one database into another: `db copy`, backup, restore.

The source is read in one snapshot and the target written in one transaction, so a
copy taken while servers run is consistent and a failed copy leaves the target as
it was. Rows whose key the target already has are kept as they are, so copying
twice changes nothing. Short-lived counters (`schema.TRANSIENT`) are not copied.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from masterywiki.db import schema
from masterywiki.db.database import Database

BATCH = 1000


@dataclass(frozen=True)
class Copied:
    """One table's count: rows added to the target, and rows it had already."""

    table: str
    added: int
    present: int


def lasting_tables() -> list[Table]:
    """The tables worth keeping, parents before children."""
    return [t for t in schema.metadata.sorted_tables if t.name not in schema.TRANSIENT]


def copy_rows(source: Database, target: Database, *, replace: bool = False) -> list[Copied]:
    """Copy every lasting table from `source` to `target` (brought to the latest
    schema first). With `replace`, the target's rows are deleted first."""
    counts = []
    with source.read(snapshot=True) as reading, target.write() as writing:
        for table in lasting_tables():
            rows = [dict(row) for row in reading.connection.execute(select(table)).mappings()]
            if replace:
                writing.connection.execute(table.delete())
            before = _count(writing.connection, table)
            insert = postgresql_insert if target.is_postgres else sqlite_insert
            for start in range(0, len(rows), BATCH):
                statement = insert(table).on_conflict_do_nothing()
                writing.connection.execute(statement, rows[start : start + BATCH])
            added = _count(writing.connection, table) - before
            counts.append(Copied(table.name, added, len(rows) - added))
        if target.is_postgres:
            _continue_sequences(writing.connection)
    return counts


def row_counts(database: Database) -> dict[str, int]:
    """How many rows each lasting table holds."""
    with database.read(snapshot=True) as reading:
        return {t.name: _count(reading.connection, t) for t in lasting_tables()}


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)


def _continue_sequences(connection: Connection) -> None:
    """Rows copied with their ids leave PostgreSQL's id sequences behind: move each
    past the highest id, or the next new account would collide with a copied one."""
    for table in lasting_tables():
        column = table.autoincrement_column
        if column is not None:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'),"
                f" COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
            )
