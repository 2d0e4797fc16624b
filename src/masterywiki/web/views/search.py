"""Search: the results page, its JSON twin, and suggestions for search-as-you-type.

Each search a reader types is recorded without who made it (search/records.py), and
its result links report which result was opened: the links keep pointing at the pages
(what readers copy and share), and a `ping` attribute, which browsers send on a click
without any script, reaches `/-/search/opened/<search time>?q=<query>&page=<name>`. That
address also answers a plain GET with a redirect to the page, for API clients (each
result's `open_url`)."""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

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

from masterywiki.errors import PageNotFound
from masterywiki.repository.wiki import Wiki
from masterywiki.search import FACETS, SearchResults, SearchService, SearchUnavailable
from masterywiki.search.facets import QueryLinks, chosen
from masterywiki.search.records import SearchKey, SearchRecords
from masterywiki.settings import Settings
from masterywiki.support.memory import give_back_freed_memory
from masterywiki.web.languages import N_, gettext, reader_language, requested_language
from masterywiki.web.startup import BACKGROUND_ABOVE_FILES, Startup
from masterywiki.web.views import auth, page_number, services

bp = Blueprint("search", __name__)
log = logging.getLogger(__name__)
EXTENSION = "masterywiki.search"
REFRESH_EXTENSION = "masterywiki.search_refresh"
RECORDS_EXTENSION = "masterywiki.search_records"
MAX_MICROS = 2**63 - 1  # what the database's integers and floats hold


def init_app(app: Flask) -> None:
    """Create the app's search service and connect the search views."""
    found = app.extensions["masterywiki"]
    service = SearchService(
        found.wiki, found.settings.instance / "search", language=found.settings.language
    )
    if app.config.get("MASTERYWIKI_STATIC_BUILD"):
        pass  # `build` never searches: opening (at 100,000 pages, building) it is waste
    elif found.wiki.size_hint() > BACKGROUND_ABOVE_FILES:
        # A large wiki: open its index in the background (its vocabulary waits for the
        # pages to be read), and build a missing one now, not on the first search, in a
        # process of its own (several CPUs, and memory given back when it ends).
        service.builder = functools.partial(_reindex_in_a_child, found.wiki, found.settings)
        args = (service, found.startup)
        threading.Thread(target=_open_or_build, args=args, daemon=True).start()
    else:
        service.warm()  # each worker opens the index at start, not on its first search
    app.extensions[EXTENSION] = service
    settings = found.settings
    app.extensions[RECORDS_EXTENSION] = SearchRecords(found.database, settings.search_record_days)
    # A link's ping is a POST that carries no form token (no script sends it). It only
    # marks an anonymous search's result as opened, which a GET of the same address does.
    auth.exempt_from_csrf(app, "search.opened")
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


def _open_or_build(service: SearchService, startup: Startup) -> None:
    startup.after_first_answer()
    service.warm()
    give_back_freed_memory()  # the tables files, read whole then unpickled
    service.start_building()
    # Searches answer from the pages' names until the index is built: read them once the
    # pages are, so that the first such search is as quick as the next (not a second).
    if startup.wait():
        service.warm_titles()
    service.wait_for_building()
    # A first start's new index, opened here rather than by this worker's first search,
    # which loading its tables made half a second slower at 100,000 pages.
    service.warm()
    service.drop_titles()
    give_back_freed_memory()


def _reindex_in_a_child(wiki: Wiki, settings: Settings) -> None:
    """`masterywiki reindex` for this wiki, waited for; on failure the caller builds the
    index itself. It ends if this process does (`--end-with`), not an hour later."""
    command = [sys.executable, "-m", "masterywiki", "reindex", "--if-missing",
               "--repo", str(wiki.storage.path), "--instance", str(settings.instance),
               "--end-with", str(os.getpid())]  # fmt: skip
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        log.warning("indexing in a child process failed: %s", reason)


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
            give_back_freed_memory()  # what the update and the save's new snapshot freed

    def join(self, timeout: float = 30.0) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)


def search_service() -> SearchService:
    found: SearchService = current_app.extensions[EXTENSION]
    return found


def search_records() -> SearchRecords:
    found: SearchRecords = current_app.extensions[RECORDS_EXTENSION]
    return found


def _run() -> SearchResults:
    args = request.args
    filters = {facet: chosen(args.getlist(facet)) for facet in FACETS}  # at most 20 each
    return search_service().search(
        args.get("q", ""), filters, page=page_number(), lang=reader_language()
    )


def search_links(results: SearchResults) -> Callable[..., str]:
    """This search's URL with a facet value toggled (`toggle=(facet, value)`) or other
    parameters changed (`page=2`, `tag=None`), its query encoded once for all links."""
    wanted = requested_language()  # kept by every link, until a cookie remembers it
    links = QueryLinks({"q": [results.query], "lang": [wanted or ""], **results.filters})

    def search_url(toggle: tuple[str, str] | None = None, **changes: object) -> str:
        return "/-/search?" + links.query(toggle, **changes)

    return search_url


def _record(results: SearchResults) -> SearchKey | None:
    """Record a search a reader typed: the first page of its results, unfiltered. Later
    pages and facet choices show that same search again, so they are not counted."""
    if request.method != "GET" or not results.query or results.filters or results.page != 1:
        return None
    if results.indexing is not None:  # titles only, while the index is built: not counted
        return None
    return search_records().record(results.query, results.total)


def opened_url(key: SearchKey, name: str) -> str:
    """Where a result's click is reported: the search and the page opened."""
    return f"/-/search/opened/{key.micros}?" + urlencode(
        {"q": key.normalized, "page": name}, safe="/"
    )


@bp.get("/-/search")
def search() -> str:
    results = _run()
    return render_template(
        "search.html",
        query=results.query,
        results=results,
        search_url=search_links(results),
        facet_label=facet_label,
        record=_record(results),
        opened_url=opened_url,
    )


@bp.route(f"/-/search/opened/<int(max={MAX_MICROS}):micros>", methods=["GET", "POST"])
def opened(micros: int) -> ResponseReturnValue:
    """Note the result opened from the search made at `micros` for `q`; GET then goes
    to the page (303), a link's ping (POST) gets 204. Only pages of this wiki: never a
    redirect elsewhere. Raises PageNotFound for a name that is not a page."""
    name = request.args.get("page", "")
    page = services().wiki.snapshot.catalog.get(name)
    if page is None:
        raise PageNotFound(name[:200])
    search_records().opened(SearchKey(micros, request.args.get("q", "")), page.name)
    if request.method == "POST":
        return "", 204
    return redirect(page.url, 303)


TYPE_LABELS = {
    "term": N_("Glossary term"),
    "resource": N_("Resource"),
    "event": N_("Event"),
    "page": N_("Page"),
    "path": N_("Onboarding path"),
}


def facet_label(facet: str, value: str) -> str:
    if facet == "type":
        return gettext(TYPE_LABELS[value]) if value in TYPE_LABELS else value.capitalize()
    if facet == "section":
        record = services().wiki.snapshot.catalog.get(value)
        return record.title if record else value
    return value[:1].upper() + value[1:]


@bp.get("/-/api/v1/search")
def search_json() -> Response:
    results = _run()
    found = as_json(results)
    key = _record(results)
    if key is not None:  # a client that opens a result may say so through this URL
        for item in found["results"]:
            item["open_url"] = opened_url(key, item["path"])
    return jsonify(found)


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
        # While the first index is built: titles and aliases only, and how far it has got.
        "indexing": (
            {"pages_indexed": results.indexing[0], "pages": results.indexing[1]}
            if results.indexing is not None
            else None
        ),
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
