"""Accounts: users, roles, password hashes, sessions, login limits, first-run setup (no Flask).

Everything lives in the instance's one database (`db/`): the SQLite file by default,
or a PostgreSQL that several servers share, so a login on one is a login on all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from masterywiki.db.database import Database, Row, Transaction
from masterywiki.errors import (
    Forbidden,
    InvalidInput,
    LoginFailed,
    TooManyAttempts,
    UnknownUser,
    UserExists,
    wait_text,
)

ROLES = ("reader", "commenter", "editor", "admin")
USERNAME = re.compile(r"[a-z0-9._-]{1,40}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
MIN_PASSWORD, MAX_PASSWORD = 8, 1024
MAX_NAME = 100
SESSION_SECONDS = 14 * 24 * 3600  # a session unused this long has ended
SEEN_EVERY = 3600.0  # how stale a session's last use may be before it is written again


@dataclass(frozen=True)
class User:
    username: str
    name: str
    email: str
    role: str
    source: str = "local"  # 'local', or the sign-in provider it comes from: 'oidc', 'ldap'
    last_login: float | None = None
    has_password: bool = True
    language: str = ""  # the interface language the user chose; '' for none

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


def user_from_row(row: Mapping[Any, Any]) -> User:
    return User(
        row["username"], row["name"], row["email"], row["role"], row["source"],
        row["last_login"], bool(row["password"]), row.get("language") or "",
    )  # fmt: skip


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


class Accounts:
    """The accounts service. Every public method opens its own connection.

    `now` is the clock (seconds, like `time.time`), injectable for tests; `hasher`
    the argon2 parameters (tests use cheap ones). Failed logins are counted per
    account and per client address over `window` seconds; at `max_failures`
    further attempts are refused until the oldest failures age out.
    """

    def __init__(
        self,
        database: Database,
        *,
        now: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
        max_failures: int = 10,
        window: float = 300.0,
        session_seconds: float = SESSION_SECONDS,
    ) -> None:
        self.database = database
        self.now = now
        self.hasher = hasher or PasswordHasher()
        self.max_failures = max_failures
        self.window = window
        self.session_seconds = session_seconds
        self._dummy: str | None = None

    # -- plumbing ---------------------------------------------------------------

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
        with self.database.write() as db:
            if db.one("SELECT 1 FROM users WHERE username = :u", u=username):
                raise UserExists(f"There is already a user called '{username}'.")
            db.run(
                "INSERT INTO users (username, name, email, role, password, created)"
                " VALUES (:username, :name, :email, :role, :password, :now)",
                username=username, name=name, email=email, role=role, password=digest,
                now=self.now(),
            )  # fmt: skip
        return User(username, name, email, role)

    def get_user(self, username: str) -> User:
        """Raises UnknownUser."""
        with self.database.read() as db:
            row = db.one("SELECT * FROM users WHERE username = :u", u=username)
        if row is None:
            raise UnknownUser(f"There is no user called '{username}'.")
        return user_from_row(row)

    def list_users(self) -> list[User]:
        with self.database.read() as db:
            return [user_from_row(row) for row in db.all("SELECT * FROM users ORDER BY username")]

    def find_users(self, prefix: str, limit: int) -> list[User]:
        """Up to `limit` accounts whose username or name starts with `prefix` (any case),
        by username: what the comment box offers after `@`."""
        prefix = prefix.lower()
        with self.database.read() as db:
            rows = db.all(
                "SELECT * FROM users WHERE substr(username, 1, :n) = :p"
                " OR lower(substr(name, 1, :n)) = :p ORDER BY username LIMIT :limit",
                n=len(prefix), p=prefix, limit=limit,
            )  # fmt: skip
        return [user_from_row(row) for row in rows]

    def has_admin(self) -> bool:
        with self.database.read() as db:
            return db.one("SELECT 1 FROM users WHERE role = 'admin'") is not None

    def set_role(self, username: str, role: str) -> User:
        """Raises InvalidInput (unknown role, or demoting the last admin), UnknownUser."""
        check_role(role)
        with self.database.write() as db:
            row = self._row(db, username)
            if row["role"] == "admin" and role != "admin":
                self._keep_an_admin(db, username, "change the role of")
            # An admin's choice outlasts a provider's default role (not its role map).
            db.run(
                "UPDATE users SET role = :role, role_by_admin = :yes WHERE id = :id",
                role=role, yes=True, id=row["id"],
            )  # fmt: skip
        return user_from_row({**row, "role": role})

    def set_password(self, username: str, password: str) -> None:
        """Change a password and log the user out of every session. Raises
        InvalidInput, UnknownUser."""
        digest = self._hash(password)
        with self.database.write() as db:
            row = self._row(db, username)
            db.run("UPDATE users SET password = :p WHERE id = :id", p=digest, id=row["id"])
            db.run("DELETE FROM sessions WHERE user_id = :id", id=row["id"])

    def set_language(self, username: str, language: str) -> None:
        """The interface language the user chose ('' for the browser's). Raises
        UnknownUser; the caller checks that the language is one the interface has."""
        with self.database.write() as db:
            row = self._row(db, username)
            db.run("UPDATE users SET language = :l WHERE id = :id", l=language, id=row["id"])

    def remove_user(self, username: str) -> None:
        """Delete an account (its sessions die with it). Raises UnknownUser, and
        InvalidInput for the last admin."""
        with self.database.write() as db:
            row = self._row(db, username)
            if row["role"] == "admin":
                self._keep_an_admin(db, username, "remove")
            db.run("DELETE FROM users WHERE id = :id", id=row["id"])
            db.run("DELETE FROM sessions WHERE user_id = :id", id=row["id"])

    def _row(self, db: Transaction, username: str) -> Row:
        row = db.one("SELECT * FROM users WHERE username = :u", u=username)
        if row is None:
            raise UnknownUser(f"There is no user called '{username}'.")
        return row

    def _keep_an_admin(self, db: Transaction, username: str, action: str) -> None:
        others = db.value(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND username != :u", u=username
        )
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
        with self.database.write() as db:
            row = self._row(db, username)
            db.run("DELETE FROM sessions WHERE seen <= :t", t=now - self.session_seconds)
            db.run(
                "INSERT INTO sessions (digest, user_id, created, seen)"
                " VALUES (:digest, :user_id, :now, :now)",
                digest=_digest(secret), user_id=row["id"], now=now,
            )  # fmt: skip
            db.run("UPDATE users SET last_login = :now WHERE id = :id", now=now, id=row["id"])
        return SessionKey(row["id"], secret)

    def user_for_session(self, key: SessionKey) -> User | None:
        """The user a session belongs to, or None once it ended (logged out, the password
        changed, the user removed, or unused for `session_seconds`)."""
        now = self.now()
        with self.database.read() as db:
            row = db.one(
                "SELECT users.*, sessions.seen FROM sessions JOIN users"
                " ON users.id = sessions.user_id WHERE sessions.digest = :digest"
                " AND sessions.user_id = :user_id AND sessions.seen > :since",
                digest=_digest(key.secret), user_id=key.user_id, since=now - self.session_seconds,
            )  # fmt: skip
        if row is None:
            return None
        if row["seen"] < now - SEEN_EVERY:  # in use: it lives on (written hourly at most)
            with self.database.write(serialised=False) as db:  # one row, one statement
                db.run(
                    "UPDATE sessions SET seen = :now WHERE digest = :digest",
                    now=now, digest=_digest(key.secret),
                )  # fmt: skip
        return user_from_row(row)

    def end_session(self, key: SessionKey) -> None:
        """Log this one session out; the user's other sessions go on."""
        with self.database.write(serialised=False) as db:
            db.run(
                "DELETE FROM sessions WHERE digest = :digest AND user_id = :user_id",
                digest=_digest(key.secret), user_id=key.user_id,
            )  # fmt: skip

    # -- login ------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, address: str = "") -> User:
        """The user, when the password is right. Raises TooManyAttempts (before even
        checking the password) and LoginFailed; `address` is the client's IP."""
        username = username.strip().lower()[:100]
        self.check_rate(username, address)
        user = self.password_user(username, password)
        if user is None:
            self.record_failure(username, address)
            raise LoginFailed("Wrong username or password.")
        self.forget_failures(username, address)
        return user

    def password_user(self, username: str, password: str) -> User | None:
        """The local account `username` when `password` is its password, else None (an
        account from a sign-in provider has none unless an admin set one)."""
        with self.database.read() as db:
            row = db.one("SELECT * FROM users WHERE username = :u", u=username)
        # An unknown user, or one without a password, costs the same hashing time.
        stored = row["password"] if row and row["password"] else self._dummy_hash()
        if row is None or not row["password"] or not self._verify(stored, password):
            return None
        if self.hasher.check_needs_rehash(stored):
            new_hash = self.hasher.hash(password)
            with self.database.write() as db:
                db.run("UPDATE users SET password = :p WHERE id = :id", p=new_hash, id=row["id"])
        return user_from_row(row)

    def check_rate(self, username: str, address: str) -> None:
        """Raises TooManyAttempts when this account or address failed too often lately."""
        with self.database.read() as db:
            self._check_rate(db, username, address, self.now())

    def record_failure(self, username: str, address: str) -> None:
        now = self.now()
        with self.database.write() as db:
            db.run(
                "INSERT INTO login_failures (username, address, at) VALUES (:u, :a, :now)",
                u=username, a=address, now=now,
            )  # fmt: skip
            db.run("DELETE FROM login_failures WHERE at <= :t", t=now - self.window)

    def forget_failures(self, username: str, address: str) -> None:
        """Forget this address's failures for this account only: a success elsewhere
        must not reset the count of someone guessing from here."""
        with self.database.write() as db:
            db.run(
                "DELETE FROM login_failures WHERE username = :u AND address = :a",
                u=username, a=address,
            )  # fmt: skip

    def _check_rate(self, db: Transaction, username: str, address: str, now: float) -> None:
        checks = [("username", username)] + ([("address", address)] if address else [])
        since = now - self.window
        waits = []
        for column, value in checks:
            # The max_failures-th most recent failure: once it ages out, the count
            # drops below the limit again.
            found = db.one(
                f"SELECT at FROM login_failures WHERE {column} = :value AND at > :since"
                " ORDER BY at DESC LIMIT 1 OFFSET :skip",
                value=value, since=since, skip=self.max_failures - 1,
            )  # fmt: skip
            if found is not None:
                waits.append(max(1, int(found["at"] + self.window - now + 0.999)))
        if waits:
            wait = max(waits)
            raise TooManyAttempts(
                f"Too many failed logins for this account or from this address."
                f" Try again in {wait_text(wait)}.",
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
        with self.database.write() as db:
            if db.one("SELECT 1 FROM users WHERE role = 'admin'"):
                return None
            db.run("DELETE FROM setup_token")
            db.run(
                "INSERT INTO setup_token (id, digest, created) VALUES (1, :digest, :now)",
                digest=_digest(token), now=self.now(),
            )  # fmt: skip
        return token

    def setup_token_valid(self, token: str) -> bool:
        with self.database.read() as db:
            return self._token_ok(db, token)

    def _token_ok(self, db: Transaction, token: str) -> bool:
        if db.one("SELECT 1 FROM users WHERE role = 'admin'"):
            return False
        row = db.one("SELECT digest FROM setup_token WHERE id = 1")
        return row is not None and hmac.compare_digest(row["digest"], _digest(token))

    def create_first_admin(
        self, token: str, username: str, password: str, name: str = "", email: str = ""
    ) -> User:
        """Use the setup token to create the first admin; the token dies with it.
        Raises Forbidden (bad or spent token), InvalidInput."""
        username = check_username(username)
        name, email = _check_profile(username, name, email)
        digest = self._hash(password)
        with self.database.write() as db:
            if not self._token_ok(db, token):
                raise Forbidden(
                    "This setup link is not valid any more: an admin account already exists"
                    " or a newer link was printed. Log in, or ask an admin."
                )
            if db.one("SELECT 1 FROM users WHERE username = :u", u=username):
                raise UserExists(f"There is already a user called '{username}'.")
            db.run(
                "INSERT INTO users (username, name, email, role, password, created)"
                " VALUES (:username, :name, :email, 'admin', :password, :now)",
                username=username, name=name, email=email, password=digest, now=self.now(),
            )  # fmt: skip
            db.run("DELETE FROM setup_token")
        return User(username, name, email, "admin")
