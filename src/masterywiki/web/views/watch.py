"""Watchlists on the web: watch buttons, the watchlist page, its private feed, email choice.

The page view is cached and shared, so page.html only holds the marker
`<!-- masterywiki:watch PAGE -->`; `_watch_buttons` fills in this visitor's buttons.
With `smtp_host` set, each server process also runs the email notifier's thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from masterywiki.content import names
from masterywiki.content.catalog import Catalog
from masterywiki.errors import InvalidInput, PageNotFound
from masterywiki.people.accounts import User
from masterywiki.proposals.record import Filters, Proposal
from masterywiki.proposals.service import Proposals
from masterywiki.support.lru import LRU
from masterywiki.watching.notices import Mail, default_sender
from masterywiki.watching.notify import Notifier, SmtpMailer
from masterywiki.watching.watches import Watch, follow, touch_link
from masterywiki.watching.watchlist import WatchedChanges, Watchlist
from masterywiki.web.languages import gettext
from masterywiki.web.views import auth, markers, page_number, services
from masterywiki.web.views.auth import current_user, local_path, require_role

bp = Blueprint("watch", __name__)
EXTENSION = "masterywiki.watching.watchlist"
FEED_SIZE = 50


@dataclass
class WatchServices:
    watchlist: Watchlist
    changes: WatchedChanges
    notifier: Notifier | None  # only with smtp_host
    folders: LRU[frozenset[str]] = field(default_factory=lambda: LRU(4))  # by commit


def init_app(app: Flask) -> None:
    """Create the watchlist service, the marker filler, the feed's private-mode
    opening and, with a mail server, the notifier thread."""
    found = app.extensions["masterywiki"]
    settings = found.settings
    watchlist = Watchlist(found.database)
    changes = WatchedChanges(found.history)
    notifier = None
    if settings.smtp_host:
        base_url = settings.base_url or "http://127.0.0.1:5000"
        mailer = SmtpMailer(settings.smtp_host, settings.smtp_port,
                            starttls=settings.smtp_starttls, username=settings.smtp_username,
                            password=settings.smtp_password)  # fmt: skip
        sender = default_sender(settings.site_name, base_url, settings.smtp_from)
        mail = Mail(settings.site_name, base_url, sender, settings.language)
        notifier = Notifier(found.wiki, watchlist, changes, mailer, mail,
                            settings.notify_batch_seconds,
                            shared=bool(settings.remote))  # fmt: skip
        app.before_request(notifier.start)  # (re)starts its thread in each gunicorn worker
        notifier.start()
    app.extensions[EXTENSION] = WatchServices(watchlist, changes, notifier)
    markers.register(app, "watch", _watch_buttons)
    auth.open_when_private(app, "watch.feed")  # the secret address is the credential
    app.register_blueprint(bp)


def _services() -> WatchServices:
    found: WatchServices = current_app.extensions[EXTENSION]
    return found


def _user() -> User:
    user = current_user()
    assert user is not None  # require_role saw to it
    return user


def _action_base(name: str) -> str:
    return "/" + name  # the root's actions live under /index


# -- the buttons on each page ---------------------------------------------------------


def _has_section(catalog: Catalog, name: str) -> bool:
    """Whether pages live under `name` (the root's section is the whole wiki)."""
    if name == names.ROOT:
        return True
    key = services().wiki.snapshot.commit
    folders = _services().folders.get(key)
    if folders is None:  # worked out once per commit, not per page view
        folders = frozenset(
            page.rsplit("/", depth)[0]
            for page in catalog.pages
            for depth in range(1, page.count("/") + 1)
        )
        _services().folders.put(key, folders)
    return name in folders


def _watch_buttons(name: str) -> str:
    user = current_user()
    if user is None or not names.is_valid(name):
        return ""
    catalog = services().wiki.snapshot.catalog
    # A watch on a page's old name follows it here, so it counts as watching this one.
    watches = follow(_services().watchlist.watches(user.username), catalog.redirects)
    covering = [w for w in watches if w.scope == "section" and w.covers(name)]
    return render_template(
        "_watch.html",
        name=name,
        base=_action_base(name),
        watching=Watch(name, "page") in watches,
        section_watched=Watch(name, "section") in watches,
        has_section=_has_section(catalog, name),
        covering=[w for w in covering if w.target != name],
    )


# -- watching and unwatching ----------------------------------------------------------


def _to_watch(name: str, scope: str) -> str:
    """The page a watch goes on: a renamed page's new name. There must be a page
    there (or, for a section, pages under it). Raises PageNotFound, InvalidPagePath."""
    catalog = services().wiki.refresh().catalog
    name = names.canonical(names.validate(name))
    if name not in catalog and name in catalog.redirects:
        name = catalog.redirects[name]
    if not (name in catalog or (scope == "section" and _has_section(catalog, name))):
        raise PageNotFound(name)
    return name


def _to_unwatch(username: str, name: str, scope: str) -> list[str]:
    """The watched names that stand for `name`: itself, and old names that were
    renamed to it. Raises InvalidPagePath."""
    name = names.canonical(names.validate(name))
    redirects = services().wiki.refresh().catalog.redirects
    watched = _services().watchlist.watches(username)
    found = [w.target for w in watched
             if w.scope == scope and Watch(name, scope) in follow([w], redirects)]  # fmt: skip
    return found or [name]


@bp.post("/<path:name>/-/watch")
@require_role("reader")
def watch(name: str) -> ResponseReturnValue:
    scope, action = request.form.get("scope", "page"), request.form.get("action", "watch")
    watchlist, username = _services().watchlist, _user().username
    if action == "watch":
        target = _to_watch(name, scope)
        watchlist.watch(username, target, scope)
    elif action == "unwatch":
        target = names.canonical(names.validate(name))
        for watched in _to_unwatch(username, target, scope):
            watchlist.unwatch(username, watched, scope)
    else:
        raise InvalidInput(f"Choose 'watch' or 'unwatch', not '{action[:40]}'.")
    messages = {
        ("section", "watch"): gettext("The section “%(title)s” is on your watchlist."),
        ("section", "unwatch"): gettext("The section “%(title)s” is off your watchlist."),
        ("page", "watch"): gettext("The page “%(title)s” is on your watchlist."),
        ("page", "unwatch"): gettext("The page “%(title)s” is off your watchlist."),
    }
    kind = "section" if scope == "section" else "page"
    flash(messages[kind, action] % {"title": _title(target)}, "success")
    back = local_path(request.form.get("next") or names.url_for_name(target))
    return redirect(back, 303)


def _title(name: str) -> str:
    record = services().wiki.snapshot.catalog.get(name)
    return record.title if record is not None else names.title_from_name(name)


# -- the watchlist page -----------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    watch: Watch
    title: str
    url: str
    action_base: str
    moved_to: str | None  # the page was renamed: the watch follows it there
    missing: bool  # no such page now (deleted)


def _rows(watches: tuple[Watch, ...], catalog: Catalog) -> list[_Row]:
    rows = []
    for watch in watches:
        moved = catalog.redirects.get(watch.target) if watch.target not in catalog else None
        missing = moved is None and not (
            watch.target in catalog
            or (watch.scope == "section" and _has_section(catalog, watch.target))
        )
        url = names.url_for_name(moved or watch.target)
        rows.append(_Row(watch, _title(moved or watch.target), url,
                         _action_base(watch.target), moved, missing))  # fmt: skip
    return rows


def _watchlist_page(user: User, **extra: Any) -> str:
    found = _services()
    settings = services().settings
    watches = found.watchlist.watches(user.username)
    catalog = services().wiki.refresh().catalog
    page = page_number()
    changes, more = found.changes.recent(watches, catalog.redirects, page)
    created = found.watchlist.token_created(user.username)
    return render_template(
        "watchlist.html",
        user=user,
        rows=_rows(watches, catalog),
        changes=changes,
        has_next=more,
        page=page,
        title=_title,
        link=touch_link,
        email_on=found.watchlist.wants_email(user.username),
        smtp=bool(settings.smtp_host),
        batch_minutes=max(1, round(settings.notify_batch_seconds / 60)),
        feed_made=datetime.fromtimestamp(created, UTC) if created else None,
        **extra,
    )


@bp.get("/-/watchlist")
@require_role("reader")
def watchlist() -> str:
    return _watchlist_page(_user())


@bp.post("/-/watchlist/token")
@require_role("reader")
def token() -> ResponseReturnValue:
    """`action=new` makes a feed address (the old one stops working); `revoke` ends it.
    The new address is shown on this one answer only: just its digest is kept."""
    action, user = request.form.get("action", "new"), _user()
    if action == "revoke":
        _services().watchlist.revoke_token(user.username)
        flash(gettext("Your watchlist feed address was revoked: it no longer works."), "success")
        return redirect("/-/watchlist", 303)
    if action != "new":
        raise InvalidInput(f"Choose 'new' or 'revoke', not '{action[:40]}'.")
    secret = _services().watchlist.new_token(user.username)
    feed_url = url_for("watch.feed", token=secret, _external=True)
    response = Response(_watchlist_page(user, new_feed_url=feed_url))
    response.headers["Cache-Control"] = "no-store"  # the page holds a secret
    return response


@bp.post("/-/watchlist/email")
@require_role("reader")
def email() -> ResponseReturnValue:
    wanted = request.form.get("email") == "on"
    _services().watchlist.set_email(_user().username, wanted)
    flash(
        gettext("Email notices are on.") if wanted else gettext("Email notices are off."), "success"
    )
    return redirect("/-/watchlist#email", 303)


def _suggestions(
    user: User, watches: Sequence[Watch], redirects: Mapping[str, str]
) -> list[Proposal]:
    """The newest open suggestions to watched pages that `user` may merge: an editor's
    feed shows what waits for them (views/proposals.py makes the service)."""
    service: Proposals | None = current_app.extensions.get("masterywiki.proposals")
    if service is None or not user.can("editor"):
        return []
    wanted = follow(watches, redirects)
    found = [
        proposal
        for proposal in service.select(Filters(state="open"))
        if any(w.covers(redirects.get(proposal.path, proposal.path)) for w in wanted)
        and service.may_merge(user, proposal)
    ]
    return found[:FEED_SIZE]


@bp.get("/-/watchlist/<token>.atom")
def feed(token: str) -> Response:
    """A user's watchlist as Atom, for feed readers: no login, the token is the key."""
    user = _services().watchlist.user_for_token(token)
    catalog = services().wiki.refresh().catalog
    watches = _services().watchlist.watches(user.username)
    changes, _more = _services().changes.recent(watches, catalog.redirects, 1, FEED_SIZE)
    site_url = url_for("pages.root", _external=True).rstrip("/")
    suggested = _suggestions(user, watches, catalog.redirects)
    newest = max([c.date for c in changes[:1]] + [p.created for p in suggested[:1]], default=None)
    body = render_template("watchlist.atom", user=user, changes=changes, site_url=site_url,
                           feed_url=request.base_url, title=_title, link=touch_link,
                           suggested=suggested, newest=newest)  # fmt: skip
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
