"""Looking back: page history, old revisions, diffs, backlinks and recent changes."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request, url_for

from masterywiki.content import names
from masterywiki.git.parse import is_sha
from masterywiki.web.views import page_number, services

bp = Blueprint("history", __name__)


@bp.get("/<path:name>/-/history")
def page_history(name: str) -> str:
    services().wiki.validate(name)
    listing = services().history.page_history(name, page_number())
    record = services().wiki.snapshot.catalog.get(name)
    return render_template("history.html", name=name, record=record, listing=listing)


@bp.get("/<path:name>/-/rev/<rev>")
def revision(name: str, rev: str) -> str:
    services().wiki.validate(name)
    version = services().history.version(name, rev)
    document, rendered = services().wiki.preview(name, version.text)
    release = None if is_sha(rev) else rev  # a release name, shown as such
    return render_template(
        "revision.html", version=version, document=document, rendered=rendered, name=name,
        release=release,
    )  # fmt: skip


@bp.get("/<path:name>/-/diff")
def diff(name: str) -> str:
    services().wiki.validate(name)
    to = request.args.get("to", "") or (services().wiki.refresh().commit or "")
    old = request.args.get("from") or None
    comparison = services().history.compare(name, old, to)
    labels = {  # release names stay visible in place of their commits' dates
        "old": old if old and not is_sha(old) else None,
        "new": to if not is_sha(to) else None,
    }
    return render_template("diff.html", name=name, comparison=comparison, labels=labels)


@bp.get("/<path:name>/-/backlinks")
def backlinks(name: str) -> str:
    record = services().wiki.record(name)
    catalog = services().wiki.snapshot.catalog
    pages = [catalog.pages[n] for n in catalog.backlinks(record.name)]
    return render_template("backlinks.html", page=record, pages=pages)


@dataclass(frozen=True)
class _ChangesQuery:
    user: str | None
    section: str | None
    page: int


def _changes_query() -> _ChangesQuery:
    user = request.args.get("user", "").strip() or None
    section = request.args.get("section", "").strip() or None
    return _ChangesQuery(user, section, page_number())


@bp.get("/-/changes")
def changes() -> str:
    query = _changes_query()
    history = services().history
    rows, more = history.recent_changes(query.page, author=query.user, section=query.section)
    sections = [n for n in services().wiki.snapshot.catalog.children(names.ROOT) if "/" not in n]
    return render_template(
        "changes.html", rows=rows, has_next=more, filters=query, sections=sections
    )


@bp.get("/-/changes.atom")
def changes_feed() -> Response:
    query = _changes_query()
    history = services().history
    rows, _more = history.recent_changes(query.page, author=query.user, section=query.section)
    site_url = url_for("pages.root", _external=True)
    body = render_template("changes.atom", rows=rows, feed_url=request.url, site_url=site_url)
    return Response(body, mimetype="application/atom+xml")
