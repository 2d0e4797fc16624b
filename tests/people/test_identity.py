"""What the wiki makes of a provider's word (pure): role maps, domains, claims, names."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masterywiki.errors import ConfigError, SignInRefused
from masterywiki.people.accounts import USERNAME
from masterywiki.people.identity import (
    claim_values,
    default_role,
    identity_from_claims,
    mapped_role,
    normalise_group,
    parse_domains,
    parse_role_map,
    role_for,
    usernames,
)


def test_role_maps_split_at_the_last_equals_and_ignore_case_and_spaces() -> None:
    text = "teachers = editor;\nCN=IT, OU=Groups,DC=School = admin\n\n; 7f3c-guid=reader"
    assert parse_role_map(text, "x") == {
        "teachers": "editor",
        "cn=it,ou=groups,dc=school": "admin",
        "7f3c-guid": "reader",
    }
    assert parse_role_map("", "x") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("teachers", "is not `value = role`"),
        ("= editor", "is not `value = role`"),
        ("teachers = boss", "unknown role 'boss'"),
    ],
)
def test_bad_role_maps_name_the_setting(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"setting 'oidc_role_map': .*{message}"):
        parse_role_map(text, "oidc_role_map")


def test_the_highest_mapped_role_wins() -> None:
    role_map = {"teachers": "editor", "it": "admin", "staff": "commenter"}
    assert mapped_role(["staff", "Teachers"], role_map) == "editor"
    assert mapped_role(["IT", "staff"], role_map) == "admin"
    assert mapped_role(["parents"], role_map) is None
    assert normalise_group(" CN=IT , OU=Groups ") == "cn=it,ou=groups"


@pytest.mark.parametrize(
    ("mapped", "current", "by_admin", "expected"),
    [
        ("editor", None, False, "editor"),  # a new account, mapped
        (None, None, False, "reader"),  # a new account, not mapped: the default
        ("editor", "admin", True, "editor"),  # the map names them: the map wins
        (None, "admin", True, "admin"),  # an admin's choice outlasts the default
        (None, "editor", False, "reader"),  # taken out of the mapped group: the default
    ],
)
def test_role_for(mapped: str | None, current: str | None, by_admin: bool, expected: str) -> None:
    assert role_for(mapped, current, by_admin, "reader") == expected


def test_default_roles() -> None:
    assert default_role("", private=True, setting="x") == "reader"
    assert default_role("", private=False, setting="x") == "commenter"
    assert default_role("editor", private=True, setting="x") == "editor"
    with pytest.raises(ConfigError, match="setting 'x': unknown role 'boss'"):
        default_role("boss", private=True, setting="x")


def test_domains() -> None:
    assert parse_domains(" School.org,@staff.school.org  other.org") == {
        "school.org", "staff.school.org", "other.org",
    }  # fmt: skip
    assert parse_domains("") == frozenset()


CLAIMS: dict[str, Any] = {
    "sub": "248289761001", "email": "Ada.Lovelace@School.org", "email_verified": True,
    "name": "Ada Lovelace", "groups": ["teachers", 7, None],
}  # fmt: skip


def test_claims_make_an_identity() -> None:
    found = identity_from_claims(CLAIMS, "groups", frozenset({"school.org"}))
    assert (found.source, found.subject, found.name) == ("oidc", "248289761001", "Ada Lovelace")
    assert (found.username, found.email) == ("Ada.Lovelace@School.org", "Ada.Lovelace@School.org")
    assert found.groups == ("teachers", "7")
    assert identity_from_claims(CLAIMS, "", frozenset()).groups == ()
    # Entra sends no email_verified at all; its tenant's issuer is what limits who comes in.
    entra = {k: v for k, v in CLAIMS.items() if k != "email_verified"}
    assert identity_from_claims({**entra, "roles": "Wiki.Admin"}, "roles", frozenset()).groups == (
        "Wiki.Admin",
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email_verified": False}, "is not verified"),
        ({"email_verified": "false"}, "is not verified"),
        ({"email": "ada@gmail.com"}, "Accounts from gmail.com cannot sign in"),
        ({"email": "ada@school.org.evil.test"}, "cannot sign in"),
        ({"email": ""}, "did not tell the wiki your email address"),
        ({"email": "not an address"}, "did not tell the wiki your email address"),
    ],
)
def test_refused_claims(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(SignInRefused, match=message):
        identity_from_claims({**CLAIMS, **changes}, "groups", frozenset({"school.org"}))


def test_claim_values_take_lists_strings_or_nothing() -> None:
    assert claim_values({"g": ["a", "b"]}, "g") == ("a", "b")
    assert claim_values({"g": "a"}, "g") == ("a",)
    assert claim_values({"g": {"a": 1}}, "g") == ()
    assert claim_values({}, "g") == ()


def test_usernames_from_login_names_and_emails() -> None:
    assert list(usernames("Ada.Lovelace@school.org"))[:3] == [
        "ada.lovelace", "ada.lovelace-2", "ada.lovelace-3",
    ]  # fmt: skip
    assert next(usernames("Zoë Núñez")) == "zoe-nunez"
    assert next(usernames("@@@")) == "user"


@given(st.text(max_size=300))
def test_every_username_offered_is_valid(wanted: str) -> None:
    offered = usernames(wanted)
    for _ in range(3):
        assert USERNAME.fullmatch(next(offered))
