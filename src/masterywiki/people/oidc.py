"""Signing in with OpenID Connect through Authlib: discovery, the authorization code
flow with PKCE, and checking the ID token (signature, issuer, audience, expiry, nonce).

The browser's side (redirects, remembering the pending sign-in) is the web layer's;
here are the provider's endpoints and the checks. Every request to the provider has
a timeout, so a provider that is down costs a clear message, never a hung worker.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2 import OAuth2Error
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from masterywiki.errors import ProviderUnavailable, SignInFailed
from masterywiki.people.identity import (
    Identity,
    identity_from_claims,
)
from masterywiki.people.oidcconfig import OidcConfig as OidcConfig
from masterywiki.people.oidcconfig import Pending as Pending

SCOPES = "openid email profile"
DISCOVERY_SECONDS = 3600.0  # how long a provider's discovery document is reused
LEEWAY = 60  # seconds of clock difference forgiven in `exp` and `iat`
# Only public-key signatures: the ID token must be the provider's, not something
# made with the client secret (which the wiki also knows) or with no signature.
SIGNING_ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip


class OidcClient:
    """One provider, shared by a server's requests. `now` is the clock (for tests)."""

    def __init__(self, config: OidcConfig, now: Callable[[], float] = time.time) -> None:
        self.config = config
        self.now = now
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def _session(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            self.config.client_id,
            self.config.client_secret or None,
            scope=SCOPES,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            response = requests.get(url, timeout=self.config.timeout)
            response.raise_for_status()
            found = response.json()
        except requests.Timeout as error:
            raise self._down(f"did not answer within {self.config.timeout:g} seconds") from error
        except (requests.RequestException, ValueError) as error:
            raise self._down(f"could not give its {what} ({type(error).__name__})") from error
        if not isinstance(found, dict):
            raise self._down(f"sent a {what} that is not a JSON object")
        return found

    def _down(self, why: str) -> ProviderUnavailable:
        return ProviderUnavailable(
            f"{self.config.name} {why}, so signing in with it does not work right now."
            " Try again in a few minutes; if it goes on, tell the wiki's admins."
        )

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (fetched, checked, then kept an hour).
        Raises ProviderUnavailable."""
        with self._lock:
            if self._metadata and self._metadata[0] > self.now() - DISCOVERY_SECONDS:
                return self._metadata[1]
        url = self.config.issuer + "/.well-known/openid-configuration"
        found = self._get_json(url, "discovery document")
        if found.get("issuer", "").rstrip("/") != self.config.issuer:
            raise self._down(f"names another issuer ({str(found.get('issuer'))[:100]!r})")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(found.get(key), str):
                raise self._down(f"sent a discovery document without {key}")
        with self._lock:
            self._metadata = (self.now(), found)
        return found

    def start(self, redirect_uri: str, next_path: str) -> tuple[str, Pending]:
        """Where to send the browser, and what to remember until it comes back.
        Raises ProviderUnavailable."""
        endpoint = self.metadata()["authorization_endpoint"]
        pending = Pending(
            state=generate_token(32),
            nonce=generate_token(32),
            verifier=generate_token(64),
            redirect_uri=redirect_uri,
            next=next_path,
        )
        url, _state = self._session(redirect_uri).create_authorization_url(
            endpoint, state=pending.state, nonce=pending.nonce, code_verifier=pending.verifier
        )
        return url, pending

    def finish(self, pending: Pending | None, answer: Mapping[str, str]) -> Identity:
        """The person the provider's answer (the callback's query) vouches for.
        Raises SignInFailed, SignInRefused, ProviderUnavailable."""
        if answer.get("error"):
            described = answer.get("error_description") or answer["error"]
            raise SignInFailed(f"{self.config.name} did not sign you in: {described[:200]}")
        if pending is None or not hmac.compare_digest(
            answer.get("state", "").encode(), pending.state.encode()
        ):
            raise SignInFailed(
                "This sign-in answer does not belong to a sign-in started in this browser"
                " (its state does not match), so it was ignored. Start again from the"
                " login page."
            )
        code = answer.get("code", "")
        if not code:
            raise SignInFailed(f"{self.config.name} sent no authorization code: start again.")
        metadata = self.metadata()
        try:
            token = self._session(pending.redirect_uri).fetch_token(
                metadata["token_endpoint"],
                code=code,
                code_verifier=pending.verifier,
                timeout=self.config.timeout,
            )
        except requests.Timeout as error:
            raise self._down(f"did not answer within {self.config.timeout:g} seconds") from error
        except requests.RequestException as error:
            raise self._down(f"could not be reached ({type(error).__name__})") from error
        except (OAuthError, OAuth2Error, ValueError) as error:
            raise SignInFailed(
                f"{self.config.name} would not exchange the sign-in code ({error})."
                " Start again from the login page."
            ) from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed(f"{self.config.name} sent no ID token: start again.")
        claims = self.check_id_token(id_token, pending.nonce, str(token.get("access_token", "")))
        return identity_from_claims(claims, self.config.roles_claim, self.config.allowed_domains)

    def check_id_token(self, id_token: str, nonce: str, access_token: str = "") -> dict[str, Any]:
        """The claims of an ID token whose signature (by a key the provider publishes)
        and claims (iss, aud, exp, iat, nonce, at_hash) are right. Raises SignInFailed."""
        metadata = self.metadata()
        keys = self._get_json(metadata["jwks_uri"], "signing keys")
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in offered if alg in SIGNING_ALGORITHMS]
        try:
            decoded = jwt.decode(
                id_token,
                KeySet.import_key_set(keys),  # type: ignore[arg-type]
                registry=JWSRegistry(algorithms=algorithms, strict_check_header=False),
            )
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": self.config.issuer},
                    "aud": {"essential": True, "value": self.config.client_id},
                    "sub": {"essential": True},
                },
                {"nonce": nonce, "client_id": self.config.client_id, "access_token": access_token},
            )
            claims.validate(now=int(self.now()), leeway=LEEWAY)
        except (JoseError, ValueError) as error:
            raise SignInFailed(
                f"The ID token from {self.config.name} is not valid"
                f" ({getattr(error, 'description', '') or type(error).__name__}), so nobody"
                " was signed in. Start again; if it happens again, tell the wiki's admins."
            ) from error
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise SignInFailed("The ID token was made for another sign-in (nonce): start again.")
        return dict(claims)
