"""How a wiki that checks logins against an LDAP directory is set up: plain values,
read without the LDAP library, which only a wiki that uses it loads
(people/directory.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from masterywiki.errors import ConfigError
from masterywiki.people.identity import default_role, parse_role_map
from masterywiki.settings import Settings


@dataclass(frozen=True)
class DirectoryConfig:
    url: str
    starttls: bool
    ca_file: str
    user_dn: str
    search_base: str
    search_filter: str
    bind_dn: str
    bind_password: str
    group_base: str
    role_map: Mapping[str, str]
    default_role: str
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> DirectoryConfig | None:
        """The configuration, or None when no directory is set. Raises ConfigError."""
        url = settings.ldap_url.strip()
        if not url:
            return None
        if not url.startswith(("ldap://", "ldaps://")):
            raise ConfigError(f"setting 'ldap_url' must start ldap:// or ldaps://, got {url!r}")
        if "{username}" not in settings.ldap_user_dn and not settings.ldap_search_base:
            raise ConfigError(
                "LDAP needs 'ldap_user_dn' (with {username} in it) or 'ldap_search_base'"
            )
        if settings.ldap_search_base and "{username}" not in settings.ldap_search_filter:
            raise ConfigError("setting 'ldap_search_filter' needs {username} in it")
        return cls(
            url=url,
            starttls=settings.ldap_starttls,
            ca_file=settings.ldap_ca_file,
            user_dn=settings.ldap_user_dn if not settings.ldap_search_base else "",
            search_base=settings.ldap_search_base,
            search_filter=settings.ldap_search_filter,
            bind_dn=settings.ldap_bind_dn,
            bind_password=settings.ldap_bind_password,
            group_base=settings.ldap_group_base,
            role_map=parse_role_map(settings.ldap_role_map, "ldap_role_map"),
            default_role=default_role(
                settings.ldap_default_role, settings.private, "ldap_default_role"
            ),
            timeout=float(settings.signin_timeout),
        )
