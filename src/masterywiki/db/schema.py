"""The tables of the one database for people and operational data, as they are now.

Described once with SQLAlchemy so each database gets its own types (`REAL` or
`DOUBLE PRECISION`, `BLOB` or `BYTEA`). Migrations (`migrations.py`) bring any
earlier database to this shape; `copying.py` moves rows between two databases.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),  # never reused: old sessions stay dead
    Column("username", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("password", Text, nullable=False),  # '' for an account that has none
    Column("created", Float, nullable=False),
    # Where the account comes from: 'local', 'oidc' or 'ldap'; `subject` is the
    # provider's own lasting id for it (OpenID `sub`, directory DN), '' for local.
    Column("source", Text, nullable=False, server_default="local"),
    Column("subject", Text, nullable=False, server_default=""),
    Column("last_login", Float),
    Column("role_by_admin", Boolean, nullable=False, server_default="0"),
    Column("language", Text, nullable=False, server_default=""),  # interface; '' for none
    Index("users_by_subject", "source", "subject"),
    sqlite_autoincrement=True,
)

sessions = Table(
    "sessions",
    metadata,
    Column("digest", Text, primary_key=True),  # of the secret in the cookie, never stored
    Column("user_id", Integer, nullable=False),
    Column("created", Float, nullable=False),
    Column("seen", Float, nullable=False),
    Index("sessions_by_user", "user_id"),
    Index("sessions_by_seen", "seen"),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("username", Text, nullable=False),
    Column("address", Text, nullable=False),
    Column("at", Float, nullable=False),
    Index("login_failures_by_user", "username", "at"),
    Index("login_failures_by_address", "address", "at"),
)

setup_token = Table(
    "setup_token",
    metadata,
    Column("id", Integer, CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
    Column("digest", Text, nullable=False),
    Column("created", Float, nullable=False),
)

watches = Table(
    "watches",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=False),
    Column("target", Text, primary_key=True),  # a page name; for a section, its page's
    Column("scope", Text, primary_key=True),  # 'page' or 'section'
    Column("created", Float, nullable=False),
)

watch_feeds = Table(
    "watch_feeds",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=False),
    Column("digest", Text, nullable=False, unique=True),  # sha256 of the feed's token
    Column("created", Float, nullable=False),
)

watch_email = Table(
    "watch_email",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=False),  # wants email
    Column("created", Float, nullable=False),
)

notify_cursor = Table(
    "notify_cursor",
    metadata,
    Column("id", Integer, CheckConstraint("id = 1"), primary_key=True, autoincrement=False),
    Column("commit_sha", Text, nullable=False),  # the newest commit turned into messages
)

notify_outbox = Table(
    "notify_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender", Text, nullable=False),
    Column("recipient", Text, nullable=False),
    Column("message", LargeBinary, nullable=False),
    Column("created", Float, nullable=False),
    Column("next_try", Float, nullable=False),  # not before; pushed ahead while sending
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    sqlite_autoincrement=True,
)

comment_posts = Table(
    "comment_posts",
    metadata,
    Column("who", Text, nullable=False),  # a username, or an address when anonymous
    Column("at", Float, nullable=False),
    Index("comment_posts_by_who", "who", "at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("page", Text, nullable=False),  # the page's name when the reader wrote
    Column("helpful", Boolean),  # yes, no, or not said (a report alone)
    Column("reason", Text),  # 'outdated', 'unclear', 'missing', 'other', or none
    Column("note", Text, nullable=False, server_default=""),
    Column("username", Text),  # none for a reader who is not logged in
    Column("created", Float, nullable=False),
    Column("resolved", Float),  # when an owner or editor closed the report
    Column("resolved_by", Text),
    Index("feedback_by_page", "page", "created"),
    Index("feedback_open", "resolved", "reason"),
    sqlite_autoincrement=True,
)

search_records = Table(
    "search_records",
    metadata,
    Column("id", Integer, primary_key=True),  # no user identity is ever stored here
    Column("at", Float, nullable=False),
    Column("query", Text, nullable=False),  # as typed (trimmed, capped)
    Column("normalized", Text, nullable=False),  # lowercased words, for counting
    Column("results", Integer, nullable=False),
    Column("opened", Text),  # the page a reader opened from the results, if any
    Index("search_records_by_time", "at"),
    # Covering: the insights' aggregate reads only the index (1,000,000 records, 30
    # days: 81 ms on SQLite where (normalized, at) alone took 257; bench/insights.py).
    Index("search_records_by_query", "normalized", "at", "results", "opened"),
    sqlite_autoincrement=True,
)

schedule = Table(
    "schedule",
    metadata,
    Column("job", Text, primary_key=True),  # e.g. 'owner-reminders'
    Column("last_run", Float, nullable=False),  # when a server last claimed the job
)

counters = Table(
    "counters",
    metadata,
    Column("name", Text, primary_key=True),  # e.g. 'proposals': the last id handed out
    Column("value", Integer, nullable=False),
)

page_views = Table(
    "page_views",
    metadata,
    Column("username", Text, primary_key=True),  # logged-in readers only
    Column("page", Text, primary_key=True),  # the page's name when it was opened
    Column("commit_sha", Text, nullable=False),  # its version then (onboarding/versions.py)
    Column("at", Float, nullable=False),  # the latest opening; earlier ones are not kept
)

acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("username", Text, primary_key=True),
    Column("page", Text, primary_key=True),  # the page's name when it was confirmed
    Column("commit_sha", Text, primary_key=True),  # the version confirmed
    Column("at", Float, nullable=False),  # the first confirmation of that version
    Index("acknowledgements_by_page", "page", "at"),
)

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)

# Short-lived counters that age out within minutes: not copied or backed up.
TRANSIENT = frozenset({"login_failures", "comment_posts", "schema_version"})
