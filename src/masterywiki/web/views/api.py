"""The JSON API (v1), its OpenAPI document, and embeddable definition cards."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.slugs import slugify
from masterywiki.errors import PageNotFound
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


def find_term(catalog: Catalog, slug: str) -> PageRecord:
    """A term by its page's last path segment, or by a slug of its title or an alias.

    Raises PageNotFound.
    """
    wanted = slugify(slug)
    for record in catalog.glossary():
        keys = {record.name.rsplit("/", 1)[-1], slugify(record.title)}
        keys |= {slugify(alias) for alias in record.info.front_matter.aliases}
        if wanted in keys:
            return record
    raise PageNotFound(slug, f"There is no glossary term called '{slug}'.")


def _term_json(record: PageRecord) -> dict[str, Any]:
    wiki = services().wiki
    catalog = wiki.snapshot.catalog
    slug = record.name.rsplit("/", 1)[-1]
    return {
        "slug": slug,
        "term": record.title,
        "path": record.name,
        "url": record.url,
        "summary": record.summary,
        "aliases": list(record.info.front_matter.aliases),
        "definition_html": wiki.rendered(record).html,
        "resources": [_link(r) for r in catalog.related_by_type(record.name)],
        "embed_url": f"/-/embed/term/{slug}",
    }


@bp.get("/-/api/v1/terms")
def terms() -> Response:
    catalog = services().wiki.snapshot.catalog
    return jsonify(
        terms=[
            {
                "slug": r.name.rsplit("/", 1)[-1],
                "term": r.title,
                "url": r.url,
                "summary": r.summary,
                "aliases": list(r.info.front_matter.aliases),
            }
            for r in catalog.glossary()
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
    return jsonify(_term_json(find_term(services().wiki.snapshot.catalog, slug)))


@bp.get("/-/embed/term/<slug>")
def embed_term(slug: str) -> Response:
    """A self-contained definition card for other sites to put in an iframe."""
    record = find_term(services().wiki.snapshot.catalog, slug)
    html = render_template("embed_term.html", term=record, site_url=request.host_url.rstrip("/"))
    response = Response(html, mimetype="text/html")
    # This route alone may be framed by any site; it runs no script.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors *; base-uri 'none'; form-action 'none'"
    )
    return response
