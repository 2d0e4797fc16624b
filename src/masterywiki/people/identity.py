"""Who a sign-in provider vouches for, and what the wiki makes of it (pure).

OpenID Connect claims and directory entries both become an `Identity`; this module
decides whether it may come in (verified email, allowed domain), which role it gets
from a role map, and which usernames to try for a new account. No I/O: the callers
fetch, this decides.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from masterywiki.errors import ConfigError, SignInRefused
from masterywiki.people.accounts import EMAIL, MAX_NAME, ROLES, USERNAME

SOURCES = ("oidc", "ldap")
_NOT_IN_USERNAME = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class Identity:
    """A person as a provider described them: `subject` is the provider's lasting id
    (OpenID `sub`, a directory DN), `groups` the values a role map is matched against."""

    source: str
    subject: str
    username: str  # what they would like to be called here: a login name or email
    name: str
    email: str
    groups: tuple[str, ...] = ()


def normalise_group(value: str) -> str:
    """Group names and DNs compare without case and without spaces around `,` and `=`:
    `CN=Staff, OU=Groups` is `cn=staff,ou=groups`."""
    return re.sub(r"\s*([,=])\s*", r"\1", value.strip()).casefold()


def parse_role_map(text: str, setting: str) -> dict[str, str]:
    """`teachers = editor; cn=it,ou=groups,dc=x = admin` (entries split by `;` or new
    lines, each at its last `=`, since DNs have `=` in them). Raises ConfigError."""
    found: dict[str, str] = {}
    for entry in re.split(r"[;\n]", text):
        if not entry.strip():
            continue
        value, equals, role = entry.rpartition("=")
        role = role.strip()
        if not equals or not value.strip():
            raise ConfigError(f"setting '{setting}': '{entry.strip()}' is not `value = role`")
        if role not in ROLES:
            raise ConfigError(
                f"setting '{setting}': unknown role '{role}' (choose from {', '.join(ROLES)})"
            )
        found[normalise_group(value)] = role
    return found


def parse_domains(text: str) -> frozenset[str]:
    """`school.org, staff.school.org` -> the domains, lowercase, without a leading `@`."""
    parts = (part.strip().lstrip("@").casefold() for part in re.split(r"[,\s]+", text))
    return frozenset(part for part in parts if part)


def default_role(configured: str, private: bool, setting: str) -> str:
    """The role of a new account nobody mapped. Raises ConfigError."""
    if not configured:
        return "reader" if private else "commenter"
    if configured not in ROLES:
        raise ConfigError(
            f"setting '{setting}': unknown role '{configured}' (choose from {', '.join(ROLES)})"
        )
    return configured


def mapped_role(groups: Iterable[str], role_map: Mapping[str, str]) -> str | None:
    """The highest role the map gives any of `groups`, or None when it names none."""
    roles = [role_map[key] for key in map(normalise_group, groups) if key in role_map]
    return max(roles, key=ROLES.index) if roles else None


def role_for(mapped: str | None, current: str | None, by_admin: bool, default: str) -> str:
    """The role an account gets at sign-in: the map's when it names one (the map wins);
    else what an admin set in the wiki; else the default. `current` is None for a new
    account. So someone taken out of a mapped group falls back to the default."""
    if mapped is not None:
        return mapped
    if current is not None and by_admin:
        return current
    return default


def claim_values(claims: Mapping[str, Any], claim: str) -> tuple[str, ...]:
    """A groups or roles claim as strings: a list, one string, or absent."""
    if not claim:
        return ()
    value = claims.get(claim)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value if isinstance(item, str | int))
    return ()


def identity_from_claims(
    claims: Mapping[str, Any], roles_claim: str, allowed_domains: frozenset[str]
) -> Identity:
    """The person an ID token's validated claims describe. Raises SignInRefused for a
    missing or unverified email, or one outside `allowed_domains` (empty: any)."""
    email = str(claims.get("email") or "").strip()
    if claims.get("email_verified") is False or claims.get("email_verified") == "false":
        raise SignInRefused(
            f"The provider says the email address {email or '(none)'} is not verified,"
            " so the wiki cannot tell it is yours. Verify it there, then sign in again."
        )
    if email and not EMAIL.fullmatch(email):
        email = ""
    if allowed_domains:
        domain = email.rpartition("@")[2].casefold()
        if not email:
            raise SignInRefused(
                "The provider did not tell the wiki your email address, and only some"
                " email domains may sign in here."
            )
        if domain not in allowed_domains:
            raise SignInRefused(
                f"Accounts from {domain} cannot sign in to this wiki; it lets in"
                f" {', '.join(sorted(allowed_domains))}. Sign in with your school account."
            )
    wanted = str(claims.get("preferred_username") or email or claims.get("sub", ""))
    name = str(claims.get("name") or "").strip()
    return Identity(
        source="oidc",
        subject=str(claims["sub"]),
        username=wanted,
        name=clean_name(name) or wanted.partition("@")[0],
        email=email,
        groups=claim_values(claims, roles_claim),
    )


def clean_name(name: str) -> str:
    """A display name the accounts accept: printable, at most MAX_NAME characters."""
    kept = "".join(char for char in name if char.isprintable()).strip()
    return kept[:MAX_NAME]


def usernames(wanted: str) -> Iterator[str]:
    """Usernames to try for a new account, best first: `ada.lovelace@school.org` gives
    `ada.lovelace`, then `ada.lovelace-2`, `ada.lovelace-3`, ..."""
    plain = unicodedata.normalize("NFKD", wanted.partition("@")[0].casefold())
    plain = plain.encode("ascii", "ignore").decode()  # Zoë Núñez -> zoe nunez
    base = _NOT_IN_USERNAME.sub("-", plain).strip("-._")[:34]
    base = base or "user"
    if USERNAME.fullmatch(base):
        yield base
    for number in range(2, 1000):
        yield f"{base}-{number}"
