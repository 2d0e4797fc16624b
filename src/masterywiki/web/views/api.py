"""The JSON API (v1), its OpenAPI document, and embeddable definition cards."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.slugs import slugify
from masterywiki.content.translations import lang_of, language_name, same_language
from masterywiki.errors import PageNotFound
from masterywiki.web.languages import reader_language
from masterywiki.web.openapi import document
from masterywiki.web.views import services

bp = Blueprint("api", __name__)
FRAMEABLE_ENDPOINTS = frozenset({"api.embed_term"})


def _link(record: PageRecord) -> dict[str, str]:
    return {"path": record.name, "title": record.title, "url": record.url}


TITLES = 20  # pages the editor's page-link autocomplete offers at once


@bp.get("/-/api/v1/openapi.json")
def openapi() -> Response:
    return jsonify(document(services().settings.site_name))


@bp.get("/-/api/v1/pages/<path:name>")
def page(name: str) -> Response:
    wiki = services().wiki
    content = wiki.page(name)
    record = content.record
    catalog = wiki.snapshot.catalog
    fm = record.info.front_matter
    change = content.change
    related = [catalog.doc("/" + r, record.file) or catalog.term(r) for r in fm.related]
    return jsonify(
        path=record.name,
        url=record.url,
        title=record.title,
        summary=record.summary,
        type=record.type,
        tags=list(fm.tags),
        aliases=list(fm.aliases),
        resource_type=fm.resource_type,
        organization=fm.organization,
        organization_type=fm.organization_type,
        source=fm.source,
        html=content.rendered.html,
        headings=[
            {"level": h.level, "id": h.id, "text": h.text} for h in content.rendered.headings
        ],
        links=list(content.rendered.links),
        protected=services().editor.protection.is_protected(record.name, fm.protected),
        attachments=[
            {"name": f.name, "url": f.url, "type": f.type.mimetype, "size": f.size}
            for f in services().attachments.of_page(record.name)
        ],
        breadcrumbs=[_link(r) for r in catalog.ancestors(record.name)],
        related=[{"path": t.name or "", "title": t.title, "url": t.url} for t in related if t],
        last_change=None
        if change is None
        else {
            "commit": change.commit,
            "author": change.author,
            "date": change.date.isoformat(),
            "summary": change.summary,
        },
        source_url=("/index" if record.name == names.ROOT else record.url) + "/-/raw",
    )


def find_term(catalog: Catalog, slug: str, language: str = "en") -> PageRecord:
    """A term by its page's last path segment, or by a slug of its title or an alias;
    of two terms with that slug (a term and its translation), the one in `language`, the
    wiki's own.

    Raises PageNotFound.
    """
    wanted = slugify(slug)
    found = None
    for record in catalog.glossary():
        keys = {record.name.rsplit("/", 1)[-1], slugify(record.title)}
        keys |= {slugify(alias) for alias in record.info.front_matter.aliases}
        if wanted in keys:
            if lang_of(record, language) == language:
                return record
            found = found or record
    if found is not None:
        return found
    raise PageNotFound(slug, f"There is no glossary term called '{slug}'.")


def term_in_language(slug: str) -> tuple[PageRecord, str | None, bool]:
    """The term called `slug` in the reader's language when it has a version in it, the
    language asked for, and whether that version was missing (the original shown).

    Raises PageNotFound.
    """
    wiki, language = services().wiki, services().settings.language
    record = find_term(wiki.snapshot.catalog, slug, language)
    wanted = reader_language()
    if wanted is None:
        return record, None, False
    shown = wiki.in_language(wanted).record(record)
    return shown, wanted, not same_language(lang_of(shown, language), wanted)


def _term_json(
    record: PageRecord, wanted: str | None = None, missing: bool = False
) -> dict[str, Any]:
    wiki = services().wiki
    catalog = wiki.snapshot.catalog
    slug = record.name.rsplit("/", 1)[-1]
    asked = f"?lang={wanted}" if wanted else ""
    return {
        "slug": slug,
        "term": record.title,
        "path": record.name,
        "url": record.url,
        "summary": record.summary,
        "aliases": list(record.info.front_matter.aliases),
        "definition_html": wiki.rendered(record).html,
        "resources": [_link(r) for r in catalog.related_by_type(record.name)],
        "embed_url": f"/-/embed/term/{slug}{asked}",
        # The language shown, and whether the one asked for (`?lang=`) had no version.
        "lang": lang_of(record, services().settings.language),
        "translation_missing": missing,
    }


@bp.get("/-/api/v1/terms")
def terms() -> Response:
    """The glossary: each term once (not its translations), in the reader's language
    (`?lang=`) where it has a version in it."""
    wiki, language = services().wiki, services().settings.language
    shown = wiki.in_language(reader_language() or language)
    return jsonify(
        terms=[
            {
                "slug": (shown.translations.source(r) or r.name).rsplit("/", 1)[-1],
                "term": r.title,
                "url": r.url,
                "summary": r.summary,
                "aliases": list(r.info.front_matter.aliases),
                "lang": lang_of(r, language),
            }
            for r in shown.glossary()
        ]
    )


@bp.get("/-/api/v1/titles")
def titles() -> Response:
    """Pages whose title or address holds `q`, titles starting with it first: what the
    editor's page-link autocomplete offers (20 at most)."""
    wanted = " ".join(request.args.get("q", "").split()).casefold()[:100]
    ranked = []
    for record in services().wiki.snapshot.catalog.records():
        title = record.title.casefold()
        if wanted in title or wanted in record.name:
            ranked.append((not title.startswith(wanted), title, record))
    ranked.sort(key=lambda item: item[:2])
    found = [{"path": r.name, "title": r.title, "url": r.url} for _, _, r in ranked[:TITLES]]
    return jsonify(pages=found)


@bp.get("/-/api/v1/terms/<slug>")
def term(slug: str) -> Response:
    """A term, in the reader's language (`?lang=`) when it has a version in it."""
    return jsonify(_term_json(*term_in_language(slug)))


@bp.get("/-/embed/term/<slug>")
def embed_term(slug: str) -> Response:
    """A self-contained definition card for other sites to put in an iframe, in the
    reader's language (`?lang=`) when the term has a version in it, else saying so."""
    record, wanted, missing = term_in_language(slug)
    html = render_template(
        "embed_term.html",
        term=record,
        term_lang=lang_of(record, services().settings.language),
        missing_language=language_name(wanted) if wanted and missing else None,
        site_url=request.host_url.rstrip("/"),
    )
    response = Response(html, mimetype="text/html")
    # This route alone may be framed by any site; it runs no script.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors *; base-uri 'none'; form-action 'none'"
    )
    return response
