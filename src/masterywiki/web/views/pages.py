"""Reading pages: the page view and its raw source."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, session
from flask.typing import ResponseReturnValue

from masterywiki.content import names
from masterywiki.content.sidebar import SIDEBAR_AROUND
from masterywiki.content.translations import lang_of
from masterywiki.web.languages import chosen_language, current_language, reader_language
from masterywiki.web.pagecontext import page_context
from masterywiki.web.views import services

bp = Blueprint("pages", __name__)


@bp.get("/")
def root() -> str:
    return _show(names.ROOT)


@bp.get("/<path:name>")
def view(name: str) -> ResponseReturnValue:
    if name.startswith("-/"):
        abort(404)
    if name == names.ROOT:
        return redirect("/", 301)
    if name.endswith("/") and name.strip("/"):
        return redirect(names.url_for_name(name.rstrip("/")), 301)
    return _show(name)


def _show(name: str) -> str:
    """The finished page, cached per commit: a warm view is one dictionary lookup."""
    found = services()
    commit = found.wiki.refresh().commit
    if "_flashes" in session:  # a one-time message makes this view personal
        return _render_page(name)
    # The interface's words, and the reader's chosen language, are in the HTML.
    key = (name, commit, current_language(), chosen_language())
    cached = found.pages.get(key)
    if cached is not None:
        return cached
    html = _render_page(name)
    found.pages.put(key, html)
    return html


def _render_page(name: str) -> str:
    found = services()
    content = found.wiki.page(name)
    record = content.record
    context = page_context(
        found.wiki.snapshot,
        record,
        content.rendered,
        sidebar=found.wiki.snapshot.catalog.sidebar(record.name, window=SIDEBAR_AROUND),
        protection=found.editor.protection,
        attachments=found.attachments.of_page(record.name),
        language=found.settings.language,
        reader=reader_language(lang_of(record, found.settings.language)),
        translations=found.wiki.translations(),
    )
    return render_template("page.html", **context)


@bp.get("/<path:name>/-/raw")
def raw(name: str) -> Response:
    wiki = services().wiki
    record = wiki.record(name)
    return Response(
        wiki.source(record),
        mimetype="text/markdown",
        headers={"Content-Disposition": f'inline; filename="{record.file.rsplit("/", 1)[-1]}"'},
    )


PRINT_LIMIT = 300  # pages in one printable section, to bound the work


@bp.get("/<path:name>/-/print")
def print_section(name: str) -> str:
    """The page and everything under it in its toctrees, as one printable document."""
    wiki = services().wiki
    record = wiki.record(name)
    catalog = wiki.snapshot.catalog
    pages = [record, *catalog.descendants(record.name, limit=PRINT_LIMIT)]
    sections = [(page, wiki.rendered(page)) for page in pages]
    return render_template(
        "print_section.html", root=record, sections=sections, truncated=len(pages) > PRINT_LIMIT
    )
