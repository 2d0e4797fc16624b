"""The OpenID Connect client's checks, against a small provider of the test's own
(a real HTTP server in a thread) that answers with whatever ID token the test made:
forged, expired, for someone else, or nothing at all in time."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from masterywiki.errors import ConfigError, ProviderUnavailable, SignInFailed, SignInRefused
from masterywiki.people.oidc import OidcClient, OidcConfig, Pending
from masterywiki.settings import load

CLIENT_ID, SECRET = "wiki", "a-client-secret-that-is-long-enough-for-hs256-0123456789"
REDIRECT = "http://127.0.0.1:5000/-/login/oidc/callback"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})  # same kid, not published


class FakeProvider:
    """Discovery, keys and a token endpoint that returns `self.id_token`."""

    def __init__(self) -> None:
        self.id_token = ""
        self.token_status = 200
        self.issuer_named = ""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    self._json(200, outer.discovery())
                elif self.path == "/jwks":
                    self._json(200, KeySet([KEY]).as_dict(private=False))
                else:
                    self._json(404, {})

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if outer.token_status != 200:
                    self._json(outer.token_status, {"error": "invalid_grant"})
                    return
                answer = {"access_token": "at", "token_type": "Bearer", "id_token": outer.id_token}
                self._json(200, answer)

            def _json(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer_named or self.issuer,
            "authorization_endpoint": f"{self.issuer}/auth",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
        }

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {
            "iss": self.issuer, "sub": "s-1", "aud": CLIENT_ID, "iat": now, "exp": now + 300,
            "nonce": "the-nonce", "email": "ada@school.test", "email_verified": True,
            "name": "Ada", "groups": ["teachers"],
        }  # fmt: skip
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    running = FakeProvider()
    yield running
    running.server.shutdown()
    running.server.server_close()


def config(issuer: str, **changes: Any) -> OidcConfig:
    found = OidcConfig(
        issuer=issuer, client_id=CLIENT_ID, client_secret=SECRET, name="Test School",
        allowed_domains=frozenset({"school.test"}), roles_claim="groups",
        role_map={"teachers": "editor"}, default_role="commenter", timeout=2.0,
    )  # fmt: skip
    return replace(found, **changes)


def finish(provider: FakeProvider, token: str, **answer: str) -> Any:
    provider.id_token, provider.token_status, provider.issuer_named = token, 200, ""
    pending = Pending("the-state", "the-nonce", "v" * 64, REDIRECT, "/")
    return OidcClient(config(provider.issuer)).finish(
        pending, {"state": "the-state", "code": "c", **answer}
    )


def signed(claims: dict[str, Any], key: Any = KEY, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": "k1"}, claims, key)


def test_a_good_id_token_gives_the_identity(provider: FakeProvider) -> None:
    identity = finish(provider, signed(provider.claims()))
    assert (identity.source, identity.subject, identity.email) == ("oidc", "s-1", "ada@school.test")
    assert identity.groups == ("teachers",)


def _unsigned(claims: dict[str, Any]) -> str:
    import base64

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}."


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: signed(p.claims(), OTHER_KEY), id="forged-signature"),
        pytest.param(lambda p: signed(p.claims(), OctKey.import_key(SECRET), "HS256"), id="hs256"),
        pytest.param(lambda p: _unsigned(p.claims()), id="alg-none"),
        pytest.param(lambda p: signed(p.claims(exp=int(time.time()) - 3600)), id="expired"),
        pytest.param(lambda p: signed(p.claims(aud="another-app")), id="other-audience"),
        pytest.param(lambda p: signed(p.claims(iss="https://evil.test")), id="other-issuer"),
        pytest.param(lambda p: signed(p.claims(nonce="replayed")), id="wrong-nonce"),
        pytest.param(lambda p: signed(p.claims(nonce=None)), id="no-nonce"),
        pytest.param(lambda p: signed(p.claims(sub=None)), id="no-subject"),
        pytest.param(lambda p: "not.a.token", id="garbage"),
    ],
)
def test_a_bad_id_token_is_refused(provider: FakeProvider, make: Any) -> None:
    with pytest.raises(SignInFailed, match=r"ID token|another sign-in"):
        finish(provider, make(provider))


def test_refusals_before_any_token(provider: FakeProvider) -> None:
    with pytest.raises(SignInFailed, match="state does not match"):
        finish(provider, "", state="other")
    with pytest.raises(SignInFailed, match="sent no authorization code"):
        finish(provider, "", code="")
    with pytest.raises(SignInFailed, match="did not sign you in: access_denied"):
        finish(provider, "", error="access_denied")
    client = OidcClient(config(provider.issuer))
    with pytest.raises(SignInFailed, match="state does not match"):
        client.finish(None, {"state": "", "code": "c"})  # no sign-in pending in this browser
    provider.token_status = 400
    pending = Pending("s", "n", "v" * 64, REDIRECT, "/")
    with pytest.raises(SignInFailed, match="would not exchange the sign-in code"):
        client.finish(pending, {"state": "s", "code": "used-twice"})


def test_claims_the_wiki_does_not_accept(provider: FakeProvider) -> None:
    with pytest.raises(SignInRefused, match=r"Accounts from gmail\.com cannot sign in"):
        finish(provider, signed(provider.claims(email="ada@gmail.com")))
    with pytest.raises(SignInRefused, match="not verified"):
        finish(provider, signed(provider.claims(email_verified=False)))


def test_discovery_naming_another_issuer_is_refused(provider: FakeProvider) -> None:
    provider.issuer_named = "https://evil.test"
    with pytest.raises(ProviderUnavailable, match="names another issuer"):
        OidcClient(config(provider.issuer)).start(REDIRECT, "/")
    provider.issuer_named = ""


def test_the_authorization_url_carries_pkce_state_and_nonce(provider: FakeProvider) -> None:
    url, pending = OidcClient(config(provider.issuer)).start(REDIRECT, "/guide")
    assert url.startswith(f"{provider.issuer}/auth?")
    wanted = (
        "code_challenge_method=S256",
        "code_challenge=",
        f"state={pending.state}",
        f"nonce={pending.nonce}",
        "scope=openid+email+profile",
        "response_type=code",
    )
    for part in wanted:
        assert part in url
    assert pending.verifier not in url and pending.next == "/guide"
    assert Pending.from_dict(pending.as_dict()) == pending
    assert Pending.from_dict({"state": 1}) is None


def test_a_provider_that_hangs_times_out() -> None:
    """A provider that takes the connection and never answers costs the timeout, no more."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections queue up; nothing ever reads them
        issuer = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable, match="did not answer within 1 seconds"):
            OidcClient(config(issuer, timeout=1.0)).start(REDIRECT, "/")
        assert 0.9 < time.monotonic() - started < 3


def test_an_unreachable_provider_fails_at_once(provider: FakeProvider) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="could not give its discovery document"):
        OidcClient(config(f"http://127.0.0.1:{port}")).start(REDIRECT, "/")
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"oidc_issuer": "http://idp.example.org"}, "must be an https:// URL"),
        ({"oidc_issuer": "https://idp.example.org"}, "oidc_client_id' is needed"),
        ({"oidc_client_id": "x", "oidc_role_map": "teachers = boss"}, "unknown role 'boss'"),
        ({"oidc_client_id": "x", "oidc_default_role": "boss"}, "unknown role 'boss'"),
    ],
)
def test_bad_settings_are_refused_at_start(settings: dict[str, str], message: str) -> None:
    loaded = load({"oidc_issuer": "https://idp.example.org", **settings}, environ={})
    with pytest.raises(ConfigError, match=message):
        OidcConfig.from_settings(loaded)


def test_settings_give_the_config() -> None:
    loaded = load(
        {
            "oidc_issuer": "https://accounts.google.com/",
            "oidc_client_id": "id",
            "oidc_allowed_domains": "school.org, @Staff.School.org",
        },
        environ={"MASTERYWIKI_OIDC_CLIENT_SECRET": "from-the-environment"},
    )
    found = OidcConfig.from_settings(loaded)
    assert found is not None
    assert (found.issuer, found.name, found.client_secret) == (
        "https://accounts.google.com", "Google", "from-the-environment",
    )  # fmt: skip
    assert found.allowed_domains == {"school.org", "staff.school.org"}
    assert found.default_role == "commenter"
    assert OidcConfig.from_settings(load({}, environ={})) is None
