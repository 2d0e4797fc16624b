"""The accounts service on real databases (SQLite and PostgreSQL): users, hashing, roles,
rate limits, setup."""

from __future__ import annotations

import contextlib
import multiprocessing

import pytest
from argon2 import PasswordHasher

from masterywiki.db.database import Database
from masterywiki.errors import (
    Forbidden,
    InvalidInput,
    LoginFailed,
    TooManyAttempts,
    UnknownUser,
    UserExists,
)
from masterywiki.people.accounts import Accounts, SessionKey, User
from tests.auth_fixtures import FAST_HASHER
from tests.clock import Clock

PASSWORD = "correct horse battery"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts(database: Database, clock: Clock) -> Accounts:
    return Accounts(database, now=clock, hasher=FAST_HASHER)


def stored(accounts: Accounts, sql: str) -> list:
    with accounts.database.read() as db:
        return [row[0] for row in db.connection.exec_driver_sql(sql)]


def test_add_and_authenticate(accounts: Accounts) -> None:
    added = accounts.add_user("ada", PASSWORD, role="editor", name="Ada Coach", email="a@x.org")
    assert added == User("ada", "Ada Coach", "a@x.org", "editor")
    assert accounts.get_user("ada") == added
    assert accounts.authenticate("ada", PASSWORD, "10.0.0.1") == added
    assert accounts.authenticate(" ADA ", PASSWORD) == added, "usernames are case-insensitive"
    with pytest.raises(LoginFailed, match="Wrong username or password"):
        accounts.authenticate("ada", "wrong password")
    with pytest.raises(LoginFailed, match="Wrong username or password"):
        accounts.authenticate("nobody", PASSWORD)


def test_passwords_are_stored_as_argon2_hashes(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD)
    (password,) = stored(accounts, "SELECT password FROM users")
    assert password.startswith("$argon2id$")
    assert PASSWORD not in password


def test_weak_hash_is_upgraded_on_login(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD)
    accounts.hasher = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    accounts.authenticate("ada", PASSWORD)
    (password,) = stored(accounts, "SELECT password FROM users")
    assert "m=16,t=2,p=1" in password
    assert accounts.authenticate("ada", PASSWORD).username == "ada"


def test_name_defaults_to_username_and_users_are_listed_in_order(accounts: Accounts) -> None:
    accounts.add_user("zed", PASSWORD)
    accounts.add_user("amy", PASSWORD, role="admin")
    assert accounts.list_users() == [
        User("amy", "amy", "", "admin"),
        User("zed", "zed", "", "reader"),
    ]


@pytest.mark.parametrize(
    ("username", "password", "role", "email", "message"),
    [
        ("", PASSWORD, "reader", "", "Usernames are 1 to 40 lowercase letters"),
        ("Ada", PASSWORD, "reader", "", "Usernames are 1 to 40 lowercase letters"),
        ("a" * 41, PASSWORD, "reader", "", "Usernames are 1 to 40 lowercase letters"),
        ("ada lovelace", PASSWORD, "reader", "", "Usernames are 1 to 40 lowercase letters"),
        ("ada/../x", PASSWORD, "reader", "", "Usernames are 1 to 40 lowercase letters"),
        ("ada", "short", "reader", "", "Passwords need at least 8 characters"),
        ("ada", "x" * 1025, "reader", "", "Passwords can have at most 1024 characters"),
        ("ada", PASSWORD, "owner", "", "Unknown role 'owner': choose one of reader, commenter"),
        ("ada", PASSWORD, "reader", "not-an-email", "does not look like an email address"),
    ],
)
def test_add_user_validation(
    accounts: Accounts, username: str, password: str, role: str, email: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        accounts.add_user(username, password, role=role, email=email)
    assert accounts.list_users() == []


def test_valid_usernames(accounts: Accounts) -> None:
    for name in ("a", "ada.coach", "ada_c-2", "x" * 40):
        accounts.add_user(name, PASSWORD)
    assert len(accounts.list_users()) == 4


def test_duplicate_and_unknown_users(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD)
    with pytest.raises(UserExists, match="already a user called 'ada'"):
        accounts.add_user("ada", "another password")
    for action in (
        lambda: accounts.get_user("bob"),
        lambda: accounts.set_role("bob", "editor"),
        lambda: accounts.set_password("bob", PASSWORD),
        lambda: accounts.remove_user("bob"),
        lambda: accounts.start_session("bob"),
    ):
        with pytest.raises(UnknownUser, match="no user called 'bob'"):
            action()


def test_roles_are_ordered() -> None:
    editor = User("e", "E", "", "editor")
    assert editor.can("reader") and editor.can("commenter") and editor.can("editor")
    assert not editor.can("admin")


def test_set_role_and_the_last_admin_is_kept(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD, role="admin")
    accounts.add_user("bob", PASSWORD)
    assert accounts.set_role("bob", "editor").role == "editor"
    assert accounts.get_user("bob").role == "editor"
    with pytest.raises(InvalidInput, match="they are the only admin"):
        accounts.set_role("ada", "editor")
    with pytest.raises(InvalidInput, match="they are the only admin"):
        accounts.remove_user("ada")
    with pytest.raises(InvalidInput, match="Unknown role"):
        accounts.set_role("bob", "root")
    accounts.set_role("bob", "admin")
    accounts.remove_user("ada")
    assert [u.username for u in accounts.list_users()] == ["bob"]


def test_sessions_end_on_password_change_and_removal(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD)
    key, other = accounts.start_session("ada"), accounts.start_session("ada")
    assert key != other
    assert accounts.user_for_session(key) == accounts.get_user("ada")
    accounts.set_password("ada", "a new password")
    assert accounts.user_for_session(key) is None
    assert accounts.user_for_session(other) is None
    with pytest.raises(LoginFailed):
        accounts.authenticate("ada", PASSWORD)
    assert accounts.authenticate("ada", "a new password").username == "ada"
    new_key = accounts.start_session("ada")
    assert accounts.user_for_session(new_key) is not None
    accounts.remove_user("ada")
    accounts.add_user("ada", PASSWORD)
    assert accounts.user_for_session(new_key) is None, "a re-created user gets a new id"
    assert accounts.user_for_session(SessionKey(999, new_key.secret)) is None


def test_ending_one_session_keeps_the_others(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD)
    accounts.add_user("bob", PASSWORD)
    laptop, phone = accounts.start_session("ada"), accounts.start_session("ada")
    bob = accounts.start_session("bob")
    accounts.end_session(laptop)
    assert accounts.user_for_session(laptop) is None
    assert accounts.user_for_session(phone) == accounts.get_user("ada")
    accounts.end_session(SessionKey(bob.user_id, phone.secret))  # not bob's: nothing ends
    assert accounts.user_for_session(phone) is not None
    assert accounts.user_for_session(bob) is not None
    assert accounts.user_for_session(SessionKey(phone.user_id, phone.secret + "x")) is None
    assert phone.secret not in stored(accounts, "SELECT digest FROM sessions"), "a digest only"


def test_a_session_ends_when_unused_for_its_lifetime(accounts: Accounts, clock: Clock) -> None:
    accounts.add_user("ada", PASSWORD)
    idle, busy = accounts.start_session("ada"), accounts.start_session("ada")
    for _day in range(20):  # used every day for 20 days: it lives on
        clock.now += 24 * 3600
        assert accounts.user_for_session(busy) is not None
    assert accounts.user_for_session(idle) is None, "unused for 14 days"
    clock.now += accounts.session_seconds + 1
    assert accounts.user_for_session(busy) is None
    accounts.start_session("ada")  # forgets the ended ones
    assert stored(accounts, "SELECT COUNT(*) FROM sessions") == [1]


def fail(accounts: Accounts, times: int, username: str = "ada", address: str = "1.1.1.1") -> None:
    for _ in range(times):
        with pytest.raises(LoginFailed):
            accounts.authenticate(username, "wrong password", address)


def test_rate_limit_per_account(accounts: Accounts, clock: Clock) -> None:
    accounts.add_user("ada", PASSWORD)
    for attempt in range(10):
        clock.now += 1
        fail(accounts, 1, address=f"10.0.0.{attempt}")
    # The account is locked from every address, even with the right password.
    with pytest.raises(TooManyAttempts, match="Try again in 5 minutes") as caught:
        accounts.authenticate("ada", PASSWORD, "10.9.9.9")
    assert caught.value.status == 429
    assert caught.value.retry_after == 291  # the 1st failure, at +1 s, expires at +301 s
    clock.now += 290
    with pytest.raises(TooManyAttempts, match="Try again in 1 second"):
        accounts.authenticate("ada", PASSWORD, "10.9.9.9")
    clock.now += 1
    assert accounts.authenticate("ada", PASSWORD, "10.9.9.9").username == "ada"


def test_rate_limit_per_address(accounts: Accounts, clock: Clock) -> None:
    accounts.add_user("ada", PASSWORD)
    for number in range(10):
        fail(accounts, 1, username=f"user{number}", address="6.6.6.6")
    with pytest.raises(TooManyAttempts, match="from this address"):
        accounts.authenticate("ada", PASSWORD, "6.6.6.6")
    assert accounts.authenticate("ada", PASSWORD, "7.7.7.7").username == "ada"
    clock.now += 301
    assert accounts.authenticate("ada", PASSWORD, "6.6.6.6").username == "ada"


def test_success_does_not_reset_another_addresses_count(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD)
    fail(accounts, 9, address="6.6.6.6")
    assert accounts.authenticate("ada", PASSWORD, "1.2.3.4").username == "ada"
    fail(accounts, 1, address="6.6.6.6")
    with pytest.raises(TooManyAttempts):
        accounts.authenticate("ada", PASSWORD, "1.2.3.4")


def test_success_resets_its_own_addresses_count(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD)
    fail(accounts, 9, address="1.2.3.4")
    assert accounts.authenticate("ada", PASSWORD, "1.2.3.4").username == "ada"
    fail(accounts, 9, address="1.2.3.4")
    assert accounts.authenticate("ada", PASSWORD, "1.2.3.4").username == "ada"


def test_limits_are_configurable(database: Database, clock: Clock) -> None:
    strict = Accounts(database, now=clock, hasher=FAST_HASHER, max_failures=2, window=60)
    strict.add_user("ada", PASSWORD)
    fail(strict, 2)
    with pytest.raises(TooManyAttempts, match="Try again in 1 minute"):
        strict.authenticate("ada", PASSWORD, "1.1.1.1")


def test_setup_token_lifecycle(accounts: Accounts) -> None:
    assert not accounts.setup_token_valid("anything")
    first = accounts.setup_token()
    assert first and accounts.setup_token_valid(first)
    second = accounts.setup_token()
    assert second and second != first
    assert not accounts.setup_token_valid(first), "only the newest link works"
    with pytest.raises(Forbidden, match="setup link is not valid"):
        accounts.create_first_admin(first, "ada", PASSWORD)
    with pytest.raises(InvalidInput, match="Passwords need"):
        accounts.create_first_admin(second, "ada", "short")
    admin = accounts.create_first_admin(second, "ada", PASSWORD, name="Ada", email="a@x.org")
    assert admin == User("ada", "Ada", "a@x.org", "admin")
    assert not accounts.setup_token_valid(second)
    with pytest.raises(Forbidden):
        accounts.create_first_admin(second, "eve", PASSWORD)
    assert accounts.setup_token() is None, "no token once an admin exists"
    assert [u.username for u in accounts.list_users()] == ["ada"]


def test_no_setup_token_when_an_admin_was_added_from_the_cli(accounts: Accounts) -> None:
    token = accounts.setup_token()
    assert token
    accounts.add_user("root", PASSWORD, role="admin")
    assert not accounts.setup_token_valid(token)
    assert accounts.setup_token() is None


def test_setup_token_is_stored_hashed(accounts: Accounts) -> None:
    token = accounts.setup_token()
    assert token
    assert token not in stored(accounts, "SELECT digest FROM setup_token")[0]


def _add_many(url: str, prefix: str, count: int) -> None:
    service = Accounts(Database(url), hasher=FAST_HASHER)
    for number in range(count):
        service.add_user(f"{prefix}{number}", PASSWORD)
        with contextlib.suppress(UserExists):
            service.add_user("shared", PASSWORD)


def test_two_processes_adding_users_do_not_corrupt(database: Database) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_add_many, args=(database.url, prefix, 40)) for prefix in "ab"
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    service = Accounts(database, hasher=FAST_HASHER)
    names = [u.username for u in service.list_users()]
    assert len(names) == 81 and names.count("shared") == 1
    if not database.is_postgres:
        assert stored(service, "PRAGMA integrity_check") == ["ok"]


def test_find_users_by_the_start_of_a_username_or_name(accounts: Accounts) -> None:
    accounts.add_user("ada", PASSWORD, name="Ada Coach")
    accounts.add_user("adam_b", PASSWORD, name="Adam Brown")
    accounts.add_user("ben", PASSWORD, name="Adele Ben")
    accounts.add_user("a_b", PASSWORD)
    assert [u.username for u in accounts.find_users("ad", 10)] == ["ada", "adam_b", "ben"]
    assert [u.username for u in accounts.find_users("AD", 2)] == ["ada", "adam_b"]
    assert [u.username for u in accounts.find_users("a_", 10)] == ["a_b"]  # `_` is no wildcard
    assert accounts.find_users("%", 10) == []
