"""`create_app`: the composition root, and the one place errors become HTTP answers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, redirect, render_template, request
from jinja2 import FileSystemBytecodeCache
from werkzeug.exceptions import HTTPException

from masterywiki.content import names
from masterywiki.content.protection import Protection
from masterywiki.db.database import Database
from masterywiki.errors import PageNotFound, TooManyAttempts, WikiError
from masterywiki.repository.attachments import Attachments
from masterywiki.repository.edits import Editor
from masterywiki.repository.history import History
from masterywiki.repository.instance import open_repository
from masterywiki.repository.wiki import PageMoved, Snapshot, Wiki
from masterywiki.resources import static_dir, templates_dir
from masterywiki.settings import Settings, load
from masterywiki.support.lru import LRU
from masterywiki.web import languages
from masterywiki.web.errorwords import HTTP_EXPLANATIONS
from masterywiki.web.services import Services
from masterywiki.web.startup import Startup

log = logging.getLogger(__name__)

AUTOESCAPED = (".html", ".htm", ".xml", ".atom")
SAFE = ("GET", "HEAD", "OPTIONS")
FORM_ROOM = 64 * 1024  # a form's fields besides its text
JSON_ONLY = ("/-/api/", "/-/hooks/")  # every answer here is JSON, errors too


def form_limit(settings: Settings) -> int:
    """The most a request body may weigh (uploads raise it for themselves).

    The page and comment limits count the text's own UTF-8 bytes, checked where it is
    saved (repository/edits.py, discussion/service.py); this only has to let any text
    within them through however the browser sends it: percent-encoding turns each byte
    into three, and a newline travels as CRLF (`%0D%0A`, six bytes for one). The form's
    other fields (summary, base, token) get room of their own.
    """
    text = max(settings.max_page_bytes, settings.max_comment_bytes)
    return 6 * text + 3 * FORM_ROOM


def create_app(
    settings: Settings | Mapping[str, Any] | None = None,
    start_from: Snapshot | None = None,
    *,
    static_build: bool = False,
) -> Flask:
    """`start_from`: a snapshot of the wiki kept by `build` (repository/wikisnapshot),
    brought up to HEAD by its diff instead of reading every page at start.
    `static_build`: the app of `masterywiki build`, which never searches (the search
    index is neither opened nor built)."""
    if not isinstance(settings, Settings):
        settings = load(settings)
    storage, created = open_repository(settings)
    app = Flask(
        "masterywiki",
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
        static_url_path="/-/static",
    )
    _configure_templates(app, settings)
    app.config.update(
        SECRET_KEY=settings.signing_key(),
        MAX_CONTENT_LENGTH=form_limit(settings),
        MAX_FORM_MEMORY_SIZE=form_limit(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MASTERYWIKI_STATIC_BUILD=static_build,
    )
    database = Database.for_instance(settings.instance, settings.database_url)
    database.upgrade()  # migrations run on start: a failing one stops it, loudly
    wiki = Wiki(storage, cache_dir=settings.cache_dir, language=settings.language)
    # Each worker reads the catalog at start, not on its first request; a first start
    # of a large wiki reads it in the background while the server answers "starting".
    if start_from is not None:
        wiki.start_from(start_from)
    startup = Startup(wiki)
    protection = Protection.from_setting(settings.protected_sections)
    editor = Editor(wiki, settings.max_page_bytes, protection)
    app.extensions["masterywiki"] = Services(
        settings=settings,
        database=database,
        wiki=wiki,
        editor=editor,
        attachments=Attachments(editor, settings.max_attachment_bytes),
        history=History(wiki),
        pages=LRU(settings.page_cache_size),
        created=created,
        startup=startup,
    )

    from masterywiki.web.views import acknowledgements as acknowledgement_views
    from masterywiki.web.views import (
        api,
        auth,
        browse,
        edit,
        files,
        glossary,
        handbook,
        history,
        markers,
        pages,
        preferences,
        releases,
        search,
        site,
        starting,
        users,
    )
    from masterywiki.web.views import comments as comment_views
    from masterywiki.web.views import feedback as feedback_views
    from masterywiki.web.views import insights as insights_views
    from masterywiki.web.views import ops as ops_views
    from masterywiki.web.views import paths as path_views
    from masterywiki.web.views import proposals as proposal_views
    from masterywiki.web.views import review as review_views
    from masterywiki.web.views import signin as signin_views
    from masterywiki.web.views import watch as watch_views

    languages.init_app(app)  # first: gettext in templates, which views compile at start
    markers.init_app(app)  # Flask runs after_request hooks last-registered first: this runs last
    ops_views.init_app(app)  # its request timer starts before the other hooks run
    starting.init_app(app)  # before any hook that reads the wiki (timed and logged itself)
    files.init_app(app)  # raises the upload size limit before the CSRF check reads the form
    auth.init_app(app)
    signin_views.init_app(app)  # OpenID Connect, when oidc_issuer is set
    search.init_app(app)
    ops_views.connect_search(app)
    comment_views.init_app(app)
    watch_views.init_app(app)  # needs the accounts (auth) and registers before pages
    review_views.init_app(app)  # each registers its routes before pages' catch-all
    feedback_views.init_app(app)
    insights_views.init_app(app)
    proposal_views.init_app(app)  # needs the comment service and the notifier (above)
    path_views.init_app(app)  # onboarding paths and read confirmations
    acknowledgement_views.init_app(app)
    blueprints = (site.bp, glossary.bp, browse.bp, api.bp, edit.bp, history.bp, users.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(releases.bp)  # releases, release comparisons
    app.register_blueprint(preferences.bp)  # the account's interface language
    handbook.init_app(app)  # /<path>/-/pdf
    app.register_blueprint(pages.bp)  # last: its /<path:name> catches what is left
    _register_template_helpers(app, settings)
    _register_error_handlers(app)
    # Last: a large wiki is read in a background thread, which would slow the rest of
    # this start (and so the first answer) by taking turns with it.
    startup.begin()

    @app.after_request
    def security_headers(response: Response) -> Response:
        frameable = request.endpoint in api.FRAMEABLE_ENDPOINTS
        for header, value in SECURITY_HEADERS.items():
            if not (frameable and header == "X-Frame-Options"):
                response.headers.setdefault(header, value)
        return response

    return app


def _configure_templates(app: Flask, settings: Settings) -> None:
    """How templates compile, set before any is compiled (views compile some at start).
    Compiled templates are kept in the instance: a restart loads them instead of
    compiling them again (a fifth of a second before a new worker's first page)."""
    # Flask escapes .html and .xml templates; our Atom feeds need it just as much.
    app.jinja_env.autoescape = lambda name: name is None or name.endswith(AUTOESCAPED)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    compiled = settings.cache_dir / "templates"
    try:
        compiled.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a cache: the wiki works without it
        log.warning("templates are compiled at each start: %s", exc)
    else:
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(compiled))


def _register_template_helpers(app: Flask, settings: Settings) -> None:
    app.jinja_env.globals.update(
        site_name=settings.site_name, site_language=settings.language, page_url=names.url_for_name
    )

    def atom_date(value: datetime | None) -> str:
        return (value or datetime(2000, 1, 1, tzinfo=UTC)).isoformat()

    app.jinja_env.filters["atom_date"] = atom_date


def _moved_location(error: PageMoved) -> str:
    """The same URL with the page's new name: `/old/-/raw?x=1` -> `/new/-/raw?x=1`."""
    api_prefix = "/-/api/v1/pages/"
    if request.path.startswith(api_prefix):
        query = request.query_string.decode()
        return api_prefix + error.new_name + (f"?{query}" if query else "")
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
    """The API and the git webhook (whose callers are programs), and scripted clients
    of other URLs asking for JSON (the comments)."""
    if request.path.startswith(JSON_ONLY):
        return True
    accepted = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return accepted == "application/json"


def _size_limit(settings: Settings) -> str:
    """What the refused request carried and its limit, for the 413 message."""
    gettext, number = languages.gettext, languages.nice_number
    if request.endpoint == "files.upload":
        return gettext("%(size)s bytes a file", size=number(settings.max_attachment_bytes))
    if request.endpoint in ("comments.post", "comments.change"):
        return gettext("%(size)s bytes a comment", size=number(settings.max_comment_bytes))
    if request.endpoint in ("edit.save", "edit.preview"):
        return gettext("%(size)s bytes a page", size=number(settings.max_page_bytes))
    # a login, a rename...: only the transport limit
    return gettext("%(size)s bytes", size=number(form_limit(settings)))


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WikiError)
    def wiki_error(error: WikiError) -> Any:
        if isinstance(error, PageMoved):
            # A form sent to the old address (a comment, say) is sent on with its body.
            return redirect(_moved_location(error), 301 if request.method in SAFE else 308)
        if _wants_json():
            return jsonify(error=error.title, message=error.message), error.status
        context: dict[str, Any] = {"error": error}
        if isinstance(error, PageNotFound) and names.is_valid(error.name):
            services: Services = app.extensions["masterywiki"]
            deleted = services.history.deletion(error.name)
            if deleted is not None:
                restore = services.wiki.storage.parent(deleted[0].commit)
                page = render_template(
                    "gone.html", name=error.name, deletion=deleted[0], restore_rev=restore
                )
                return page, 410
            context["suggestions"] = services.wiki.suggestions(error.name)
            context["missing_name"] = error.name
        return render_template("error.html", **context), error.status

    @app.errorhandler(TooManyAttempts)
    def too_many(error: TooManyAttempts) -> Response:
        response: Response = app.make_response(wiki_error(error))
        response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        status = error.code or 500
        description = error.description or error.name
        if status == 413:
            limit = _size_limit(app.extensions["masterywiki"].settings)
            description = languages.gettext(
                "What you sent is larger than this wiki accepts (%(limit)s).", limit=limit
            )
        # Keep what the status needs besides a body (a 405's Allow, a 401's challenge).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if _wants_json():
            return jsonify(error=error.name, message=description), status, headers
        if description == type(error).description and status in HTTP_EXPLANATIONS:
            description = languages.gettext(HTTP_EXPLANATIONS[status])  # werkzeug's stock words
        wrapped = WikiError(description)
        wrapped.status, wrapped.title = status, error.name
        response: Response = app.make_response(
            (render_template("error.html", error=wrapped), status, headers)
        )
        return response
