"""Signing in with OpenID Connect through the wiki's pages, against a real provider
(npm's oidc-provider run with node): the round trip, role mapping, refusals."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.web.app import create_app
from tests.auth_fixtures import accounts_of, login, make_user
from tests.oidc_server import CLIENT_SECRET, OidcServer

BASE_URL = "http://127.0.0.1:5000"  # the redirect URI's base; the provider ignores the port
USERS: dict[str, dict[str, Any]] = {
    "ada": {
        "email": "ada@school.test", "email_verified": True, "name": "Ada Lovelace",
        "preferred_username": "ada", "groups": ["teachers", "wiki-admins"],
    },
    "ben": {
        "email": "ben@school.test", "email_verified": True, "name": "Ben Franklin",
        "preferred_username": "ben", "groups": ["teachers"],
    },
    "cleo": {"email": "cleo@school.test", "email_verified": True, "name": "Cleo"},
    "mal": {"email": "mal@elsewhere.test", "email_verified": True, "name": "Mal"},
    "una": {"email": "una@school.test", "email_verified": False, "name": "Una"},
}  # fmt: skip


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcServer]:
    running = OidcServer.start(tmp_path_factory.mktemp("oidc"), USERS)
    yield running
    running.stop()


@pytest.fixture
def provider_users(provider: OidcServer) -> Iterator[OidcServer]:
    """The provider, its users put back as they were after the test."""
    yield provider
    provider.set_users(USERS)


@pytest.fixture
def oidc_app(basic_repo: Path, tmp_path: Path, provider: OidcServer) -> Callable[..., Flask]:
    made: list[Flask] = []

    def build(**settings: Any) -> Flask:
        application = create_app(
            {
                "repo": basic_repo,
                "instance": tmp_path / f"instance{len(made)}",
                "base_url": BASE_URL,
                **provider.settings(
                    oidc_allowed_domains="school.test",
                    oidc_roles_claim="groups",
                    oidc_role_map="teachers = editor; wiki-admins = admin",
                ),
                **settings,
            }
        )
        application.config["TESTING"] = True
        accounts_of(application)
        made.append(application)
        return application

    yield build  # type: ignore[misc]
    for application in made:
        application.extensions["masterywiki"].wiki.storage.close()


def sign_in(
    client: FlaskClient, provider: OidcServer, login_name: str, next_path: str = "/"
) -> Any:
    """The whole round trip: the wiki's button, the provider's login, the callback."""
    start = client.get("/-/login/oidc", query_string={"next": next_path})
    assert start.status_code == 303, start.get_data(as_text=True)[:300]
    back = urlsplit(provider.sign_in(start.headers["Location"], login_name))
    return client.get(f"{back.path}?{back.query}")


def who(client: FlaskClient) -> str:
    page = BeautifulSoup(client.get("/-/account").get_data(as_text=True), "html.parser")
    found = page.select_one(".account-details")
    return " ".join(found.get_text(" ").split()) if found else "(not logged in)"


def test_login_page_offers_the_provider(oidc_app: Callable[..., Flask]) -> None:
    page = BeautifulSoup(oidc_app().test_client().get("/-/login?next=/guide").text, "html.parser")
    button = page.select_one("a.signin-button")
    assert button is not None and button.get_text() == "Sign in with Test School"
    assert button["href"] == "/-/login/oidc?next=/guide"
    assert page.select_one("input[name=password]") is not None  # passwords still on


def test_round_trip_makes_an_account_with_the_mapped_role(
    oidc_app: Callable[..., Flask], provider: OidcServer
) -> None:
    app = oidc_app()
    client = app.test_client()
    answer = sign_in(client, provider, "ben", next_path="/guide")
    assert answer.status_code == 303 and answer.headers["Location"] == "/guide"
    assert who(client) == "Username ben Display name Ben Franklin Email ben@school.test Role editor"
    user = accounts_of(app).get_user("ben")
    assert (user.source, user.has_password, user.role) == ("oidc", False, "editor")
    assert user.last_login is not None and abs(user.last_login - time.time()) < 60
    # The highest mapped role wins; a second sign-in finds the same account.
    sign_in(client, provider, "ada")
    sign_in(client, provider, "ada")
    assert [(u.username, u.role) for u in accounts_of(app).list_users()] == [
        ("ada", "admin"), ("ben", "editor"),
    ]  # fmt: skip
    # Logout ends the wiki session.
    client.post("/-/logout", data={"csrf_token": _token(client)})
    assert who(client) == "(not logged in)"


def _token(client: FlaskClient) -> str:
    """This client's CSRF token (made for it when it has none yet)."""
    with client.session_transaction() as session:
        return str(session.setdefault("csrf", "test-csrf-token"))


def test_unmapped_people_get_the_default_role(
    oidc_app: Callable[..., Flask], provider: OidcServer
) -> None:
    app = oidc_app()
    sign_in(app.test_client(), provider, "cleo")
    assert accounts_of(app).get_user("cleo").role == "commenter"
    private = oidc_app(private=True)
    sign_in(private.test_client(), provider, "cleo")
    assert accounts_of(private).get_user("cleo").role == "reader"


@pytest.mark.parametrize(
    ("login_name", "status", "message"),
    [
        ("mal", 403, "Accounts from elsewhere.test cannot sign in to this wiki"),
        ("una", 403, "is not verified"),
    ],
)
def test_refused_people_get_a_clear_message_and_no_account(
    oidc_app: Callable[..., Flask], provider: OidcServer, login_name: str, status: int, message: str
) -> None:
    app = oidc_app()
    answer = sign_in(app.test_client(), provider, login_name)
    assert answer.status_code == status
    assert message in answer.get_data(as_text=True)
    assert accounts_of(app).list_users() == []


def test_a_wrong_or_missing_state_is_refused(
    oidc_app: Callable[..., Flask], provider: OidcServer
) -> None:
    app = oidc_app()
    client = app.test_client()
    start = client.get("/-/login/oidc")
    back = urlsplit(provider.sign_in(start.headers["Location"], "ben"))
    forged = back.query.replace("state=", "state=x")
    answer = client.get(f"{back.path}?{forged}")
    assert answer.status_code == 400
    assert "does not belong to a sign-in started in this browser" in answer.get_data(as_text=True)
    # The right answer, but in another browser (no sign-in pending there).
    stranger = app.test_client().get(f"{back.path}?{back.query}")
    assert stranger.status_code == 400
    assert accounts_of(app).list_users() == []


def test_the_provider_saying_no_is_shown(oidc_app: Callable[..., Flask]) -> None:
    client = oidc_app().test_client()
    client.get("/-/login/oidc")
    answer = client.get("/-/login/oidc/callback?error=access_denied&error_description=User+said+no")
    assert answer.status_code == 400
    assert "Test School did not sign you in: User said no" in answer.get_data(as_text=True)


def test_an_unreachable_provider_is_a_clear_503(oidc_app: Callable[..., Flask]) -> None:
    from tests.live_server import free_port

    app = oidc_app(oidc_issuer=f"http://127.0.0.1:{free_port()}", signin_timeout=3)
    started = time.monotonic()
    answer = app.test_client().get("/-/login/oidc")
    assert time.monotonic() - started < 3
    assert answer.status_code == 503
    assert "signing in with it does not work right now" in answer.get_data(as_text=True)


def test_a_provider_account_removed_upstream_cannot_sign_in_again(
    oidc_app: Callable[..., Flask], provider_users: OidcServer
) -> None:
    app = oidc_app()
    sign_in(app.test_client(), provider_users, "ben")
    provider_users.set_users({k: v for k, v in USERS.items() if k != "ben"})
    client = app.test_client()
    start = client.get("/-/login/oidc")
    with pytest.raises(AssertionError, match="No user called ben"):
        provider_users.sign_in(start.headers["Location"], "ben")
    # Nor with a password: the account has none.
    token = _token(client)
    refused = client.post(
        "/-/login", data={"username": "ben", "password": "anything at all", "csrf_token": token}
    )
    assert refused.status_code == 401


def test_role_map_follows_the_groups_claim_and_admin_roles_stay(
    oidc_app: Callable[..., Flask], provider_users: OidcServer
) -> None:
    app = oidc_app()
    sign_in(app.test_client(), provider_users, "ben")
    assert accounts_of(app).get_user("ben").role == "editor"
    provider_users.set_users({**USERS, "ben": {**USERS["ben"], "groups": []}})
    sign_in(app.test_client(), provider_users, "ben")
    assert accounts_of(app).get_user("ben").role == "commenter"  # back to the default
    accounts_of(app).set_role("ben", "editor")  # an admin's choice in the wiki
    sign_in(app.test_client(), provider_users, "ben")
    assert accounts_of(app).get_user("ben").role == "editor"
    provider_users.set_users({**USERS, "ben": {**USERS["ben"], "groups": ["wiki-admins"]}})
    sign_in(app.test_client(), provider_users, "ben")
    assert accounts_of(app).get_user("ben").role == "admin"  # the map names them: it wins


def test_password_login_off_hides_and_refuses_passwords(
    oidc_app: Callable[..., Flask], provider: OidcServer
) -> None:
    app = oidc_app(password_login=False)
    make_user(app, "root", "admin")  # as `masterywiki user add` would, for emergencies
    client = app.test_client()
    page = BeautifulSoup(client.get("/-/login").text, "html.parser")
    assert page.select_one("input[name=password]") is None
    assert page.select_one("a.signin-button") is not None
    token = _token(client)
    refused = client.post(
        "/-/login",
        data={"username": "root", "password": "correct horse battery", "csrf_token": token},
    )
    assert refused.status_code == 401
    assert "does not take passwords" in refused.get_data(as_text=True)
    assert sign_in(client, provider, "ben").status_code == 303


def test_an_admin_set_password_lets_a_provider_account_log_in(
    oidc_app: Callable[..., Flask], provider: OidcServer
) -> None:
    app = oidc_app()
    sign_in(app.test_client(), provider, "ben")
    accounts_of(app).set_password("ben", "correct horse battery")
    login(app.test_client(), "ben")


def test_admin_page_shows_source_and_last_sign_in_and_removal_ends_sessions(
    oidc_app: Callable[..., Flask], provider: OidcServer
) -> None:
    app = oidc_app()
    ben = app.test_client()
    sign_in(ben, provider, "ben")
    make_user(app, "root", "admin")
    admin = app.test_client()
    login(admin, "root")
    page = BeautifulSoup(admin.get("/-/admin/users").text, "html.parser")
    row = page.select_one("#user-ben")
    assert row is not None
    assert row.select_one(".signs-in-with").get_text(" ", strip=True) == "Test School"  # type: ignore[union-attr]
    assert row.select_one(".last-login time") is not None  # type: ignore[union-attr]
    never = page.select_one("#user-root .last-login")
    assert never is not None and "time" in str(never)  # root just logged in
    token = _token(admin)
    admin.post("/-/admin/users/ben/remove", data={"csrf_token": token})
    assert who(ben) == "(not logged in)"


def test_the_client_secret_reaches_no_log(
    oidc_app: Callable[..., Flask], provider: OidcServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, Authlib's and urllib3's included
    assert sign_in(oidc_app().test_client(), provider, "ben").status_code == 303
    assert CLIENT_SECRET not in caplog.text
