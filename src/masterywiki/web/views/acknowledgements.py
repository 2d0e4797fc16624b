"""Read confirmations: the "I have read this version" box on pages that ask for it,
`POST /<path>/-/acknowledge`, and `/-/acknowledgements`, the admins' report (CSV too).

The box depends on the visitor, so cached pages hold the marker
`<!-- masterywiki:acknowledge PAGE -->`, filled per response.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.errors import InvalidInput, LoginRequired
from masterywiki.onboarding.acknowledge import (
    STATUSES,
    AskingPage,
    Reader,
    Standing,
    as_csv,
    asks_confirmation,
    counts,
    filtered,
    standing_of,
    standings,
)
from masterywiki.onboarding.confirmations import Confirmations
from masterywiki.onboarding.paths import names_of
from masterywiki.repository.wiki import Snapshot
from masterywiki.web.languages import nice_date
from masterywiki.web.views import auth, markers, page_number, paths, services
from masterywiki.web.views.auth import current_user, login_url, require_role

bp = Blueprint("acknowledgements", __name__)
EXTENSION = "masterywiki.onboarding.confirmations"
FILTERS = ("path", "status", "user")  # not `page`: that is the number of a listing's page
PER_PAGE = 100  # rows of the report on one page (the CSV has them all)


def init_app(app: Flask) -> None:
    """After paths.init_app, whose page versions it shares."""
    found = app.extensions["masterywiki"]
    app.extensions[EXTENSION] = Confirmations(found.database, app.extensions[paths.VERSIONS])
    markers.register(app, "acknowledge", _box_for)
    app.jinja_env.filters["timestamp_date"] = lambda at: nice_date(_utc(at))
    app.jinja_env.filters["timestamp_iso"] = lambda at: _utc(at).isoformat(timespec="seconds")
    app.register_blueprint(bp)


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def confirmations() -> Confirmations:
    found: Confirmations = current_app.extensions[EXTENSION]
    return found


def _box_for(name: str) -> str:
    catalog = services().wiki.snapshot.catalog
    record = catalog.get(name)
    if record is None or not asks_confirmation(record.info.front_matter):
        return ""
    user = current_user()
    context: dict[str, Any] = {"page": record, "user": user, "login": login_url(record.url)}
    if user is not None:
        version = confirmations().version(record, services().wiki.snapshot)
        mine = confirmations().of_pages(names_of(catalog, [record]), user.username)
        status, found = standing_of(mine, version)
        context.update(version=version, status=status, confirmation=found)
    return render_template("_acknowledge.html", **context)


@bp.post("/<path:name>/-/acknowledge")
def acknowledge(name: str) -> ResponseReturnValue:
    record = services().wiki.record(name)  # a moved page: the handler sends the form on
    user = current_user()
    if user is None:
        raise LoginRequired("Log in to confirm that you have read this page.")
    seen = request.form.get("version", "").strip()
    found = confirmations().confirm(user.username, record, services().wiki.snapshot, seen)
    if request.accept_mimetypes.best == "application/json":
        confirmed = _utc(found.at).isoformat(timespec="seconds")
        return jsonify(page=found.page, version=found.commit, username=found.username,
                       confirmed=confirmed)  # fmt: skip
    return redirect(f"{names.url_for_name(record.name)}#acknowledge", 303)


# -- the admins' report -----------------------------------------------------------------


def _filters() -> dict[str, str]:
    """`path`, `status` and `user` from the query. Raises InvalidInput, InvalidPagePath."""
    found = {key: request.args.get(key, "").strip()[:200] for key in FILTERS}
    if found["status"] and found["status"] not in STATUSES:
        raise InvalidInput(
            f"Filter by status: one of {', '.join(STATUSES)} (got '{found['status'][:20]}')."
        )
    if found["path"]:
        found["path"] = names.normalize_user_input(found["path"])
    if request.args.get("format", "csv") != "csv":
        raise InvalidInput("The report comes as a web page, or as CSV with `format=csv`.")
    return found


def _asking(catalog: Catalog) -> list[PageRecord]:
    asking = [r for r in catalog.records() if asks_confirmation(r.info.front_matter)]
    return sorted(asking, key=lambda record: (record.title.casefold(), record.name))


def _standings(snapshot: Snapshot, records: list[PageRecord]) -> list[Standing]:
    """Every account on every page that asks, confirmations under old names included."""
    catalog = snapshot.catalog
    pages = [
        AskingPage(r.name, r.title, confirmations().version(r, snapshot),
                   tuple(n for n in names_of(catalog, [r]) if n != r.name))
        for r in records
    ]  # fmt: skip
    readers = [Reader(u.username, u.name, u.role) for u in auth.accounts().list_users()]
    found = confirmations().of_pages([n for p in pages for n in (p.name, *p.old_names)])
    return standings(pages, readers, found)


@bp.get("/-/acknowledgements")
@require_role("admin")
def report() -> ResponseReturnValue:
    snapshot = services().wiki.refresh()
    filters, records = _filters(), _asking(snapshot.catalog)
    rows = _standings(snapshot, records)
    shown = filtered(rows, filters)
    if request.args.get("format") == "csv":
        return Response(
            as_csv(shown), mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="acknowledgements.csv"'},
        )  # fmt: skip
    # Not `query`: base.html puts that in the search box.
    filter_query = {key: value for key, value in filters.items() if value}
    number = page_number()
    start = (number - 1) * PER_PAGE
    return render_template(
        "acknowledgements.html", pages=records, rows=shown[start : start + PER_PAGE],
        counts=counts(rows), filters=filters, filter_query=filter_query, statuses=STATUSES,
        readers=len({r.username for r in rows}), page=number,
        has_next=len(shown) > start + PER_PAGE, matching=len(shown),
    )  # fmt: skip
