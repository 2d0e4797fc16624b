"""Accounts from sign-in providers in the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from masterywiki.db.database import Database
from masterywiki.errors import LoginFailed
from masterywiki.people.accounts import Accounts
from masterywiki.people.identity import Identity
from masterywiki.people.linked import account_for
from tests.auth_fixtures import FAST_HASHER, PASSWORD

ADA = Identity("oidc", "sub-1", "ada@school.org", "Ada Lovelace", "ada@school.org", ("teachers",))
ROLE_MAP = {"teachers": "editor", "it": "admin"}


@pytest.fixture
def accounts(database: Database) -> Accounts:
    return Accounts(database, hasher=FAST_HASHER)


def test_first_sign_in_makes_an_account_without_a_password(accounts: Accounts) -> None:
    made = account_for(accounts.database, ADA, ROLE_MAP, "commenter", 1000.0)
    assert (made.username, made.role, made.source, made.has_password) == (
        "ada", "editor", "oidc", False,
    )  # fmt: skip
    assert accounts.get_user("ada") == made
    with pytest.raises(LoginFailed):  # no password of its own: only the provider lets it in
        accounts.authenticate("ada", "")


def test_later_sign_ins_find_the_account_by_subject_and_update_it(accounts: Accounts) -> None:
    account_for(accounts.database, ADA, ROLE_MAP, "commenter", 1000.0)
    renamed = replace(ADA, username="ada.l@school.org", name="Ada King", email="ada.l@school.org")
    again = account_for(accounts.database, renamed, ROLE_MAP, "commenter", 2000.0)
    assert (again.username, again.name, again.email) == ("ada", "Ada King", "ada.l@school.org")
    assert len(accounts.list_users()) == 1


def test_a_taken_username_gets_a_number(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD)  # a local ada, someone else
    made = account_for(accounts.database, ADA, ROLE_MAP, "commenter", 1000.0)
    other = account_for(
        accounts.database, replace(ADA, subject="sub-2"), ROLE_MAP, "commenter", 1000.0
    )
    assert (made.username, other.username) == ("ada-2", "ada-3")
    ldap = account_for(
        accounts.database, replace(ADA, source="ldap", subject="sub-1"), {}, "reader", 1000.0
    )
    assert ldap.username == "ada-4"  # the same subject from another source is another person


def test_roles_follow_the_map_and_an_admins_choice(accounts: Accounts) -> None:
    accounts.add_user("root", PASSWORD, role="admin")
    assert account_for(accounts.database, ADA, ROLE_MAP, "reader", 1.0).role == "editor"
    outside = replace(ADA, groups=())
    assert account_for(accounts.database, outside, ROLE_MAP, "reader", 2.0).role == "reader"
    accounts.set_role("ada", "commenter")
    assert account_for(accounts.database, outside, ROLE_MAP, "reader", 3.0).role == "commenter"
    it = replace(ADA, groups=("IT",))
    assert account_for(accounts.database, it, ROLE_MAP, "reader", 4.0).role == "admin"


def test_an_admin_set_password_works_beside_the_provider(accounts: Accounts) -> None:
    account_for(accounts.database, ADA, ROLE_MAP, "commenter", 1000.0)
    accounts.set_password("ada", PASSWORD)
    user = accounts.authenticate("ada", PASSWORD)
    assert (user.source, user.has_password) == ("oidc", True)


def test_last_login_is_kept_per_session_start(accounts: Accounts) -> None:
    times = iter([50.0, 60.0])
    accounts.now = lambda: next(times)
    account_for(accounts.database, ADA, ROLE_MAP, "commenter", 40.0)
    assert accounts.get_user("ada").last_login is None
    accounts.start_session("ada")
    assert accounts.get_user("ada").last_login == 50.0
