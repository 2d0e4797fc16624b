"""Search pages (being built: see issue 4). For now, a title and alias search."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template, request

from masterywiki.views import services

bp = Blueprint("search", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/-/search")
def search() -> str:
    query = request.args.get("q", "").strip()
    catalog = services().wiki.snapshot.catalog
    results = []
    if query:
        words = query.casefold().split()
        for record in catalog.records():
            haystack = " ".join(
                [record.title, record.name, record.summary or "", *record.info.front_matter.aliases]
            ).casefold()
            if all(word in haystack for word in words):
                in_title = all(w in record.title.casefold() for w in words)
                results.append((not in_title, record.title.casefold(), record))
        results.sort(key=lambda item: item[:2])
    return render_template(
        "search.html", query=query, results=[r for *_, r in results[:50]], total=len(results)
    )
