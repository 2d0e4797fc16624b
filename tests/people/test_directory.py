"""Logins checked against a real OpenLDAP (Debian's slapd, started here): binding as
the user from a DN template or after a service account's search, StartTLS and
ldaps with the certificate checked, groups, refusals, a group that changes."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from masterywiki.db.database import Database
from masterywiki.errors import ConfigError, LoginFailed, ProviderUnavailable
from masterywiki.people.accounts import Accounts
from masterywiki.people.directory import Directory, DirectoryConfig
from masterywiki.people.logins import Logins
from masterywiki.settings import load
from tests.auth_fixtures import FAST_HASHER, PASSWORD
from tests.ldap_server import (
    GROUPS,
    IT,
    PEOPLE,
    SERVICE_DN,
    SERVICE_PASSWORD,
    TEACHERS,
    LdapServer,
    person_dn,
)

TEMPLATE = f"uid={{username}},{PEOPLE}"
ROLE_MAP = f"{TEACHERS} = editor; CN=IT, OU=Groups, DC=School, DC=Test = admin"


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapServer]:
    running = LdapServer.start(tmp_path_factory.mktemp("slapd"))
    yield running
    running.stop()


def directory(slapd: LdapServer, **settings: Any) -> Directory:
    values = {
        "ldap_url": slapd.url,
        "ldap_user_dn": TEMPLATE,
        "ldap_group_base": GROUPS,
        "ldap_ca_file": str(slapd.ca_file),
        "ldap_role_map": ROLE_MAP,
        **settings,
    }
    config = DirectoryConfig.from_settings(load(values, environ={}))
    assert config is not None
    return Directory(config)


SEARCH = {
    "ldap_user_dn": "",
    "ldap_search_base": PEOPLE,
    "ldap_search_filter": "(&(objectClass=inetOrgPerson)(|(uid={username})(mail={username})))",
    "ldap_bind_dn": SERVICE_DN,
    "ldap_bind_password": SERVICE_PASSWORD,
}


@pytest.mark.parametrize(
    "how",
    [
        pytest.param({}, id="template"),
        pytest.param(SEARCH, id="service-account-search"),
        pytest.param({"ldap_starttls": True}, id="starttls"),
        pytest.param({"ldaps": True}, id="ldaps"),
    ],
)
def test_the_right_password_gives_the_person_and_their_groups(
    slapd: LdapServer, how: dict[str, Any]
) -> None:
    how = dict(how)
    if how.pop("ldaps", False):
        how["ldap_url"] = slapd.ldaps_url
    found = directory(slapd, **how).authenticate("Ada", "ada-password")
    assert found is not None
    assert (found.source, found.subject, found.username) == ("ldap", person_dn("ada"), "ada")
    assert (found.name, found.email) == ("Ada Lovelace", "ada@school.test")
    assert sorted(found.groups) == sorted([TEACHERS, IT])


def test_searching_by_email_finds_the_entry(slapd: LdapServer) -> None:
    found = directory(slapd, **SEARCH).authenticate("ben@school.test", "ben-password")
    assert found is not None and found.subject == person_dn("ben")


@pytest.mark.parametrize("how", [{}, SEARCH], ids=["template", "search"])
@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("ada", "wrong-password"),
        ("nobody", "ada-password"),
        ("ada", ""),  # an empty password would be an anonymous bind
        ("*", "ada-password"),
        ("ada)(uid=*", "ada-password"),
        ("", "x"),
    ],
)
def test_wrong_credentials_are_none(
    slapd: LdapServer, how: dict[str, Any], username: str, password: str
) -> None:
    assert directory(slapd, **how).authenticate(username, password) is None


def test_tls_with_an_unknown_certificate_is_refused(slapd: LdapServer) -> None:
    for how in ({"ldap_url": slapd.ldaps_url}, {"ldap_starttls": True}):
        with pytest.raises(ProviderUnavailable, match="TLS certificate is not trusted"):
            directory(slapd, ldap_ca_file="", **how).authenticate("ada", "ada-password")


def test_a_refused_service_account_is_a_clear_error(slapd: LdapServer) -> None:
    with pytest.raises(ProviderUnavailable, match="refused the wiki's service account"):
        directory(slapd, **{**SEARCH, "ldap_bind_password": "wrong"}).authenticate("ada", "x")


def test_an_unreachable_directory_is_a_clear_error_in_time() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = DirectoryConfig.from_settings(
        load({"ldap_url": f"ldap://127.0.0.1:{port}", "ldap_user_dn": TEMPLATE}, environ={})
    )
    assert config is not None
    with pytest.raises(ProviderUnavailable, match="cannot be reached"):
        Directory(config).authenticate("ada", "ada-password")


def test_a_directory_that_hangs_costs_the_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # takes connections, never answers a bind
        url = f"ldap://127.0.0.1:{silent.getsockname()[1]}"
        config = DirectoryConfig.from_settings(
            load({"ldap_url": url, "ldap_user_dn": TEMPLATE, "signin_timeout": 1}, environ={})
        )
        assert config is not None
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable, match="did not answer in time"):
            Directory(config).authenticate("ada", "ada-password")
        assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"ldap_url": "http://dc.school.org"}, "must start ldap:// or ldaps://"),
        ({"ldap_url": "ldap://dc"}, "needs 'ldap_user_dn'"),
        ({"ldap_url": "ldap://dc", "ldap_user_dn": "uid=x,dc=y"}, "needs 'ldap_user_dn'"),
        ({"ldap_url": "ldap://dc", "ldap_search_base": "dc=y", "ldap_search_filter": "(uid=x)"},
         "needs {username}"),
        ({"ldap_url": "ldap://dc", "ldap_user_dn": TEMPLATE, "ldap_role_map": "teachers"},
         "is not `value = role`"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_at_start(settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DirectoryConfig.from_settings(load(settings, environ={}))


@pytest.fixture
def logins(slapd: LdapServer, database: Database) -> Logins:
    accounts = Accounts(database, hasher=FAST_HASHER)
    return Logins(accounts, directory(slapd), password_login=True)


def test_a_directory_user_whose_group_changes(slapd: LdapServer, logins: Logins) -> None:
    """The role follows the directory's groups at each login; with no mapped group left
    the account falls back to the default role, unless an admin chose one."""
    logins.accounts.add_user("root", PASSWORD, role="admin")
    try:
        assert logins.authenticate("ben", "ben-password").role == "editor"
        slapd.set_members(TEACHERS, ["ada"])
        assert logins.authenticate("ben", "ben-password").role == "commenter"
        slapd.set_members(IT, ["ada", "ben"])
        assert logins.authenticate("ben", "ben-password").role == "admin"
        slapd.set_members(IT, ["ada"])
        logins.accounts.set_role("ben", "editor")  # an admin's choice in the wiki stays
        assert logins.authenticate("ben", "ben-password").role == "editor"
    finally:
        slapd.set_members(TEACHERS, ["ada", "ben"])
        slapd.set_members(IT, ["ada"])
    ben = logins.accounts.get_user("ben")
    assert (ben.source, ben.has_password, ben.email) == ("ldap", False, "ben@school.test")
    assert [user.username for user in logins.accounts.list_users()] == ["ben", "root"]


def test_local_passwords_and_the_directory_side_by_side(slapd: LdapServer, logins: Logins) -> None:
    logins.accounts.add_user("root", PASSWORD, role="admin")
    assert logins.authenticate("root", PASSWORD).source == "local"
    logins.accounts.add_user("ada", PASSWORD)  # a local 'ada' is not the directory's ada
    assert logins.authenticate("ada", "ada-password").username == "ada-2"
    with pytest.raises(LoginFailed, match="Wrong username or password"):
        logins.authenticate("cleo", "cleo-wrong")
    logins.password_login = False  # local passwords off: the directory still answers
    with pytest.raises(LoginFailed):
        logins.authenticate("root", PASSWORD)
    assert logins.authenticate("cleo", "cleo-password").role == "commenter"


def test_a_person_removed_upstream_cannot_log_in(slapd: LdapServer, logins: Logins) -> None:
    slapd.add_person("dora", "Dora Maar", "dora-password")
    assert logins.authenticate("dora", "dora-password").username == "dora"
    slapd.remove_person("dora")
    with pytest.raises(LoginFailed):
        logins.authenticate("dora", "dora-password")
    assert logins.accounts.get_user("dora").has_password is False  # no way in but upstream


def test_failed_directory_logins_count_towards_the_limit(slapd: LdapServer, logins: Logins) -> None:
    from masterywiki.errors import TooManyAttempts

    logins.accounts.max_failures = 3
    for _ in range(3):
        with pytest.raises(LoginFailed):
            logins.authenticate("ada", "guess", "10.0.0.9")
    with pytest.raises(TooManyAttempts):
        logins.authenticate("ada", "ada-password", "10.0.0.9")


def test_the_directory_is_not_asked_without_a_directory(database: Database, tmp_path: Path) -> None:
    logins = Logins(Accounts(database, hasher=FAST_HASHER), None, password_login=False)
    assert not logins.form_shown
    with pytest.raises(LoginFailed, match="does not take passwords"):
        logins.authenticate("ada", "anything")
