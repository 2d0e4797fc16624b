"""Signing in with the school's accounts in a real browser: the login page's button,
the provider's own login page (a real oidc-provider), back in the wiki with the
mapped role; and the same login form checking a real directory (slapd)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.support import axe_violations, follow
from tests.conftest import git
from tests.ldap_server import GROUPS, IT, PEOPLE, TEACHERS, LdapServer
from tests.oidc_server import CLIENT_SECRET, OidcServer

PROVIDER_USERS: dict[str, dict[str, Any]] = {
    "amara": {"email": "amara@school.test", "email_verified": True, "name": "Amara Okafor",
              "preferred_username": "amara", "groups": ["wiki-admins"]},
    "mal": {"email": "mal@elsewhere.test", "email_verified": True, "name": "Mal"},
}  # fmt: skip


@pytest.fixture(scope="module")
def signin_server(
    tmp_path_factory: pytest.TempPathFactory, template_instance: Path
) -> Iterator[tuple[Server, OidcServer]]:
    folder = tmp_path_factory.mktemp("signin")
    provider = OidcServer.start(folder, PROVIDER_USERS)
    directory = LdapServer.start(folder / "slapd")
    template = folder / "template"
    shutil.copytree(template_instance, template, symlinks=True)
    settings = provider.settings(
        oidc_allowed_domains="school.test",
        oidc_roles_claim="groups",
        oidc_role_map="wiki-admins = admin",
        ldap_url=directory.url,
        ldap_starttls=True,
        ldap_ca_file=str(directory.ca_file),
        ldap_user_dn=f"uid={{username}},{PEOPLE}",
        ldap_group_base=GROUPS,
        ldap_role_map=f"{TEACHERS} = editor; {IT} = admin",
    )
    (template / "masterywiki.toml").write_text(
        "".join(f"{key} = {json.dumps(value)}\n" for key, value in settings.items())
    )
    server = start_server(folder, template)
    yield server, provider
    stop_server(server)
    directory.stop()
    provider.stop()


def test_sign_in_with_the_provider_and_with_the_directory(
    browser: Any,
    signin_server: tuple[Server, OidcServer],
    save_screenshot: Callable[[Any, str], Path],
) -> None:
    server, _provider = signin_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/-/login?next=/glossary")
    assert page.get_by_text("or log in with your school username").is_visible()
    assert axe_violations(page) == []
    save_screenshot(page, "login-with-provider")
    follow(page, page.get_by_role("link", name="Sign in with Test School"))
    assert page.url.startswith(_provider.issuer)  # the provider's own login page
    page.get_by_label("Provider username").fill("amara")
    follow(page, page.get_by_role("button", name="Continue"))
    assert page.url == f"{server.url}/glossary"
    assert page.locator(".account-link").inner_text() == "Amara Okafor"
    page.goto(f"{server.url}/-/admin/users")  # only an admin sees it: the mapped role
    assert page.locator("#user-amara .signs-in-with").inner_text() == "Test School"

    directory_user = browser.new_context().new_page()
    directory_user.goto(f"{server.url}/-/login")
    directory_user.get_by_label("Username").fill("cleo")  # the wiki has a local ben already
    directory_user.get_by_label("Password").fill("cleo-password")
    follow(directory_user, directory_user.get_by_role("button", name="Log in"))
    assert directory_user.locator(".account-link").inner_text() == "Cleo Patra"
    directory_user.context.close()

    page.reload()
    assert page.locator("#user-cleo .signs-in-with").inner_text() == "School directory"
    assert page.locator("#user-cleo select").input_value() == "commenter"  # no mapped group
    assert page.locator("#user-cleo .last-login time").count() == 1
    assert page.locator("#user-amara select").input_value() == "admin"
    save_screenshot(page, "users-with-sources")
    assert axe_violations(page) == []
    context.close()

    # Nothing secret in the server's log or in the content repository.
    history = git(server.repo, "log", "--all", "-p")
    for secret in (CLIENT_SECRET, "cleo-password"):
        assert secret not in server.log.read_text()
        assert secret not in history


def test_a_refused_domain_gets_a_clear_page_and_no_account(
    browser: Any, signin_server: tuple[Server, OidcServer]
) -> None:
    server, _provider = signin_server
    page = browser.new_context().new_page()
    page.goto(f"{server.url}/-/login")
    follow(page, page.get_by_role("link", name="Sign in with Test School"))
    page.get_by_label("Provider username").fill("mal")
    answer = follow(page, page.get_by_role("button", name="Continue"))
    assert answer.status == 403
    assert "Accounts from elsewhere.test cannot sign in to this wiki" in page.content()
    assert page.locator(".account-link").count() == 0
    page.context.close()
