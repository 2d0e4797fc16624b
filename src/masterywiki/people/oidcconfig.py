"""What a wiki that signs in with OpenID Connect is set up with, and the sign-in a
browser has under way: plain values, read without the OpenID Connect library, which
only a wiki that uses it loads (people/oidc.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from masterywiki.errors import ConfigError
from masterywiki.people.identity import default_role, parse_domains, parse_role_map
from masterywiki.settings import Settings

KNOWN_NAMES = {"accounts.google.com": "Google", "login.microsoftonline.com": "Microsoft"}


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    name: str  # shown as "Sign in with <name>"
    allowed_domains: frozenset[str]
    roles_claim: str
    role_map: Mapping[str, str]
    default_role: str
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcConfig | None:
        """The configuration, or None when OpenID Connect is off. Raises ConfigError."""
        if not settings.oidc_issuer:
            return None
        issuer = settings.oidc_issuer.strip().rstrip("/")
        parts = urlsplit(issuer)
        loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not parts.hostname or not (parts.scheme == "https" or loopback):
            raise ConfigError(f"setting 'oidc_issuer' must be an https:// URL, got {issuer!r}")
        if not settings.oidc_client_id:
            raise ConfigError("setting 'oidc_client_id' is needed with 'oidc_issuer'")
        return cls(
            issuer=issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            name=settings.oidc_provider_name or KNOWN_NAMES.get(parts.hostname, parts.hostname),
            allowed_domains=parse_domains(settings.oidc_allowed_domains),
            roles_claim=settings.oidc_roles_claim.strip(),
            role_map=parse_role_map(settings.oidc_role_map, "oidc_role_map"),
            default_role=default_role(
                settings.oidc_default_role, settings.private, "oidc_default_role"
            ),
            timeout=float(settings.signin_timeout),
        )


@dataclass(frozen=True)
class Pending:
    """A sign-in in progress, kept by the browser (in the signed session cookie)
    between leaving for the provider and coming back."""

    state: str
    nonce: str
    verifier: str  # the PKCE code verifier; the provider saw only its hash
    redirect_uri: str
    next: str

    def as_dict(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: object) -> Pending | None:
        if not isinstance(data, dict):
            return None
        try:
            values = {key: data[key] for key in cls.__dataclass_fields__}
        except KeyError:
            return None
        return cls(**values) if all(isinstance(v, str) for v in values.values()) else None
