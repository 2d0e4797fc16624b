"""Comments: the thread under each page, the discussion page, its JSON and Atom feed.

A page view is cached as finished HTML shared by every visitor, so page.html only
holds what is the same for all (the comment count, the section markers) and a
marker where the thread goes; `_thread_for` (through views/markers.py) renders the
thread, with this visitor's buttons and CSRF token, into each response.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from masterywiki.content import names
from masterywiki.content.catalog import PageRecord
from masterywiki.discussion.comments import Comment, Discussion, format_time
from masterywiki.discussion.service import (
    CommentService,
    Policy,
    RateLimiter,
    can_delete,
    can_edit,
    can_resolve,
    sees_deleted,
)
from masterywiki.errors import CommentRateLimited, CommentTooLarge, InvalidInput, WikiError
from masterywiki.web.languages import gettext
from masterywiki.web.views import markers, mentions
from masterywiki.web.views.auth import current_user, login_url

bp = Blueprint("comments", __name__)
EXTENSION = "masterywiki.discussion.comments"
# page.html leaves this where the thread goes; the page name is the only variable
# part and page names are `a-z 0-9 - /`, so it cannot end the HTML comment.


def init_app(app: Flask) -> None:
    """Create the comment service and connect the views, template helpers and filler."""
    settings = app.extensions["masterywiki"].settings
    policy = Policy(settings.max_comment_bytes, settings.anonymous_comments)
    limiter = RateLimiter(
        app.extensions["masterywiki"].database,
        settings.comment_rate_limit,
        settings.comment_rate_window,
    )
    service = CommentService(app.extensions["masterywiki"].wiki, policy, limiter)
    app.extensions[EXTENSION] = service
    mentions.init_app(app, service)  # @username: marked in comments, told by email
    app.jinja_env.globals["comments_of"] = _comments_of
    app.jinja_env.filters["comment_markers"] = _comment_markers
    markers.register(app, "comments", _thread_for)
    app.register_blueprint(bp)


def comment_service() -> CommentService:
    found: CommentService = current_app.extensions[EXTENSION]
    return found


def _action_base(name: str) -> str:
    return "/" + name


def _page_url(name: str) -> str:
    return names.url_for_name(name)


# -- what page.html shows to everyone ---------------------------------------------------


def _comments_of(record: PageRecord) -> Discussion:
    return comment_service().for_record(record)


def _comment_markers(html: str, discussion: Discussion) -> str:
    """Put a count beside each section heading that has comments."""
    counts = discussion.anchor_counts()
    if not counts:
        return html
    for anchor, (count, first) in counts.items():
        label = f"{count} comment{'s' if count != 1 else ''} on this section"
        marker = (
            f'<a class="comment-marker" href="#comment-{escape(first)}" title="{label}"'
            f' aria-label="{label}">{count}</a>'
        )
        pattern = re.compile(
            rf'(<h([1-6]) id="{re.escape(str(escape(anchor)))}"[^>]*>.*?)(</h\2>)', re.S
        )

        def add(match: re.Match[str], marker: str = marker) -> str:
            return match.group(1) + marker + match.group(3)

        html = pattern.sub(add, html, count=1)
    return html


# -- the thread, per visitor ------------------------------------------------------------


def _thread_for(name: str) -> str:
    try:
        record, discussion = comment_service().page(name)
    except WikiError:  # the page went away since it was cached: nothing to discuss
        return ""
    return _thread_html(record, discussion)


def _thread_html(record: PageRecord, discussion: Discussion, **extra: Any) -> str:
    user = current_user()
    service = comment_service()
    if user is None and not discussion.comments and not service.can_post(None) and not extra:
        # The common case, built without a template: a page without comments, a reader.
        here = _page_url(record.name) + "#comments"
        heading = escape(gettext("Discussion"))
        invite = gettext(
            'No comments yet. <a href="%(url)s">Log in</a> to start the discussion.',
            url=escape(login_url(here)),
        )
        return (
            '<section id="comments" class="comments" aria-labelledby="comments-heading">'
            f'<h2 id="comments-heading">{heading}</h2><p class="empty">{invite}</p>'
            "</section>"
        )
    return render_template("_comments.html", **_context(record, discussion, **extra))


def _context(record: PageRecord, discussion: Discussion, **extra: Any) -> dict[str, Any]:
    user = current_user()
    service = comment_service()
    threads = discussion.threads
    return {
        "record": record,
        "base": _action_base(record.name),
        "page_url": _page_url(record.name),
        "discussion": discussion,
        "open_threads": [t for t in threads if not t.resolved],
        "resolved_threads": [t for t in threads if t.resolved],
        "headings": service.headings(record),
        "user": user,
        "can_post": service.can_post(user),
        "can_edit": lambda c: can_edit(user, c),
        "can_resolve": lambda root: can_resolve(user, root),
        "can_delete": lambda c: can_delete(user, c),
        "sees_deleted": sees_deleted(user),
        "body_html": lambda text: Markup(service.html(text)),
        "login_link": login_url(_page_url(record.name) + "#comments"),
        "max_bytes": service.policy.max_bytes,
        "draft": {},
        "error": None,
        "reply_to": None,
        "editing": None,
        **extra,
    }


# -- the discussion page and its JSON ----------------------------------------------------


def _wants_json() -> bool:
    accept = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return accept == "application/json" or (request.method == "POST" and request.is_json)


def _fields() -> dict[str, str]:
    if request.is_json:
        data = request.get_json(silent=True)
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if isinstance(v, str)}
        raise InvalidInput("Send the comment as a JSON object, or as form fields.")
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


@bp.get("/<path:name>/-/comments")
def discussion_page(name: str) -> ResponseReturnValue:
    record, discussion = comment_service().page(name)
    if _wants_json():
        response = jsonify(_discussion_json(record, discussion))
    else:
        reply_to, editing = request.args.get("reply"), request.args.get("edit")
        response = _discussion_page(record, discussion, reply_to=reply_to, editing=editing)
    response.vary.add("Accept")  # one URL, two formats
    return response


def _discussion_page(
    record: PageRecord, discussion: Discussion, status: int = 200, **extra: Any
) -> Response:
    thread = Markup(_thread_html(record, discussion, standalone=True, **extra))
    html = render_template("comments.html", page=record, thread=thread)
    return make_response(html, status)


@bp.post("/<path:name>/-/comments")
def post(name: str) -> ResponseReturnValue:
    fields = _fields()
    try:
        comment = comment_service().post(
            name,
            fields.get("body", ""),
            current_user(),
            parent=fields.get("parent") or None,
            anchor=fields.get("anchor") or None,
            address=request.remote_addr or "",
        )
    except (InvalidInput, CommentTooLarge, CommentRateLimited) as error:
        return _form_error(name, error, draft=fields, reply_to=fields.get("parent") or None)
    mentions.tell(comment_service(), comment_service().wiki.record(name), comment)
    return _done(name, comment, 201)


@bp.post("/<path:name>/-/comments/<comment_id>/<any(edit, resolve, reopen, delete):action>")
def change(name: str, comment_id: str, action: str) -> ResponseReturnValue:
    service, user = comment_service(), current_user()
    fields = _fields()
    try:
        if action == "edit":
            comment = service.edit(name, comment_id, fields.get("body", ""), user)
            mentions.tell(service, service.wiki.record(name), comment)
        elif action == "delete":
            comment = service.delete(name, comment_id, user)
        else:
            comment = service.set_resolved(name, comment_id, user, action == "resolve")
    except (InvalidInput, CommentTooLarge, CommentRateLimited) as error:
        return _form_error(name, error, draft=fields, editing=comment_id)
    return _done(name, comment, 200)


def _done(name: str, comment: Comment, status: int) -> ResponseReturnValue:
    """JSON clients get the comment; a browser goes back to it on the page."""
    record = comment_service().wiki.record(name)
    location = f"{_page_url(record.name)}#comment-{comment.id}"
    if _wants_json():
        body = _comment_json(record, comment, sees_deleted(current_user()))
        return jsonify(body), status, {"Location": location}
    target = request.form.get("next", "")
    if target == "discussion":
        location = f"{_action_base(record.name)}/-/comments#comment-{comment.id}"
    return redirect(location, 303)


def _form_error(name: str, error: WikiError, **extra: Any) -> ResponseReturnValue:
    """A browser's form comes back with the error beside it and the text kept; JSON
    clients get the one error handler's answer."""
    if _wants_json():
        raise error
    record, discussion = comment_service().page(name)
    response = _discussion_page(record, discussion, error.status, error=error, **extra)
    if isinstance(error, CommentRateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _comment_json(record: PageRecord, comment: Comment, show_deleted: bool) -> dict[str, Any]:
    hidden = comment.deleted is not None and not show_deleted
    return {
        "id": comment.id,
        "author": comment.author,
        "name": comment.display_name,
        "created": format_time(comment.created),
        "parent": comment.parent,
        "anchor": comment.anchor,
        "body": None if hidden else comment.body,
        "html": None if hidden else comment_service().html(comment.body),
        "edited": comment.edited,
        "versions": 1 if hidden else len(comment.versions),
        "resolved": comment.resolved is not None,
        "deleted": comment.deleted is not None,
        "url": f"{_page_url(record.name)}#comment-{comment.id}",
    }


def _discussion_json(record: PageRecord, discussion: Discussion) -> dict[str, Any]:
    show = sees_deleted(current_user())
    return {
        "page": record.name,
        "count": discussion.count,
        "threads": [
            {
                "id": thread.root.id,
                "anchor": thread.root.anchor,
                "resolved": thread.resolved,
                "comments": [_comment_json(record, c, show) for c in thread.comments],
            }
            for thread in discussion.threads
        ],
    }


@bp.get("/<path:name>/-/comments.atom")
def feed(name: str) -> Response:
    record, discussion = comment_service().page(name)
    # Newest first; the file's order breaks ties (sorting is stable).
    shown = [c for c in reversed(discussion.comments) if c.deleted is None]
    shown.sort(key=lambda c: c.created, reverse=True)
    site_url = url_for("pages.root", _external=True)
    body = render_template(
        "comments.atom",
        page=record,
        comments=shown[:50],
        feed_url=request.url,
        page_link=site_url.rstrip("/") + _page_url(record.name),
        body_html=comment_service().html,
    )
    return Response(body, mimetype="application/atom+xml")
