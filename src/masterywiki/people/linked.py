"""Accounts that a sign-in provider vouches for: found by the provider's lasting id,
made on first sign-in, and brought up to date (name, email, role) at each one."""

from __future__ import annotations

from collections.abc import Mapping

from masterywiki.db.database import Database
from masterywiki.errors import InvalidInput
from masterywiki.people.accounts import User, user_from_row
from masterywiki.people.identity import Identity, mapped_role, role_for, usernames


def account_for(
    database: Database,
    identity: Identity,
    role_map: Mapping[str, str],
    default: str,
    now: float,
) -> User:
    """The wiki account of `identity`, made or updated. A new account has no password
    (only the provider lets it in) and the first free username from its login name.
    Raises InvalidInput when no username is free."""
    mapped = mapped_role(identity.groups, role_map)
    with database.write() as db:
        row = db.one(
            "SELECT * FROM users WHERE source = :source AND subject = :subject",
            source=identity.source, subject=identity.subject,
        )  # fmt: skip
        if row is not None:
            role = role_for(mapped, row["role"], bool(row["role_by_admin"]), default)
            db.run(
                "UPDATE users SET name = :name, email = :email, role = :role WHERE id = :id",
                name=identity.name, email=identity.email, role=role, id=row["id"],
            )  # fmt: skip
            return user_from_row(
                {**row, "name": identity.name, "email": identity.email, "role": role}
            )
        role = role_for(mapped, None, False, default)
        taken = {
            found["username"]
            for found in db.all(
                "SELECT username FROM users WHERE username LIKE :prefix",
                prefix=next(usernames(identity.username)) + "%",
            )
        }
        username = next((name for name in usernames(identity.username) if name not in taken), "")
        if not username:
            raise InvalidInput(f"No free username for '{identity.username[:60]}': ask an admin.")
        db.run(
            "INSERT INTO users (username, name, email, role, password, created, source,"
            " subject) VALUES (:username, :name, :email, :role, '', :now, :source, :subject)",
            username=username, name=identity.name, email=identity.email, role=role, now=now,
            source=identity.source, subject=identity.subject,
        )  # fmt: skip
    return User(username, identity.name, identity.email, role, identity.source, None, False)
