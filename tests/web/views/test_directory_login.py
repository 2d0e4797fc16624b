"""The login form checking the school's directory (a real slapd started here)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.web.app import create_app
from tests.auth_fixtures import PASSWORD, accounts_of, make_user
from tests.ldap_server import GROUPS, PEOPLE, TEACHERS, LdapServer
from tests.live_server import free_port


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    running = LdapServer.start(tmp_path_factory.mktemp("slapd"))
    yield running
    running.stop()


@pytest.fixture
def ldap_app(basic_repo: Path, tmp_path: Path, slapd: LdapServer) -> Iterator[Callable[..., Flask]]:
    made: list[Flask] = []

    def build(**settings: Any) -> Flask:
        application = create_app(
            {
                "repo": basic_repo,
                "instance": tmp_path / f"instance{len(made)}",
                "ldap_url": slapd.url,
                "ldap_starttls": True,
                "ldap_ca_file": str(slapd.ca_file),
                "ldap_user_dn": f"uid={{username}},{PEOPLE}",
                "ldap_group_base": GROUPS,
                "ldap_role_map": f"{TEACHERS} = editor",
                **settings,
            }
        )
        application.config["TESTING"] = True
        accounts_of(application)
        made.append(application)
        return application

    yield build
    for application in made:
        application.extensions["masterywiki"].wiki.storage.close()


def post_login(client: FlaskClient, username: str, password: str) -> Any:
    with client.session_transaction() as session:
        token = session.setdefault("csrf", "test-csrf-token")
    return client.post(
        "/-/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/guide"},
    )


def error_of(response: Any) -> str:
    found = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(".form-error")
    return found.get_text(" ", strip=True) if found else ""


def test_the_login_form_checks_the_directory(ldap_app: Callable[..., Flask]) -> None:
    app = ldap_app()
    client = app.test_client()
    answer = post_login(client, "ben", "ben-password")
    assert answer.status_code == 303 and answer.headers["Location"] == "/guide"
    ben = accounts_of(app).get_user("ben")
    assert (ben.role, ben.source, ben.name) == ("editor", "ldap", "Ben Franklin")
    account = client.get("/-/account").get_data(as_text=True)
    assert "you have no password in the wiki" in account
    refused = post_login(app.test_client(), "ben", "wrong")
    assert refused.status_code == 401
    assert "Wrong username or password." in error_of(refused)


def test_an_unreachable_directory_says_so_on_the_form(ldap_app: Callable[..., Flask]) -> None:
    app = ldap_app(ldap_url=f"ldap://127.0.0.1:{free_port()}", signin_timeout=2)
    answer = post_login(app.test_client(), "ben", "ben-password")
    assert answer.status_code == 503
    assert "could not check this login: it cannot be reached" in error_of(answer)
    assert accounts_of(app).list_users() == []


def test_password_login_off_keeps_the_directory_form(ldap_app: Callable[..., Flask]) -> None:
    app = ldap_app(password_login=False)
    make_user(app, "root", "admin")
    client = app.test_client()
    page = BeautifulSoup(client.get("/-/login").get_data(as_text=True), "html.parser")
    assert page.select_one("input[name=password]") is not None
    assert post_login(client, "root", PASSWORD).status_code == 401  # local passwords are off
    assert post_login(client, "ada", "ada-password").status_code == 303


def test_no_password_reaches_the_logs(
    ldap_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    from tests.ldap_server import SERVICE_DN, SERVICE_PASSWORD

    caplog.set_level(logging.DEBUG)  # every logger, the libraries' included
    app = ldap_app(
        ldap_user_dn="",
        ldap_search_base=PEOPLE,
        ldap_bind_dn=SERVICE_DN,
        ldap_bind_password=SERVICE_PASSWORD,
    )
    assert post_login(app.test_client(), "ada", "ada-password").status_code == 303
    assert post_login(app.test_client(), "ada", "a-wrong-guess").status_code == 401
    for secret in (SERVICE_PASSWORD, "ada-password", "a-wrong-guess"):
        assert secret not in caplog.text
