"""Accounts (being built: see issue 3): users and roles, no Flask."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("reader", "commenter", "editor", "admin")


@dataclass(frozen=True)
class User:
    username: str
    name: str
    email: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is `role` or above."""
        return ROLES.index(self.role) >= ROLES.index(role)
