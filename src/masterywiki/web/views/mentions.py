"""@mentions in comments: the accounts a comment names are marked in its text and told
by email, and the comment box offers usernames as they are typed."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from masterywiki.content import names
from masterywiki.content.catalog import PageRecord
from masterywiki.discussion.comments import Comment
from masterywiki.discussion.service import CommentService
from masterywiki.errors import InvalidInput, UnknownUser
from masterywiki.people.accounts import USERNAME, User
from masterywiki.watching.mention_mail import mention_message
from masterywiki.web.views import auth, watch
from masterywiki.web.views.auth import require_role

bp = Blueprint("mentions", __name__)
MAX_SUGGESTIONS = 10  # the answer is capped: the box shows a few, nobody pages through


def init_app(app: Flask, service: CommentService) -> None:
    service.directory = _shown_name
    app.register_blueprint(bp)


def _account(username: str) -> User | None:
    try:
        return auth.accounts().get_user(username)
    except UnknownUser:
        return None


def _shown_name(username: str) -> str | None:
    user = _account(username)
    return None if user is None else user.name or user.username


@bp.get("/-/api/v1/users")
@require_role("reader")  # accounts are never listed to visitors who are not logged in
def users() -> Response:
    prefix = request.args.get("q", "").strip().removeprefix("@").lower()
    if not prefix:
        raise InvalidInput("Give the start of a username or name, e.g. ?q=ad")
    if len(prefix) > 40:
        raise InvalidInput("Usernames are at most 40 characters long.")
    found = auth.accounts().find_users(prefix, MAX_SUGGESTIONS)
    return jsonify({"users": [{"username": u.username, "name": u.name} for u in found]})


def tell(service: CommentService, record: PageRecord, comment: Comment) -> None:
    """Email each account the comment mentions for the first time (an edit tells only
    those it adds), never its author, once however often they are named. Only comments
    by logged-in people tell anyone: an anonymous one could otherwise mail every account."""
    notifier = current_app.extensions[watch.EXTENSION].notifier
    if notifier is None or comment.deleted is not None or not comment.author:
        return
    told_before = {n for v in comment.versions[:-1] for n in service.mentioned(v.body)}
    wanted = [
        n for n in service.mentioned(comment.body) if n not in told_before and n != comment.author
    ]
    if not wanted:
        return
    link = (
        notifier.mail.base_url.rstrip("/")
        + names.url_for_name(record.name)
        + f"#comment-{comment.id}"
    )
    now = time.time()
    messages = []
    for username in wanted:
        user = _account(username) if USERNAME.fullmatch(username) else None
        if user is not None and user.email:
            messages.append(
                mention_message(comment.display_name, record.title, comment.body, link, user,
                                notifier.mail, now)
            )  # fmt: skip
    if messages:
        notifier.enqueue(messages, now)
