"""Who is asking: sessions, login and logout, first-run setup, roles, CSRF, private mode.

The session is Flask's signed cookie holding the user's id, the login session's
secret (see `accounts.SessionKey`) and the CSRF token. Each request checks the secret
against the server's row for that session, and nothing else about the user is
trusted from the cookie: a role change applies at once, logging out ends that
session for any copy of the cookie, and a password change or removal ends them all.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from markupsafe import escape

from masterywiki.errors import (
    BadCsrfToken,
    Forbidden,
    InvalidInput,
    LoginFailed,
    LoginRequired,
    ProviderUnavailable,
    TooManyAttempts,
    UserExists,
    WikiError,
)
from masterywiki.people.accounts import Accounts, SessionKey, User
from masterywiki.people.directoryconfig import DirectoryConfig
from masterywiki.people.logins import Logins
from masterywiki.web.languages import ACCOUNT_LANGUAGE, gettext
from masterywiki.web.views import markers, services

ACCOUNTS_KEY = "masterywiki.people.accounts"
LOGINS_KEY = "masterywiki.people.logins"
OIDC_NAME_KEY = "masterywiki.oidc_name"  # set by views/signin.py when OpenID Connect is on
SESSION_USER, SESSION_CSRF = "user", "csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Reachable without a login even when the wiki is private (the webhook and the
# metrics carry no page content; the webhook checks its own signature).
OPEN_PATHS = frozenset(
    {"/-/login", "/-/logout", "/-/setup", "/-/healthz", "/-/hooks/git", "/-/metrics"}
)
CSRF_EXEMPT_KEY = "masterywiki.csrf_exempt"
PRIVATE_OPEN_KEY = "masterywiki.private_open"

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    """Connect accounts, sessions, CSRF checks, private mode and the auth pages."""
    app.extensions[ACCOUNT_LANGUAGE] = lambda: getattr(current_user(), "language", None)
    settings = app.extensions["masterywiki"].settings
    found = app.extensions[ACCOUNTS_KEY] = Accounts(app.extensions["masterywiki"].database)
    config = DirectoryConfig.from_settings(settings)
    directory = None
    if config is not None:  # only a wiki with a directory loads the LDAP library
        from masterywiki.people.directory import Directory

        directory = Directory(config)
    app.extensions[LOGINS_KEY] = Logins(found, directory, settings.password_login)
    app.session_interface = _SessionInterface()
    # The cookie lasts as long as the server keeps its session (both slide with use).
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=found.session_seconds)
    app.before_request(_check_csrf)
    app.before_request(_private_mode)
    markers.register(app, "user-nav", lambda _arg: _user_nav())
    app.jinja_env.globals.update(current_user=current_user, csrf_token=csrf_token)
    app.register_blueprint(bp)


def accounts() -> Accounts:
    found: Accounts = current_app.extensions[ACCOUNTS_KEY]
    return found


def logins() -> Logins:
    found: Logins = current_app.extensions[LOGINS_KEY]
    return found


def login_page(status: int = 200, **context: Any) -> Response:
    """The login page: the password form when there is one, the provider's button."""
    context.setdefault("next", "/")
    context.setdefault("username", "")
    html = render_template(
        "login.html",
        password_form=logins().form_shown,
        directory=logins().directory is not None,
        oidc_name=current_app.extensions.get(OIDC_NAME_KEY),
        **context,
    )
    return make_response(html, status)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure whenever the request is https.

    Deciding per request (rather than a fixed SESSION_COOKIE_SECURE) lets the
    same app serve http://127.0.0.1 in development and https in production.
    Behind a TLS-terminating proxy, `request.is_secure` follows the proxy's
    X-Forwarded-Proto when the WSGI server trusts it (gunicorn does for
    `--forwarded-allow-ips`).
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = super().get_cookie_secure(app)
        return configured or (has_request_context() and request.is_secure)


# -- the current user and the role check ---------------------------------------------


def current_user() -> User | None:
    """The logged-in user, or None; looked up once per request."""
    if "masterywiki_user" not in g:
        g.masterywiki_user = _session_user()
    user: User | None = g.masterywiki_user
    return user


def _session_key() -> SessionKey | None:
    raw = session.get(SESSION_USER)
    if not (isinstance(raw, list) and len(raw) == 2):
        return None
    user_id, secret = raw
    if type(user_id) is not int or not isinstance(secret, str):
        return None  # also a cookie from before sessions were kept on the server
    return SessionKey(user_id, secret)


def _session_user() -> User | None:
    key = _session_key()
    if key is None:
        return None
    user = accounts().user_for_session(key)
    if user is None:  # logged out, expired, removed, or ended by a password change
        session.pop(SESSION_USER, None)
    return user


def require_role(role: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a view: anonymous GETs go to the login page, other anonymous
    requests get 401 (LoginRequired), a user below `role` gets 403 (Forbidden)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return _send_to_login(gettext("Log in to do this."))
            if not user.can(role):
                raise Forbidden(
                    f"This needs the {role} role; your account has the {user.role} role."
                )
            return view(*args, **kwargs)

        return wrapper

    return decorate


def _send_to_login(message: str) -> ResponseReturnValue:
    """A browser reading a page goes to the login form and comes back; anything
    else (a form post, the JSON API) gets 401."""
    if request.method in ("GET", "HEAD") and not request.path.startswith("/-/api/"):
        return redirect(login_url(_here()))
    raise LoginRequired(message)


def login_url(next_path: str = "/") -> str:
    query = urlencode({"next": next_path}, safe="/")
    return "/-/login" + (f"?{query}" if next_path != "/" else "")


def _here() -> str:
    return request.full_path.rstrip("?")


def local_path(target: str | None) -> str:
    """`target` when it is a path on this site, else `/`: `next` never leaves the wiki."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or parts.scheme
        or parts.netloc
        or not target.isprintable()
    ):
        return "/"
    return target


def log_in(user: User) -> None:
    """Start a fresh session for `user` (a new CSRF token too); the one this browser
    had before ends."""
    key = accounts().start_session(user.username)
    _end_session()
    session[SESSION_USER] = [key.user_id, key.secret]
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    session.permanent = True
    g.masterywiki_user = user


# -- CSRF, private mode and the user menu -------------------------------------------


def csrf_token() -> str:
    """The session's CSRF token, created on first use (a Jinja global)."""
    token = session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


def exempt_from_csrf(app: Flask, endpoint: str) -> None:
    """Skip the CSRF check for `endpoint`: only for a view that authenticates each
    request another way a cross-site form cannot imitate (a signed webhook)."""
    app.extensions.setdefault(CSRF_EXEMPT_KEY, set()).add(endpoint)


def open_when_private(app: Flask, endpoint: str) -> None:
    """Let `endpoint` answer without a login in a private wiki: only for a view that
    checks its own credential (a feed whose secret address stands for its reader)."""
    app.extensions.setdefault(PRIVATE_OPEN_KEY, set()).add(endpoint)


def _check_csrf() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    if request.endpoint in current_app.extensions.get(CSRF_EXEMPT_KEY, ()):
        return
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token", "")
    expected = session.get(SESSION_CSRF)
    if not (
        isinstance(expected, str) and sent and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise BadCsrfToken(
            "This form's security token is missing or out of date, so nothing was changed."
            " Go back, reload the page and try again."
        )


def _private_mode() -> ResponseReturnValue | None:
    if not services().settings.private or current_user() is not None:
        return None
    if request.path in OPEN_PATHS or request.path.startswith("/-/static/"):
        return None
    if request.endpoint in current_app.extensions.get(PRIVATE_OPEN_KEY, ()):
        return None
    return _send_to_login(gettext("This wiki is private: log in first."))


def _user_nav() -> str:
    if current_user() is None and request.path not in ("/-/login", "/-/setup"):
        # The common case, built without a template render: every anonymous view.
        here = _here()
        label = escape(gettext("Log in"))
        return f'<a class="login-link" href="{escape(login_url(here))}">{label}</a>'
    return render_template("_user_nav.html").strip()


# -- pages -----------------------------------------------------------------------------


def _form_error(template: str, error: WikiError, **context: Any) -> Response:
    """Show a form again with its error beside it (the one place views catch errors:
    a form's mistakes belong next to the form, not on an error page)."""
    response = make_response(render_template(template, error=error, **context), error.status)
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.get("/-/login")
def login_form() -> Response:
    return login_page(next=local_path(request.args.get("next")))


@bp.post("/-/login")
def login() -> ResponseReturnValue:
    form = request.form
    next_path = local_path(form.get("next"))
    try:
        user = logins().authenticate(
            form.get("username", ""), form.get("password", ""), request.remote_addr or ""
        )
    except (LoginFailed, TooManyAttempts, ProviderUnavailable) as error:
        response = login_page(
            error.status, error=error, next=next_path, username=form.get("username", "")
        )
        if isinstance(error, TooManyAttempts):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    log_in(user)
    return redirect(next_path, 303)


@bp.get("/-/logout")
def logout_form() -> str:
    return render_template("logout.html")


def _end_session() -> None:
    """End this browser's session on the server too, so a copy of its cookie (taken
    from a shared computer, a proxy's log) is worth nothing afterwards."""
    key = _session_key()
    if key is not None:
        accounts().end_session(key)
    session.clear()


@bp.post("/-/logout")
def logout() -> ResponseReturnValue:
    _end_session()
    g.masterywiki_user = None
    return redirect("/", 303)


@bp.route("/-/setup", methods=["GET", "POST"])
def setup() -> ResponseReturnValue:
    """First run: the holder of the printed one-time link creates the first admin."""
    token = request.values.get("token", "")
    if not accounts().setup_token_valid(token):
        raise Forbidden(
            "This setup link is not valid: an admin account already exists, or a newer"
            " link was printed when the server started. Log in instead."
        )
    if request.method == "GET":
        return render_template("setup.html", token=token, form={})
    form = request.form
    try:
        _same_passwords(form.get("password", ""), form.get("confirm", ""))
        user = accounts().create_first_admin(
            token,
            form.get("username", ""),
            form.get("password", ""),
            name=form.get("name", ""),
            email=form.get("email", ""),
        )
    except (InvalidInput, UserExists) as error:
        return _form_error("setup.html", error, token=token, form=form)
    log_in(user)
    flash(gettext("Welcome, %(name)s: you are the wiki's first admin.", name=user.name))
    return redirect("/-/admin/users", 303)


def _same_passwords(password: str, confirm: str) -> None:
    if password != confirm:
        raise InvalidInput(
            gettext("The two passwords are different: type the same password twice.")
        )


@bp.route("/-/account", methods=["GET", "POST"])
@require_role("reader")
def account() -> ResponseReturnValue:
    """The logged-in user's details, and changing their own password."""
    user = current_user()
    assert user is not None  # require_role saw to it
    if request.method == "GET":
        return render_template("account.html", user=user)
    form = request.form
    try:
        if not user.has_password:
            raise InvalidInput(
                gettext("You sign in with your school account: there is no password here.")
            )
        _same_passwords(form.get("new_password", ""), form.get("confirm", ""))
        accounts().authenticate(
            user.username, form.get("current_password", ""), request.remote_addr or ""
        )
        accounts().set_password(user.username, form.get("new_password", ""))
    except LoginFailed:
        error = InvalidInput(gettext("Your current password is not right, so nothing was changed."))
        return _form_error("account.html", error, user=user)
    except (InvalidInput, TooManyAttempts) as error:
        return _form_error("account.html", error, user=user)
    log_in(user)  # this session stays; every other session of this user ends
    flash(gettext("Password changed. Your other sessions were logged out."))
    return redirect("/-/account", 303)


def first_admin_hint(accounts: Accounts, base_url: str = "http://127.0.0.1:5000") -> str | None:
    """For `masterywiki serve`: how to create the first admin, or None when one exists.

    Each call makes a new one-time setup token (and retires the previous one).
    """
    token = accounts.setup_token()
    if token is None:
        return None
    return (
        f"No admin yet: open {base_url.rstrip('/')}/-/setup?token={token}"
        " to create the first admin account."
    )
