"""The login form's check: a local password, then the school's directory.

`password_login = false` takes local passwords out; an account from a sign-in
provider has no password unless an admin set one. Failures count towards the same
limits whichever way was tried, so the directory cannot be guessed at through the wiki.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from masterywiki.errors import LoginFailed
from masterywiki.people.accounts import Accounts, User
from masterywiki.people.linked import account_for

if TYPE_CHECKING:  # the LDAP library is loaded only by a wiki that has a directory
    from masterywiki.people.directory import Directory


@dataclass
class Logins:
    accounts: Accounts
    directory: Directory | None
    password_login: bool

    @property
    def form_shown(self) -> bool:
        """Whether the login page shows a username and password form at all."""
        return self.password_login or self.directory is not None

    def authenticate(self, username: str, password: str, address: str = "") -> User:
        """The user the form's username and password belong to. Raises TooManyAttempts
        (before checking anything), LoginFailed, ProviderUnavailable (the directory)."""
        username = username.strip().lower()[:100]
        self.accounts.check_rate(username, address)
        if not self.form_shown:
            raise LoginFailed("This wiki does not take passwords: use the sign-in button.")
        user = self.accounts.password_user(username, password) if self.password_login else None
        if user is None and self.directory is not None:
            identity = self.directory.authenticate(username, password)
            if identity is not None:
                config = self.directory.config
                user = account_for(
                    self.accounts.database, identity, config.role_map, config.default_role,
                    self.accounts.now(),
                )  # fmt: skip
        if user is None:
            self.accounts.record_failure(username, address)
            raise LoginFailed("Wrong username or password.")
        self.accounts.forget_failures(username, address)
        return user
