"""Checking a login against an LDAP directory or Active Directory, through ldap3.

The password is checked by binding as the user: their DN comes from a template
(`uid={username},ou=people,dc=school,dc=org`) or from a search made as a service
account. Their groups come from `memberOf` or from a search under a group base. TLS
is `ldaps://` or StartTLS, with the certificate checked. Nothing here logs or keeps
a password.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable, Mapping
from contextlib import ExitStack, suppress
from typing import Any

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPSocketOpenError, LDAPSocketReceiveError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from masterywiki.errors import ProviderUnavailable
from masterywiki.people.directoryconfig import DirectoryConfig as DirectoryConfig
from masterywiki.people.identity import (
    Identity,
    clean_name,
)

ATTRIBUTES = ["cn", "displayName", "mail", "memberOf"]
INVALID_CREDENTIALS = 49  # the LDAP result code for a wrong DN or password
GROUP_FILTER = "(|(member={dn})(uniqueMember={dn})(memberUid={username}))"


class Directory:
    """Logins checked against one directory; a connection per login (they are rare)."""

    def __init__(self, config: DirectoryConfig) -> None:
        self.config = config
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=config.ca_file or None)
        self.server = Server(
            config.url, use_ssl=config.url.startswith("ldaps://"), tls=tls,
            connect_timeout=max(1, round(config.timeout)), get_info=NONE,
        )  # fmt: skip

    def authenticate(self, username: str, password: str) -> Identity | None:
        """Who `username` is in the directory when `password` is theirs; None for a
        wrong username or password. Raises ProviderUnavailable when the directory
        cannot be reached, refuses TLS or refuses the service account."""
        username = username.strip().lower()
        if not username or not password:
            return None  # an empty password would be an anonymous bind: never a login
        try:
            return self._authenticate(username, password)
        except LDAPException as error:
            raise ProviderUnavailable(
                f"The school's directory could not check this login: {_why(error)}."
                " Try again in a few minutes; if it goes on, tell the wiki's admins."
            ) from error

    def _authenticate(self, username: str, password: str) -> Identity | None:
        with ExitStack() as connections:  # every connection closes, whatever happens
            service = None
            if self.config.search_base:
                service = self._bound(connections, self.config.bind_dn, self.config.bind_password)
                if service is None:
                    raise ProviderUnavailable(
                        "The directory refused the wiki's service account (ldap_bind_dn),"
                        " so no directory login works. Tell the wiki's admins."
                    )
                query = self.config.search_filter.format(username=escape_filter_chars(username))
                found = self._entries(service, self.config.search_base, query)
                if len(found) != 1:  # nobody, or a name that is not unique: no login
                    return None
                dn = found[0]["dn"]
            else:
                dn = self.config.user_dn.format(username=escape_rdn(username))
            user = self._bound(connections, dn, password)
            if user is None:
                return None
            reader = service or user  # the service account may read more than the user
            entry = self._entries(reader, dn, "(objectClass=*)", BASE)
            attributes: Mapping[str, Any] = entry[0]["attributes"] if entry else {}
            groups = list(_values(attributes.get("memberOf")))
            if self.config.group_base:
                query = GROUP_FILTER.format(
                    dn=escape_filter_chars(dn), username=escape_filter_chars(username)
                )
                groups += [g["dn"] for g in self._entries(reader, self.config.group_base, query)]
        name = next(iter(_values(attributes.get("displayName") or attributes.get("cn"))), "")
        email = next(iter(_values(attributes.get("mail"))), "")
        return Identity(
            source="ldap",
            subject=dn,
            username=username,
            name=clean_name(name) or username,
            email=email,
            groups=tuple(groups),
        )

    def _bound(self, connections: ExitStack, dn: str, password: str) -> Connection | None:
        """A connection bound as `dn` (closed with `connections`), or None when the
        directory says the credentials are wrong. Raises LDAPException for anything
        else (unreachable, TLS), ProviderUnavailable for a refused StartTLS or bind."""
        connection = Connection(
            self.server, user=dn or None, password=password or None,
            receive_timeout=max(1, round(self.config.timeout)), raise_exceptions=False,
        )  # fmt: skip
        connections.callback(_close, connection)
        connection.open()
        starttls = self.config.starttls and not self.config.url.startswith("ldaps://")
        if starttls and not connection.start_tls():
            raise ProviderUnavailable(
                "The school's directory would not switch to TLS (StartTLS), and the wiki"
                " sends no password in the clear. Tell the wiki's admins."
            )
        if connection.bind():
            return connection
        result = connection.result or {}
        if result.get("result") == INVALID_CREDENTIALS:
            return None
        raise ProviderUnavailable(
            "The school's directory would not check this login"
            f" ({result.get('description', 'no answer')}). Tell the wiki's admins."
        )

    def _entries(
        self, connection: Connection, base: str, query: str, scope: Any = SUBTREE
    ) -> list[dict[str, Any]]:
        connection.search(base, query, scope, attributes=ATTRIBUTES, time_limit=10)
        return [e for e in connection.response or [] if e.get("type") == "searchResEntry"]


def _close(connection: Connection) -> None:
    with suppress(LDAPException, OSError):
        connection.unbind()
    if connection.socket is not None:  # unbind leaves it open when the bind never happened
        with suppress(OSError):
            connection.socket.close()


def _values(value: object) -> Iterable[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


def _why(error: LDAPException) -> str:
    """What went wrong, in words an admin can act on (never the password)."""
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "its TLS certificate is not trusted (see the ldap_ca_file setting)"
    if isinstance(error, LDAPSocketOpenError | LDAPSocketReceiveError):
        return "it cannot be reached or did not answer in time"
    return type(error).__name__
