"""Search: the results page, its JSON twin, and suggestions for search-as-you-type."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from masterywiki.search import FACETS, SearchResults, SearchService, SearchUnavailable
from masterywiki.search.facets import QueryLinks, chosen
from masterywiki.web.views import page_number, services

bp = Blueprint("search", __name__)
log = logging.getLogger(__name__)
EXTENSION = "masterywiki.search"
REFRESH_EXTENSION = "masterywiki.search_refresh"


def init_app(app: Flask) -> None:
    """Create the app's search service and connect the search views."""
    found = app.extensions["masterywiki"]
    service = SearchService(found.wiki, found.settings.instance / "search")
    service.warm()  # each worker opens the index at start, not on its first search
    app.extensions[EXTENSION] = service
    for template in ("base.html", "search.html"):  # and compiles the results page
        app.jinja_env.get_template(template)
    app.register_blueprint(bp)

    updater = app.extensions[REFRESH_EXTENSION] = BackgroundRefresh(service)

    @app.after_request
    def index_after_save(response: Response) -> Response:
        # A save moves HEAD: bring the index along soon, but never make the save
        # wait for it (a search also catches up by itself).
        if request.method == "POST" and response.status_code < 400:
            updater.poke()
        return response


class BackgroundRefresh:
    """Brings the index up to HEAD off the request's path, one thread at a time;
    pokes that arrive while it runs are folded into one more round."""

    def __init__(self, service: SearchService) -> None:
        self._service = service
        self._lock = threading.Lock()
        self._pending = False
        self._thread: threading.Thread | None = None

    def poke(self) -> None:
        with self._lock:
            self._pending = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="search-refresh", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return
                self._pending = False
            try:
                # This thread may wait for a first index being built (no request waits
                # for it); pokes meanwhile make one more round, which brings it to HEAD.
                self._service.refresh(wait=True)
            except SearchUnavailable as busy:  # still building, or another process is
                log.info("search index not updated yet: %s", busy.message)
            except Exception:  # search must never break a save
                log.warning("could not update the search index after a save", exc_info=True)

    def join(self, timeout: float = 30.0) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)


def search_service() -> SearchService:
    found: SearchService = current_app.extensions[EXTENSION]
    return found


def _run() -> SearchResults:
    args = request.args
    filters = {facet: chosen(args.getlist(facet)) for facet in FACETS}  # at most 20 each
    return search_service().search(args.get("q", ""), filters, page=page_number())


def search_links(results: SearchResults) -> Callable[..., str]:
    """This search's URL with a facet value toggled (`toggle=(facet, value)`) or other
    parameters changed (`page=2`, `tag=None`), its query encoded once for all links."""
    links = QueryLinks({"q": [results.query], **results.filters})

    def search_url(toggle: tuple[str, str] | None = None, **changes: object) -> str:
        return "/-/search?" + links.query(toggle, **changes)

    return search_url


@bp.get("/-/search")
def search() -> str:
    results = _run()
    return render_template(
        "search.html",
        query=results.query,
        results=results,
        search_url=search_links(results),
        facet_label=facet_label,
    )


TYPE_LABELS = {"term": "Glossary term", "resource": "Resource", "event": "Event", "page": "Page"}


def facet_label(facet: str, value: str) -> str:
    if facet == "type":
        return TYPE_LABELS.get(value, value.capitalize())
    if facet == "section":
        record = services().wiki.snapshot.catalog.get(value)
        return record.title if record else value
    return value[:1].upper() + value[1:]


@bp.get("/-/api/v1/search")
def search_json() -> Response:
    return jsonify(as_json(_run()))


@bp.get("/-/api/v1/suggest")
def suggest() -> Response:
    text = request.args.get("q", "")
    found = search_service().suggest(text)
    return jsonify(query=text, suggestions=[asdict(s) for s in found])


def as_json(results: SearchResults) -> dict[str, Any]:
    return {
        "query": results.query,
        "filters": {f: list(v) for f, v in results.filters.items()},
        "total": results.total,
        "page": results.page,
        "page_size": results.page_size,
        "pages": results.pages,
        "suggestion": results.suggestion,
        "corrected": results.corrected,
        "synonyms": list(results.synonyms),
        "definition": asdict(results.definition) if results.definition else None,
        "results": [
            {
                **{k: v for k, v in asdict(hit).items() if k != "updated"},
                "path": hit.name,  # the name the pages API uses
                "updated": hit.updated.isoformat() if hit.updated else None,
            }
            for hit in results.hits
        ],
        "facets": {
            facet.name: [asdict(value) for value in facet.values] for facet in results.facets
        },
    }
