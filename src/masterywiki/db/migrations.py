"""Schema migrations: numbered steps, forward only, run on start and by `db upgrade`.

Every step runs in the one transaction that `Database.upgrade` opens under its lock
(both databases have transactional DDL), so servers starting together apply each
step once, and a step that fails leaves the database as it was.

Step 1 is the schema as the first releases made it, table by table and only where a
table is missing, so it adopts their SQLite files (which had no version table) as
they are. A table that a later step changes must be written out here as it was at
step 1 (as `users` is), never taken from `schema.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, Connection, Float, Integer, MetaData, Table, Text, inspect, text

from masterywiki.db import schema
from masterywiki.errors import ConfigError

Step = Callable[[Connection], None]

_first = MetaData()
_users_at_step_1 = Table(
    "users",
    _first,
    Column("id", Integer, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("password", Text, nullable=False),
    Column("session_version", Integer, nullable=False, server_default="1"),
    Column("created", Float, nullable=False),
    sqlite_autoincrement=True,
)
_UNCHANGED_SINCE_STEP_1 = (
    "sessions", "login_failures", "setup_token", "watches", "watch_feeds", "watch_email",
    "notify_cursor", "notify_outbox",
)  # fmt: skip


def _accounts_watches_outbox(connection: Connection) -> None:
    _first.create_all(connection, checkfirst=True)
    tables = [schema.metadata.tables[name] for name in _UNCHANGED_SINCE_STEP_1]
    schema.metadata.create_all(connection, tables=tables, checkfirst=True)


def _one_database(connection: Connection) -> None:
    """The comment rate limit moves in (from its own `comments.sqlite3`, whose counts
    age out within minutes and are not carried over); sessions became rows long ago,
    so the users' unused `session_version` goes."""
    columns = {column["name"] for column in inspect(connection).get_columns("users")}
    if "session_version" in columns:
        connection.execute(text("ALTER TABLE users DROP COLUMN session_version"))
    schema.metadata.create_all(connection, tables=[schema.comment_posts], checkfirst=True)


def _stewardship(connection: Connection) -> None:
    """Reader feedback on pages and the record of searches (for the insights page)."""
    tables = [schema.feedback, schema.search_records]
    schema.metadata.create_all(connection, tables=tables, checkfirst=True)


def _schedule(connection: Connection) -> None:
    """When each scheduled job last ran, so one server of many runs it."""
    schema.metadata.create_all(connection, tables=[schema.schedule], checkfirst=True)


def _counters(connection: Connection) -> None:
    """Numbers handed out once across servers (the ids of change requests)."""
    schema.metadata.create_all(connection, tables=[schema.counters], checkfirst=True)


def _signin_providers(connection: Connection) -> None:
    """Accounts from OpenID Connect and LDAP: where each comes from, the provider's
    id for it, when it last signed in, and whether an admin chose its role."""
    columns = {column["name"] for column in inspect(connection).get_columns("users")}
    added = {
        "source": "TEXT NOT NULL DEFAULT 'local'",
        "subject": "TEXT NOT NULL DEFAULT ''",
        "last_login": "DOUBLE PRECISION" if connection.dialect.name == "postgresql" else "REAL",
        "role_by_admin": "BOOLEAN NOT NULL DEFAULT FALSE"
        if connection.dialect.name == "postgresql"
        else "BOOLEAN NOT NULL DEFAULT 0",
    }
    for name, declaration in added.items():
        if name not in columns:
            connection.execute(text(f"ALTER TABLE users ADD COLUMN {name} {declaration}"))
    connection.execute(
        text("CREATE INDEX IF NOT EXISTS users_by_subject ON users (source, subject)")
    )


def _onboarding(connection: Connection) -> None:
    """Which pages each reader opened (onboarding paths) and read confirmations."""
    tables = [schema.page_views, schema.acknowledgements]
    schema.metadata.create_all(connection, tables=tables, checkfirst=True)


def _account_language(connection: Connection) -> None:
    """The interface language a user chose on their account page ('' for none)."""
    columns = {column["name"] for column in inspect(connection).get_columns("users")}
    if "language" not in columns:
        connection.execute(text("ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT ''"))


STEPS: tuple[tuple[int, str, Step], ...] = (
    (1, "accounts, sessions, watches and the mail outbox", _accounts_watches_outbox),
    (2, "one database: the comment rate limit; no session_version", _one_database),
    (3, "stewardship: reader feedback and search records", _stewardship),
    (4, "a schedule for jobs one server of many runs", _schedule),
    (5, "counters: ids handed out once across servers", _counters),
    (6, "sign-in providers: account source, subject, last login", _signin_providers),
    (7, "onboarding: pages readers opened, read confirmations", _onboarding),
    (8, "the interface language each account chose", _account_language),
)
LATEST = STEPS[-1][0]


def version(connection: Connection) -> int:
    """The schema version of a database; 0 when it has none yet."""
    if not inspect(connection).has_table("schema_version"):
        return 0
    found = connection.execute(text("SELECT MAX(version) FROM schema_version")).scalar()
    return int(found or 0)


def upgrade(connection: Connection, target: int = LATEST) -> list[int]:
    """Apply the steps after the database's version, up to `target`; returns them."""
    current = version(connection)
    if current > LATEST:
        raise ConfigError(
            f"The database is at schema version {current}, newer than this masterywiki"
            f" knows ({LATEST}): upgrade masterywiki instead."
        )
    schema.metadata.create_all(connection, tables=[schema.schema_version], checkfirst=True)
    applied = []
    for number, _title, step in STEPS:
        if current < number <= target:
            step(connection)
            applied.append(number)
    if applied:
        connection.execute(text("DELETE FROM schema_version"))
        connection.execute(text("INSERT INTO schema_version VALUES (:v)"), {"v": applied[-1]})
    return applied
