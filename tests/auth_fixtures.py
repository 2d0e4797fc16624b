"""Fixtures for logging in during tests: users, a real login, logged-in clients.

Loaded as a pytest plugin from conftest.py, so every test can use them:

- `make_user(app, username, role, password=...) -> User`
- `add_accounts(instance, usernames, role)` accounts for a server started on `instance`
- `login(client, username, password)` posts the real login form (with its CSRF token)
- `csrf_token(client, url="/-/login") -> str` a token for the client's session
- `logged_in_client(app, username, role)` a client of a new, logged-in account
- fixtures `editor_client` and `admin_client` (test clients of the `app` fixture)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from masterywiki.db.database import Database
from masterywiki.people.accounts import Accounts, User
from masterywiki.web.views.auth import ACCOUNTS_KEY

PASSWORD = "correct horse battery"
# The default argon2 parameters cost ~0.1 s a hash; tests use the cheapest valid ones.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def accounts_of(app: Flask) -> Accounts:
    """The app's accounts service, switched to fast test hashing."""
    found: Accounts = app.extensions[ACCOUNTS_KEY]
    found.hasher = FAST_HASHER
    return found


def make_user(app: Flask, username: str, role: str, password: str = PASSWORD) -> User:
    return accounts_of(app).add_user(username, password, role=role, name=username.title())


def add_accounts(
    instance: Path, usernames: Iterable[str], role: str, password: str = PASSWORD
) -> None:
    """Accounts in the database of `instance`, for a server started on it afterwards:
    what `masterywiki user add` does, in this process and with fast hashing (each run of
    the command took 1.5 s; tests/cli covers it)."""
    database = Database.for_instance(instance)
    try:
        accounts = Accounts(database, hasher=FAST_HASHER)
        for username in usernames:
            accounts.add_user(username, password, role=role)
    finally:
        database.close()


def csrf_token(client: FlaskClient, url: str = "/-/login") -> str:
    """A CSRF token valid for this client's session, read from a page's form."""
    response = client.get(url)
    found = TOKEN.search(response.get_data(as_text=True))
    assert found, f"no csrf_token field on {url}"
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    """Log in through the real form; asserts that it worked."""
    token = csrf_token(client)
    response = client.post(
        "/-/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def logged_in_client(app: Flask, username: str, role: str) -> FlaskClient:
    """A test client of a new account with `role`, logged in through the form."""
    make_user(app, username, role)
    client = app.test_client()
    login(client, username)
    return client


@pytest.fixture
def editor_client(app: Flask) -> FlaskClient:
    return logged_in_client(app, "edna", "editor")


@pytest.fixture
def admin_client(app: Flask) -> FlaskClient:
    return logged_in_client(app, "ada", "admin")
