"""Adopted versions: the list of releases, making one (admins), and what changed between two.

A page as released and the diff between releases are the history views
(`/<path>/-/rev/<release>`, `/<path>/-/diff?from=<release>&to=<release>`), which accept
a release name wherever they accept a commit id.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from masterywiki.errors import InvalidInput, InvalidReleaseName, ReleaseExists
from masterywiki.git.releases import MAX_MESSAGE, MAX_NAME
from masterywiki.repository.releases import KINDS, Releases
from masterywiki.web.languages import gettext
from masterywiki.web.views import ops, services
from masterywiki.web.views.auth import require_role
from masterywiki.web.views.edit import author_of_request

bp = Blueprint("releases", __name__)
SEPARATOR = "..."


def _releases() -> Releases:
    return Releases(services().wiki)


def _listing(
    status: int = 200, error: str = "", name: str = "", message: str = ""
) -> tuple[str, int]:
    releases = _releases().all()
    return render_template(
        "releases.html", releases=releases, error=error, name=name, message=message,
        head=services().wiki.refresh().commit, max_name=MAX_NAME, max_message=MAX_MESSAGE,
    ), status  # fmt: skip


@bp.get("/-/releases")
def listing() -> ResponseReturnValue:
    return _listing()


@bp.post("/-/releases")
@require_role("admin")
def create() -> ResponseReturnValue:
    name = request.form.get("name", "").strip()
    message = request.form.get("message", "")
    try:
        release = _releases().create(name, message, author_of_request())
    except (InvalidReleaseName, ReleaseExists) as error:
        # Shown on the form with what was typed, so nothing has to be typed again.
        return _listing(error.status, error.message, name, message)
    sync = current_app.extensions.get(ops.SYNC_KEY)
    if sync is not None:  # the tag goes to the central repository with the next round
        sync.push_soon()
    flash(
        gettext(
            "Released the wiki as it is now as '%(name)s' (%(commit)s).",
            name=release.name,
            commit=release.short,
        ),
        "success",
    )
    return redirect(url_for("releases.listing"), 303)


@bp.get("/-/releases/compare")
def compare_form() -> ResponseReturnValue:
    """The compare form's GET (two chosen releases) sent on to the comparison's URL."""
    old, new = request.args.get("from", ""), request.args.get("to", "")
    if not old or not new:
        raise InvalidInput("Choose two releases to compare.")
    return redirect(url_for("releases.compare", spec=f"{old}{SEPARATOR}{new}"), 303)


@bp.get("/-/releases/<spec>")
def compare(spec: str) -> ResponseReturnValue:
    old, separator, new = spec.partition(SEPARATOR)
    if not separator or not old or not new:
        raise InvalidInput(
            f"Compare two releases as /-/releases/<older>{SEPARATOR}<newer> (got '{spec[:80]}')."
        )
    comparison = _releases().compare(old, new)
    return render_template("release_changes.html", comparison=comparison, kinds=KINDS)
