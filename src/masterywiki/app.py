"""`create_app`: the composition root, and the one place errors become HTTP answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, redirect, render_template, request
from werkzeug.exceptions import HTTPException

from masterywiki import names
from masterywiki.errors import PageNotFound, WikiError
from masterywiki.instance import open_repository
from masterywiki.lru import LRU
from masterywiki.resources import templates_dir
from masterywiki.settings import Settings, load
from masterywiki.wiki import PageMoved, Wiki

STATIC_DIR = Path(__file__).resolve().parent / "static"


@dataclass
class Services:
    """What the views use; one per app, stored in `app.extensions`."""

    settings: Settings
    wiki: Wiki
    pages: LRU[str]  # finished page HTML by (page name, commit)
    created: bool


def create_app(settings: Settings | Mapping[str, Any] | None = None) -> Flask:
    if not isinstance(settings, Settings):
        settings = load(settings)
    storage, created = open_repository(settings)
    app = Flask(
        "masterywiki",
        template_folder=str(templates_dir()),
        static_folder=str(STATIC_DIR),
        static_url_path="/-/static",
    )
    app.config.update(
        SECRET_KEY=settings.secret_key(),
        MAX_CONTENT_LENGTH=settings.max_page_bytes + 64 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    wiki = Wiki(storage, cache_dir=settings.cache_dir)
    wiki.refresh()  # each worker reads the catalog at start, not on its first request
    app.extensions["masterywiki"] = Services(settings, wiki, LRU(settings.page_cache_size), created)

    from masterywiki.views import auth, glossary, pages, search, site

    auth.init_app(app)
    search.init_app(app)
    app.register_blueprint(site.bp)
    app.register_blueprint(glossary.bp)
    app.register_blueprint(pages.bp)  # last: its /<path:name> catches what is left
    _register_template_helpers(app, settings)
    _register_error_handlers(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    return app


def _register_template_helpers(app: Flask, settings: Settings) -> None:
    app.jinja_env.globals.update(site_name=settings.site_name, page_url=names.url_for_name)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    def nice_date(value: datetime) -> str:
        return value.strftime("%-d %B %Y")

    app.jinja_env.filters["nice_date"] = nice_date


def _moved_location(error: PageMoved) -> str:
    """The same URL with the page's new name: `/old/-/raw?x=1` -> `/new/-/raw?x=1`."""
    old_prefix = "/" + error.name
    action = request.path[len(old_prefix) :] if request.path.startswith(old_prefix) else ""
    if action and error.new_name == names.ROOT:
        location = "/" + names.ROOT + action
    else:
        location = names.url_for_name(error.new_name) + action
    query = request.query_string.decode()
    return location + (f"?{query}" if query else "")


# The page HTML is sanitized, so scripts come only from our own static files;
# tables use style attributes for column alignment, hence inline styles.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https:; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
}


def _wants_json() -> bool:
    return request.path.startswith("/-/api/")


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WikiError)
    def wiki_error(error: WikiError) -> Any:
        if isinstance(error, PageMoved):
            return redirect(_moved_location(error), 301)
        if _wants_json():
            return jsonify(error=error.title, message=error.message), error.status
        context: dict[str, Any] = {"error": error}
        if isinstance(error, PageNotFound):
            wiki: Wiki = app.extensions["masterywiki"].wiki
            context["suggestions"] = wiki.suggestions(error.name)
            context["missing_name"] = error.name
        return render_template("error.html", **context), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        if _wants_json():
            return jsonify(error=error.name, message=error.description), status
        wrapped = WikiError(error.description or error.name)
        wrapped.status, wrapped.title = status, error.name
        response: Response = app.make_response(
            (render_template("error.html", error=wrapped), status)
        )
        return response
