"""A signed-in reader's own preferences: the interface language of their account."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request
from flask.typing import ResponseReturnValue

from masterywiki.errors import InvalidInput
from masterywiki.resources import message_catalog
from masterywiki.web.languages import N_, SUPPORTED, gettext, remember_choice
from masterywiki.web.views.auth import accounts, current_user, require_role

bp = Blueprint("preferences", __name__)


@bp.post("/-/account/language")
@require_role("reader")
def language() -> ResponseReturnValue:
    """Keep the account's interface language ('' = the browser's) and use it now."""
    user = current_user()
    assert user is not None  # require_role saw to it
    chosen = request.form.get("language", "")
    if chosen and chosen not in SUPPORTED:
        raise InvalidInput(
            gettext("This wiki's interface has no language '%(code)s'.", code=chosen[:20])
        )
    accounts().set_language(user.username, chosen)
    response = redirect("/-/account", 303)
    if chosen:
        remember_choice(response, chosen)
        # the message in the language just chosen, not the one this request came in
        flash(message_catalog(chosen).gettext(N_("The wiki now speaks your chosen language.")))
    else:
        response.delete_cookie("lang")
        flash(gettext("The wiki now follows your browser's language."))
    return response
