"""While a first start reads every page: the page asked for, read straight from git, or
a "starting" answer (with progress) for what needs the whole wiki."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request

from masterywiki.content import names
from masterywiki.content.catalog import Catalog
from masterywiki.content.translations import Translations
from masterywiki.repository.wiki import Snapshot
from masterywiki.web.pagecontext import page_context
from masterywiki.web.views import services
from masterywiki.web.views.markers import MARKER

RETRY_SECONDS = 2
PAGE_VIEWS = ("pages.view", "pages.root")


def init_app(app: Flask) -> None:
    """Register before every request hook that reads the wiki (after the request timer)."""
    app.before_request(_answer_while_starting)

    @app.after_request
    def answered(response: Response) -> Response:
        services().startup.answered.set()  # background reading may begin (web/startup)
        return response


def _answer_while_starting() -> Response | None:
    startup = services().startup
    if startup.ready.is_set() or request.path.startswith("/-/static/"):
        return None
    progress = {"pages_read": startup.pages_read, "pages": startup.pages_total,
                "error": startup.error}  # fmt: skip
    response: Response
    if request.method == "GET" and request.endpoint in PAGE_VIEWS:
        from_git = _page_from_git((request.view_args or {}).get("name", names.ROOT))
        if from_git is not None:
            return from_git
    if request.path == "/-/healthz" or request.path.startswith("/-/api/"):
        response = jsonify(status="starting", **progress)
    else:
        page = render_template("starting.html", retry=RETRY_SECONDS, **progress)
        response = make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_from_git(name: str) -> Response | None:
    """The page as its file says, without the catalog: no sidebar, comments or
    per-visitor parts yet (they need the whole wiki), and a note saying so."""
    found = services()
    content = found.wiki.provisional_page(name)
    if content is None:
        return None
    record = content.record
    snapshot = Snapshot(found.wiki.storage.head(), {}, Catalog({record.name: record}))
    context = page_context(
        snapshot,
        record,
        content.rendered,
        sidebar=(),
        protection=found.editor.protection,
        attachments=(),
        language=found.settings.language,
        translations=Translations([record], found.settings.language),  # none known yet
    )
    html = render_template("page.html", starting=True, **context)
    response = make_response(MARKER.sub(b"", html.encode()))
    response.headers["Cache-Control"] = "no-store"
    return response
