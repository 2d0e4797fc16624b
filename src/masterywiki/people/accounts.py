"""Accounts: users, roles, password hashes, sessions, login limits, first-run setup (no Flask).

Everything lives in one SQLite file, `INSTANCE/masterywiki.sqlite3`, opened per call
in WAL mode with a busy timeout, so several server processes can share it safely.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from masterywiki.db import sqlite as sqlitedb
from masterywiki.errors import (
    Forbidden,
    InvalidInput,
    LoginFailed,
    TooManyAttempts,
    UnknownUser,
    UserExists,
)

ROLES = ("reader", "commenter", "editor", "admin")
DATABASE = "masterywiki.sqlite3"
USERNAME = re.compile(r"[a-z0-9._-]{1,40}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MIN_PASSWORD, MAX_PASSWORD = 8, 1024
MAX_NAME = 100
BUSY_SECONDS = sqlitedb.BUSY_SECONDS
SESSION_SECONDS = 14 * 24 * 3600  # a session unused this long has ended
SEEN_EVERY = 3600.0  # how stale a session's last use may be before it is written again

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: old sessions stay dead
    username TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    password TEXT NOT NULL,
    session_version INTEGER NOT NULL DEFAULT 1,  -- unused since sessions are rows below
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,  -- of the secret in the cookie, which is never stored
    user_id INTEGER NOT NULL,
    created REAL NOT NULL,
    seen REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
CREATE INDEX IF NOT EXISTS sessions_by_seen ON sessions (seen);
CREATE TABLE IF NOT EXISTS login_failures (
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_by_user ON login_failures (username, at);
CREATE INDEX IF NOT EXISTS login_failures_by_address ON login_failures (address, at);
CREATE TABLE IF NOT EXISTS setup_token (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    digest TEXT NOT NULL,
    created REAL NOT NULL
);
PRAGMA user_version = 1;
"""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    email: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is `role` or above."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class SessionKey:
    """What a login session's cookie holds: the account's id and the session's own
    secret. The server keeps a row per session (by the secret's digest), so a cookie
    stops working when its row goes: at logout (that session), after a password change
    or the account's removal (all of that user's), or once unused for the lifetime."""

    user_id: int
    secret: str


def _user(row: sqlite3.Row) -> User:
    return User(row["username"], row["name"], row["email"], row["role"])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_username(username: str) -> str:
    """The username, normalised. Raises InvalidInput."""
    username = username.strip()
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "Usernames are 1 to 40 lowercase letters, digits, '-', '_' or '.'"
            f" (got '{username[:60]}')."
        )
    return username


def check_role(role: str) -> str:
    """Raises InvalidInput for a role that does not exist."""
    if role not in ROLES:
        raise InvalidInput(f"Unknown role '{role}': choose one of {', '.join(ROLES)}.")
    return role


def check_password(password: str) -> str:
    """Raises InvalidInput for a password too short or too long."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"Passwords need at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"Passwords can have at most {MAX_PASSWORD} characters.")
    return password


def _check_profile(username: str, name: str, email: str) -> tuple[str, str]:
    name, email = name.strip() or username, email.strip()
    if len(name) > MAX_NAME or not name.isprintable():
        raise InvalidInput(f"Display names are up to {MAX_NAME} printable characters.")
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        raise InvalidInput(f"'{email[:60]}' does not look like an email address.")
    return name, email


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class Accounts:
    """The accounts service. Every public method opens its own connection.

    `now` is the clock (seconds, like `time.time`), injectable for tests; `hasher`
    the argon2 parameters (tests use cheap ones). Failed logins are counted per
    account and per client address over `window` seconds; at `max_failures`
    further attempts are refused until the oldest failures age out.
    """

    def __init__(
        self,
        path: Path,
        *,
        now: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
        max_failures: int = 10,
        window: float = 300.0,
        session_seconds: float = SESSION_SECONDS,
    ) -> None:
        self.path = Path(path)
        self.now = now
        self.hasher = hasher or PasswordHasher()
        self.max_failures = max_failures
        self.window = window
        self.session_seconds = session_seconds
        self._schema_ready = False
        self._dummy: str | None = None

    # -- plumbing ---------------------------------------------------------------

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection; with `write`, one IMMEDIATE transaction committed on success."""
        if not self._schema_ready:
            self._create_schema()
        with sqlitedb.connect(self.path, write) as connection:
            yield connection

    def _create_schema(self) -> None:
        sqlitedb.create_schema(self.path, SCHEMA)
        self._schema_ready = True

    def _hash(self, password: str) -> str:
        return self.hasher.hash(check_password(password))

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    # -- users --------------------------------------------------------------------

    def add_user(
        self, username: str, password: str, role: str = "reader", name: str = "", email: str = ""
    ) -> User:
        """Create an account. Raises InvalidInput, UserExists."""
        username = check_username(username)
        name, email = _check_profile(username, name, email)
        check_role(role)
        digest = self._hash(password)  # slow: done before taking the write lock
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise UserExists(f"There is already a user called '{username}'.")
            db.execute(
                "INSERT INTO users (username, name, email, role, password, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (username, name, email, role, digest, self.now()),
            )
        return User(username, name, email, role)

    def get_user(self, username: str) -> User:
        """Raises UnknownUser."""
        with self._db() as db:
            row = db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        if row is None:
            raise UnknownUser(f"There is no user called '{username}'.")
        return _user(row)

    def list_users(self) -> list[User]:
        with self._db() as db:
            return [_user(row) for row in db.execute("SELECT * FROM users ORDER BY username")]

    def has_admin(self) -> bool:
        with self._db() as db:
            return db.execute("SELECT 1 FROM users WHERE role = 'admin'").fetchone() is not None

    def set_role(self, username: str, role: str) -> User:
        """Raises InvalidInput (unknown role, or demoting the last admin), UnknownUser."""
        check_role(role)
        with self._db(write=True) as db:
            row = self._row(db, username)
            if row["role"] == "admin" and role != "admin":
                self._keep_an_admin(db, username, "change the role of")
            db.execute("UPDATE users SET role = ? WHERE username = ?", (role, username))
        return User(row["username"], row["name"], row["email"], role)

    def set_password(self, username: str, password: str) -> None:
        """Change a password and log the user out of every session. Raises
        InvalidInput, UnknownUser."""
        digest = self._hash(password)
        with self._db(write=True) as db:
            row = self._row(db, username)
            db.execute("UPDATE users SET password = ? WHERE id = ?", (digest, row["id"]))
            db.execute("DELETE FROM sessions WHERE user_id = ?", (row["id"],))

    def remove_user(self, username: str) -> None:
        """Delete an account (its sessions die with it). Raises UnknownUser, and
        InvalidInput for the last admin."""
        with self._db(write=True) as db:
            row = self._row(db, username)
            if row["role"] == "admin":
                self._keep_an_admin(db, username, "remove")
            db.execute("DELETE FROM users WHERE id = ?", (row["id"],))
            db.execute("DELETE FROM sessions WHERE user_id = ?", (row["id"],))

    def _row(self, db: sqlite3.Connection, username: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM users WHERE username = ?", (username,)
        ).fetchone()
        if row is None:
            raise UnknownUser(f"There is no user called '{username}'.")
        return row

    def _keep_an_admin(self, db: sqlite3.Connection, username: str, action: str) -> None:
        others = db.execute(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND username != ?", (username,)
        ).fetchone()[0]
        if not others:
            raise InvalidInput(
                f"Cannot {action} '{username}': they are the only admin."
                " Make someone else an admin first."
            )

    # -- sessions -------------------------------------------------------------------

    def start_session(self, username: str) -> SessionKey:
        """A new login session for `username` (and sessions long unused are forgotten).
        Raises UnknownUser."""
        secret = secrets.token_urlsafe(32)
        now = self.now()
        with self._db(write=True) as db:
            row = self._row(db, username)
            db.execute("DELETE FROM sessions WHERE seen <= ?", (now - self.session_seconds,))
            db.execute(
                "INSERT INTO sessions (digest, user_id, created, seen) VALUES (?, ?, ?, ?)",
                (_digest(secret), row["id"], now, now),
            )
        return SessionKey(row["id"], secret)

    def user_for_session(self, key: SessionKey) -> User | None:
        """The user a session belongs to, or None once it ended (logged out, the password
        changed, the user removed, or unused for `session_seconds`)."""
        now = self.now()
        with self._db() as db:
            row = db.execute(
                "SELECT users.*, sessions.seen FROM sessions JOIN users"
                " ON users.id = sessions.user_id"
                " WHERE sessions.digest = ? AND sessions.user_id = ? AND sessions.seen > ?",
                (_digest(key.secret), key.user_id, now - self.session_seconds),
            ).fetchone()
        if row is None:
            return None
        if row["seen"] < now - SEEN_EVERY:  # in use: it lives on (written hourly at most)
            with self._db(write=True) as db:
                db.execute(
                    "UPDATE sessions SET seen = ? WHERE digest = ?", (now, _digest(key.secret))
                )
        return _user(row)

    def end_session(self, key: SessionKey) -> None:
        """Log this one session out; the user's other sessions go on."""
        with self._db(write=True) as db:
            db.execute(
                "DELETE FROM sessions WHERE digest = ? AND user_id = ?",
                (_digest(key.secret), key.user_id),
            )

    # -- login ------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, address: str = "") -> User:
        """The user, when the password is right. Raises TooManyAttempts (before even
        checking the password) and LoginFailed; `address` is the client's IP."""
        username = username.strip().lower()[:100]
        now = self.now()
        with self._db() as db:
            self._check_rate(db, username, address, now)
            row = db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
        # An unknown user costs the same hashing time as a known one.
        stored = row["password"] if row else self._dummy_hash()
        if row is None or not self._verify(stored, password):
            with self._db(write=True) as db:
                db.execute("INSERT INTO login_failures VALUES (?, ?, ?)", (username, address, now))
                db.execute("DELETE FROM login_failures WHERE at <= ?", (now - self.window,))
            raise LoginFailed("Wrong username or password.")
        rehash = self.hasher.check_needs_rehash(stored)
        new_hash = self.hasher.hash(password) if rehash else stored
        with self._db(write=True) as db:
            # Forget this address's failures for this account only: a success
            # elsewhere must not reset the count of someone guessing from here.
            db.execute(
                "DELETE FROM login_failures WHERE username = ? AND address = ?",
                (username, address),
            )
            db.execute("UPDATE users SET password = ? WHERE id = ?", (new_hash, row["id"]))
        return _user(row)

    def _check_rate(self, db: sqlite3.Connection, username: str, address: str, now: float) -> None:
        checks = [("username", username)] + ([("address", address)] if address else [])
        since = now - self.window
        waits = []
        for column, value in checks:
            # The max_failures-th most recent failure: once it ages out, the count
            # drops below the limit again.
            found = db.execute(
                f"SELECT at FROM login_failures WHERE {column} = ? AND at > ?"
                " ORDER BY at DESC LIMIT 1 OFFSET ?",
                (value, since, self.max_failures - 1),
            ).fetchone()
            if found is not None:
                waits.append(max(1, int(found["at"] + self.window - now + 0.999)))
        if waits:
            wait = max(waits)
            raise TooManyAttempts(
                f"Too many failed logins for this account or from this address."
                f" Try again in {_wait_text(wait)}.",
                retry_after=wait,
            )

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_hex(16))
        return self._dummy

    # -- first-run setup ----------------------------------------------------------------

    def setup_token(self) -> str | None:
        """A new one-time token for `/-/setup`, or None when an admin exists.

        Only a hash is stored, so each call replaces the previous token: only the
        link printed last works, and none once an admin account exists.
        """
        token = secrets.token_urlsafe(24)
        with self._db(write=True) as db:
            if db.execute("SELECT 1 FROM users WHERE role = 'admin'").fetchone():
                return None
            db.execute(
                "INSERT OR REPLACE INTO setup_token (id, digest, created) VALUES (1, ?, ?)",
                (_digest(token), self.now()),
            )
        return token

    def setup_token_valid(self, token: str) -> bool:
        with self._db() as db:
            return self._token_ok(db, token)

    def _token_ok(self, db: sqlite3.Connection, token: str) -> bool:
        if db.execute("SELECT 1 FROM users WHERE role = 'admin'").fetchone():
            return False
        row = db.execute("SELECT digest FROM setup_token WHERE id = 1").fetchone()
        return row is not None and hmac.compare_digest(row["digest"], _digest(token))

    def create_first_admin(
        self, token: str, username: str, password: str, name: str = "", email: str = ""
    ) -> User:
        """Use the setup token to create the first admin; the token dies with it.
        Raises Forbidden (bad or spent token), InvalidInput."""
        username = check_username(username)
        name, email = _check_profile(username, name, email)
        digest = self._hash(password)
        with self._db(write=True) as db:
            if not self._token_ok(db, token):
                raise Forbidden(
                    "This setup link is not valid any more: an admin account already exists"
                    " or a newer link was printed. Log in, or ask an admin."
                )
            if db.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone():
                raise UserExists(f"There is already a user called '{username}'.")
            db.execute(
                "INSERT INTO users (username, name, email, role, password, created)"
                " VALUES (?, ?, ?, 'admin', ?, ?)",
                (username, name, email, digest, self.now()),
            )
            db.execute("DELETE FROM setup_token")
        return User(username, name, email, "admin")


def open_accounts(instance: Path) -> Accounts:
    """The accounts of an instance folder (the database is created on first use)."""
    return Accounts(Path(instance) / DATABASE)
