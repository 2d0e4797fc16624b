"""Signing in with OpenID Connect: `/-/login/oidc` leaves for the provider, and
`/-/login/oidc/callback` comes back, checks its answer and logs the person in.

The sign-in in progress (state, nonce, PKCE verifier) waits in the signed session
cookie, so any server of several can take the callback. Every refusal is one of the
typed errors, shown by the one error handler; no account is made before the answer
has passed every check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask, current_app, redirect, request, session
from flask.typing import ResponseReturnValue

from masterywiki.people.linked import account_for
from masterywiki.people.oidcconfig import OidcConfig, Pending
from masterywiki.web.views import services
from masterywiki.web.views.auth import (
    OIDC_NAME_KEY,
    accounts,
    local_path,
    log_in,
    open_when_private,
)

if TYPE_CHECKING:
    from masterywiki.people.oidc import OidcClient

CLIENT_KEY = "masterywiki.people.oidc"
PENDING = "oidc_pending"

bp = Blueprint("signin", __name__)


def init_app(app: Flask) -> None:
    """Turn OpenID Connect on when `oidc_issuer` is set. Raises ConfigError."""
    config = OidcConfig.from_settings(app.extensions["masterywiki"].settings)
    if config is None:
        return
    # Only a wiki that signs in this way loads the library (a tenth of a second at
    # each worker's start).
    from masterywiki.people.oidc import OidcClient

    app.extensions[CLIENT_KEY] = OidcClient(config)
    app.extensions[OIDC_NAME_KEY] = config.name
    app.register_blueprint(bp)
    for endpoint in ("signin.start", "signin.callback"):
        open_when_private(app, endpoint)


def client() -> OidcClient:
    found: OidcClient = current_app.extensions[CLIENT_KEY]
    return found


def _redirect_uri() -> str:
    base = services().settings.base_url.rstrip("/") or request.host_url.rstrip("/")
    return base + "/-/login/oidc/callback"


@bp.get("/-/login/oidc")
def start() -> ResponseReturnValue:
    url, pending = client().start(_redirect_uri(), local_path(request.args.get("next")))
    session[PENDING] = pending.as_dict()  # replaces any sign-in this browser left unfinished
    return redirect(url, 303)


@bp.get("/-/login/oidc/callback")
def callback() -> ResponseReturnValue:
    pending = Pending.from_dict(session.pop(PENDING, None))  # used once, whatever happens
    identity = client().finish(pending, request.args)
    config = client().config
    user = account_for(
        accounts().database, identity, config.role_map, config.default_role, accounts().now()
    )
    log_in(user)
    assert pending is not None  # finish() refused an answer without one
    return redirect(pending.next, 303)
