"""Site-wide views: health check and the (title) search page."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from masterywiki.views import services

bp = Blueprint("site", __name__)


@bp.get("/-/healthz")
def healthz() -> Response:
    snapshot = services().wiki.refresh()
    return jsonify(status="ok", commit=snapshot.commit, pages=len(snapshot.catalog))


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
