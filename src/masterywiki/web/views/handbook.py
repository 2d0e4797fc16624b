"""`/<path>/-/pdf`: a page, or a page and everything under its toctree, as a PDF handbook.

The PDF of a page at one commit and release is kept for the day it was printed (a few
per process), so a handbook linked from a staff onboarding page is laid out once, not
once per reader.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Flask, Response, current_app, request

from masterywiki.support.lru import LRU
from masterywiki.web.handbook import filename, print_handbook, version_of, wiki_for
from masterywiki.web.views import services

bp = Blueprint("handbook", __name__)
CACHE_KEY = "masterywiki.handbooks"
KEPT = 8  # PDFs kept per process


def init_app(app: Flask) -> None:
    app.extensions[CACHE_KEY] = LRU[tuple[bytes, str]](KEPT)
    app.register_blueprint(bp)


@bp.get("/<path:name>/-/pdf")
def pdf(name: str) -> Response:
    """`?rev=<release or sha>` prints the pages as they were then (a release's handbook)."""
    found = services()
    today = datetime.now(UTC).date()
    kept: LRU[tuple[bytes, str]] = current_app.extensions[CACHE_KEY]
    with wiki_for(found.wiki, request.args.get("rev", "").strip() or None) as (wiki, commit):
        record = wiki.record(name)
        key = (record.name, wiki.snapshot.commit, version_of(wiki), today)
        cached = kept.get(key)
        if cached is None:
            base = found.settings.base_url or request.host_url
            handbook, printed = print_handbook(
                wiki, found.attachments, record.name, base, today, commit=commit
            )
            cached = (printed.pdf, filename(handbook.root, handbook.version if commit else None))
            kept.put(key, cached)
    data, download = cached
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{download}"'
    response.headers["Cache-Control"] = "no-cache"
    return response
