"""The user admin page (admins only): list accounts, add one, change a role, remove one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from masterywiki.errors import InvalidInput, UserExists, WikiError
from masterywiki.people.accounts import ROLES
from masterywiki.web.languages import gettext
from masterywiki.web.views.auth import OIDC_NAME_KEY, accounts, require_role

bp = Blueprint("users", __name__)
PAGE = "/-/admin/users"


def _page(
    status: int = 200,
    error: WikiError | None = None,
    error_for: str = "",
    form: Mapping[str, str] | None = None,
) -> Response:
    """The page; `error_for` names the form the error belongs to (a username, or `new`)."""
    html = render_template(
        "admin_users.html",
        users=accounts().list_users(),
        roles=ROLES,
        error=error,
        error_for=error_for,
        form=form or {},
        sources={
            "local": gettext("Wiki password"),
            "oidc": current_app.extensions.get(OIDC_NAME_KEY) or "OpenID Connect",
            "ldap": gettext("School directory"),
        },
        when=lambda seconds: datetime.fromtimestamp(seconds, UTC),
    )
    return make_response(html, status)


@bp.get(PAGE)
@require_role("admin")
def index() -> Response:
    return _page()


@bp.post(PAGE)
@require_role("admin")
def add() -> ResponseReturnValue:
    form = request.form
    try:
        user = accounts().add_user(
            form.get("username", ""),
            form.get("password", ""),
            role=form.get("role", "reader"),
            name=form.get("name", ""),
            email=form.get("email", ""),
        )
    except (InvalidInput, UserExists) as error:
        return _page(error.status, error, "new", form)
    flash(gettext("Added %(user)s with the %(role)s role.", user=user.username, role=user.role))
    return redirect(PAGE, 303)


@bp.post(f"{PAGE}/<username>/role")
@require_role("admin")
def set_role(username: str) -> ResponseReturnValue:
    try:
        user = accounts().set_role(username, request.form.get("role", ""))
    except InvalidInput as error:
        return _page(error.status, error, username)
    flash(gettext("%(user)s now has the %(role)s role.", user=user.username, role=user.role))
    return redirect(PAGE, 303)


@bp.post(f"{PAGE}/<username>/remove")
@require_role("admin")
def remove(username: str) -> ResponseReturnValue:
    try:
        accounts().remove_user(username)
    except InvalidInput as error:
        return _page(error.status, error, username)
    flash(gettext("Removed %(user)s; their sessions have ended.", user=username))
    return redirect(PAGE, 303)
