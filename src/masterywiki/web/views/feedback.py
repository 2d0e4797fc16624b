"""Reader feedback under every page: "Was this page helpful?" and "Report a problem".

The page view is cached and shared, so page.html only holds the marker
`<!-- masterywiki:feedback PAGE -->`; `_block_for` fills in this visitor's forms
(with their CSRF token) and, for the page's owners, editors and admins, its open
reports and votes. The forms work without JavaScript (a POST, then a 303 back to
the page with a thank-you); feedback.js sends them in place and gets JSON back.
A report is mailed to the page's owners when the wiki has a mail server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.discussion.service import RateLimiter
from masterywiki.errors import Forbidden, InvalidInput, LoginRequired, UnknownUser, WikiError
from masterywiki.people.accounts import User
from masterywiki.stewardship.feedback import (
    MAX_NOTE,
    REASON_LABELS,
    Feedback,
    FeedbackRateLimited,
    Report,
    ReportNotFound,
    can_review,
    parse_helpful,
)
from masterywiki.stewardship.reports_mail import report_message
from masterywiki.stewardship.reviews import read_stewardship
from masterywiki.support.lru import LRU
from masterywiki.web.languages import current_language, gettext
from masterywiki.web.views import auth, markers, pages, services, watch
from masterywiki.web.views.auth import current_user

bp = Blueprint("feedback", __name__)
EXTENSION = "masterywiki.stewardship.feedback"
FIELDS = ("helpful", "reason", "note")
THANKS = "thanks"  # ?feedback=thanks: the notice a browser without JavaScript comes back to


def init_app(app: Flask) -> None:
    """Create the feedback service (rate-limited like comments) and the page's filler."""
    found = app.extensions["masterywiki"]
    settings = found.settings
    limiter = RateLimiter(found.database, settings.comment_rate_limit, settings.comment_rate_window)
    app.extensions[EXTENSION] = Feedback(found.database, limiter=limiter)
    markers.register(app, "feedback", _block_for)
    app.register_blueprint(bp)


def feedback_service() -> Feedback:
    found: Feedback = current_app.extensions[EXTENSION]
    return found


def owners_of(record: PageRecord) -> tuple[str, ...]:
    """The usernames the page's front matter names as its `owner`."""
    return read_stewardship(record.info.front_matter.extra).owners


def _names_of(record: PageRecord, catalog: Catalog) -> list[str]:
    """The page's name and its old names: feedback sent before a move stays with it."""
    return [record.name, *(old for old, new in catalog.redirects.items() if new == record.name)]


def _action_base(name: str) -> str:
    return "/" + name  # the root's actions live under /index


# -- the block under each page, per visitor ----------------------------------------------


# An anonymous visitor's block differs from another's only by its form token: rendered
# once per page and language (with a slot for the token), not at every view.
_TOKEN_SLOT = "masterywiki-form-token-slot"
_ANONYMOUS_BLOCKS: LRU[str] = LRU(4096)


def _block_for(name: str) -> str:
    record = services().wiki.snapshot.catalog.get(name)
    if record is None:  # the page went away since it was cached
        return ""
    context = _context(record)
    if context["user"] is not None or context["draft"] or context["thanks"]:
        return render_template("_feedback.html", **context)
    key = (current_language(), record.name)
    block = _ANONYMOUS_BLOCKS.get(key)
    if block is None:
        block = render_template("_feedback.html", **context, csrf_token=lambda: _TOKEN_SLOT)
        _ANONYMOUS_BLOCKS.put(key, block)
    return block.replace(_TOKEN_SLOT, auth.csrf_token())


def _context(record: PageRecord) -> dict[str, Any]:
    user = current_user()
    draft: dict[str, Any] = g.get("feedback_draft") or {}
    reviewer = can_review(user, owners_of(record))
    return {
        "base": _action_base(record.name),
        "user": user,
        "reasons": REASON_LABELS,
        "max_note": MAX_NOTE,
        "draft": draft,
        "error": draft.get("error"),
        "thanks": request.args.get("feedback") == THANKS and not draft,
        "reviewer": reviewer,
        **(_review(record) if reviewer else {}),
    }


def _review(record: PageRecord) -> dict[str, Any]:
    """What owners and editors see: open reports, newest first, and the votes."""
    service = feedback_service()
    pages_ = _names_of(record, services().wiki.snapshot.catalog)
    reports = [report for page in pages_ for report in service.open_reports(page)]
    reports.sort(key=lambda r: (r.created, r.id), reverse=True)
    votes = [service.helpful_counts(page) for page in pages_]
    return {
        "reports": reports,
        "yes": sum(yes for yes, _no in votes),
        "no": sum(no for _yes, no in votes),
        "when": lambda report: datetime.fromtimestamp(report.created, UTC),
    }


# -- sending feedback -------------------------------------------------------------------


def _wants_json() -> bool:
    accept = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return accept == "application/json" or request.is_json


def _fields() -> dict[str, Any]:
    """The form's fields, or a JSON object's (where `helpful` may be true or false)."""
    if not request.is_json:
        return {key: request.form.get(key, "") for key in FIELDS}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("Send the feedback as a JSON object, or as form fields.")
    kept = {key: data.get(key) for key in FIELDS}
    return {k: v if isinstance(v, str) or (k == "helpful" and isinstance(v, bool)) else ""
            for k, v in kept.items()}  # fmt: skip


@bp.post("/<path:name>/-/feedback")
def send(name: str) -> ResponseReturnValue:
    record = services().wiki.record(name)  # a moved page: the handler sends the form on
    fields, user = _fields(), current_user()
    try:
        report = feedback_service().send(
            record.name,
            parse_helpful(fields["helpful"]),
            fields["reason"],
            fields["note"],
            user.username if user else None,
            address=request.remote_addr or "",
        )
    except (InvalidInput, FeedbackRateLimited) as error:
        return _form_error(record, error, fields)
    _mail_owners(record, report)
    if _wants_json():
        return jsonify(_report_json(report)), 201
    return redirect(f"{names.url_for_name(record.name)}?feedback={THANKS}#feedback", 303)


def _form_error(
    record: PageRecord, error: WikiError, fields: dict[str, Any]
) -> ResponseReturnValue:
    """A browser gets the page back with the error beside the form and what it wrote
    kept; JSON clients get the one error handler's answer."""
    if _wants_json():
        raise error
    g.feedback_draft = {**fields, "error": error}  # read by the filler, below
    response = make_response(pages.root() if record.name == names.ROOT else pages.view(record.name))
    response.status_code = error.status
    if isinstance(error, FeedbackRateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _report_json(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "page": report.page,
        "helpful": report.helpful,
        "reason": report.reason,
        "note": report.note,
        "created": datetime.fromtimestamp(report.created, UTC).isoformat(),
        "resolved": report.resolved is not None,
    }


def _mail_owners(record: PageRecord, report: Report) -> None:
    """Queue an email to each owner with an address (not to one reporting their own
    page); without a mail server the report is only stored and shown."""
    notifier = current_app.extensions[watch.EXTENSION].notifier
    if notifier is None or report.reason is None:
        return
    link = notifier.mail.base_url.rstrip("/") + names.url_for_name(record.name) + "#feedback"
    messages = [
        report_message(report, record.title, link, owner, notifier.mail, report.created)
        for owner in _owner_accounts(record)
        if owner.email and owner.username != report.username
    ]
    if messages:
        notifier.enqueue(messages, report.created)


def _owner_accounts(record: PageRecord) -> list[User]:
    found = []
    for username in owners_of(record):
        try:
            found.append(auth.accounts().get_user(username))
        except UnknownUser:  # a name in front matter with no account: nobody to tell
            continue
    return found


# -- resolving a report -------------------------------------------------------------------


@bp.post("/<path:name>/-/feedback/<int:report_id>/resolve")
def resolve(name: str, report_id: int) -> ResponseReturnValue:
    record = services().wiki.record(name)
    user = _reviewer(record)
    service = feedback_service()
    if service.get(report_id).page not in _names_of(record, services().wiki.snapshot.catalog):
        raise ReportNotFound(f"There is no report {report_id} on this page.")
    report = service.resolve(report_id, user.username)
    if _wants_json():
        return jsonify(_report_json(report))
    return redirect(f"{names.url_for_name(record.name)}#feedback", 303)


def _reviewer(record: PageRecord) -> User:
    """The visitor, when they may resolve the page's reports. Raises LoginRequired,
    Forbidden."""
    user = current_user()
    if user is None:
        raise LoginRequired(gettext("Log in to resolve reports."))
    if not can_review(user, owners_of(record)):
        raise Forbidden(
            gettext("Only the page's owners, editors and admins can resolve its reports.")
        )
    return user
