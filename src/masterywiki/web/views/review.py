"""The review dashboard, "Mark reviewed", and each page's owner and review dates.

A page's review line and "may be out of date" notice depend on today's date, so
they are a marker filled per response, not part of the page HTML cached per commit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from masterywiki.content.catalog import PageRecord
from masterywiki.content.trailers import minor_message
from masterywiki.errors import Forbidden, InvalidInput, PageNotFound
from masterywiki.people.accounts import User
from masterywiki.stewardship.dashboard import (
    NO_OWNER,
    Filters,
    Row,
    dashboard,
    follow_moves,
    rows_of,
)
from masterywiki.stewardship.feedback import Feedback, can_review
from masterywiki.stewardship.reminders import OwnerReminders
from masterywiki.stewardship.reviews import STATES, Period, mark_reviewed, site_period
from masterywiki.web.views import markers, page_number, services, watch
from masterywiki.web.views.auth import ACCOUNTS_KEY, current_user, require_role
from masterywiki.web.views.edit import author_of_request

bp = Blueprint("review", __name__)
PERIOD_KEY = "masterywiki.review_every"
PER_PAGE = 50
MAX_NOTE = 500


def init_app(app: Flask) -> None:
    """The review marker and views; with a mail server, owners' weekly reminders
    (after watch.init_app, whose notifier sends them)."""
    markers.register(app, "review", _review_line)
    found = app.extensions["masterywiki"]
    default = app.extensions[PERIOD_KEY] = site_period(found.settings.review_every)
    notifier = app.extensions[watch.EXTENSION].notifier
    if notifier is not None:
        accounts = app.extensions[ACCOUNTS_KEY]
        notifier.jobs.append(OwnerReminders(found.wiki, accounts, notifier, default))
    app.register_blueprint(bp)


def today() -> date:
    return datetime.now(UTC).date()


def default_period() -> Period | None:
    """The site's `review_every` (checked when the app was made)."""
    found: Period | None = current_app.extensions[PERIOD_KEY]
    return found


def open_reports() -> dict[str, int]:
    """Open reader reports per page, under the pages' current names."""
    counts = Feedback(services().database).open_counts()
    return follow_moves(counts, services().wiki.snapshot.catalog.redirects)


def page_rows(records: list[PageRecord], with_reports: bool = True) -> list[Row]:
    """Dashboard rows; without `with_reports` the database is not asked (a page's own
    review line shows no counts, and every page view draws one)."""
    reports = open_reports() if with_reports else {}
    changes = services().wiki.snapshot.changes
    return rows_of(records, today(), default_period(), changes, reports)


def may_review(user: User | None, row: Row) -> bool:
    return can_review(user, row.owners)


def _review_line(name: str) -> str:
    record = services().wiki.snapshot.catalog.get(name)
    if record is None:
        return ""
    (row,) = page_rows([record], with_reports=False)
    if not row.owners and row.state == "unscheduled":
        return ""
    return render_template("_review.html", row=row, may_review=may_review(current_user(), row))


# -- the dashboard ---------------------------------------------------------------------


def _filters() -> Filters:
    state = request.args.get("state", "")
    if state and state not in STATES:
        raise InvalidInput(f"Filter by state: one of {', '.join(STATES)} (got '{state[:20]}').")
    owner = request.args.get("owner", "").strip().lower()[:40]
    return Filters(owner=owner, section=request.args.get("section", "").strip()[:200], state=state)


def _board() -> tuple[Filters, list[Row]]:
    filters = _filters()
    records = list(services().wiki.refresh().catalog.pages.values())
    return filters, page_rows(records)


@bp.get("/-/review")
def review_dashboard() -> ResponseReturnValue:
    filters, rows = _board()
    board = dashboard(rows, filters)
    number = page_number()
    start = (number - 1) * PER_PAGE
    shown = board.rows[start : start + PER_PAGE]
    filter_query = {k: v for k, v in vars(filters).items() if v}
    return render_template(
        "review.html", board=board, rows=shown, filters=filters, filter_query=filter_query,
        page=number, has_next=len(board.rows) > start + PER_PAGE, states=STATES, no_owner=NO_OWNER,
        user=current_user(), may_review=may_review, today=today(),
    )  # fmt: skip


@bp.get("/-/api/v1/review")
def review_json() -> ResponseReturnValue:
    filters, rows = _board()
    return jsonify([row.as_json() for row in dashboard(rows, filters).rows])


# -- marking a page reviewed -----------------------------------------------------------


@bp.post("/<path:name>/-/reviewed")
@require_role("reader")  # any logged-in user; who may is checked below
def reviewed(name: str) -> ResponseReturnValue:
    wiki = services().wiki
    record = wiki.refresh().catalog.get(name)
    if record is None:
        raise PageNotFound(f"There is no page at '{name}'.")
    (row,) = page_rows([record], with_reports=False)
    user = current_user()
    if not may_review(user, row):
        raise Forbidden("Only the page's owners, editors and admins can mark it reviewed.")
    note = request.form.get("note", "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"Keep the review note to {MAX_NOTE} characters.")
    # Only the review date changes: readers are not asked to read the page again.
    summary = minor_message(f"Reviewed {record.title}" + (f"\n\n{note}" if note else ""), "")
    result = services().editor.save(
        record.name, mark_reviewed(wiki.source(record), today()), summary,
        wiki.storage.head(), author_of_request(), admin=bool(user and user.can("admin")),
    )  # fmt: skip
    if request.accept_mimetypes.best == "application/json":
        return jsonify(path=record.name, reviewed=today().isoformat(), commit=result.commit)
    back = request.form.get("next", "")
    target = back if back.startswith("/") and not back.startswith("//") else record.url
    return redirect(target, 303)
