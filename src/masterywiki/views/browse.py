"""Browsing the knowledge base: the general index, tags and the resource listing."""

from __future__ import annotations

from itertools import groupby
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request

from masterywiki.facets import facet, paginate
from masterywiki.views import page_number, services

bp = Blueprint("browse", __name__)

RESOURCES_PER_PAGE = 10
RESOURCE_FACETS = {
    "resource_type": lambda r: r.info.front_matter.resource_type,
    "organization_type": lambda r: r.info.front_matter.organization_type,
}
SORTS = {
    "title": lambda r: r.title.casefold(),
    "type": lambda r: ((r.info.front_matter.resource_type or "~").casefold(), r.title.casefold()),
    "organization": lambda r: ((r.info.front_matter.organization or "~").casefold(), r.title),
}


@bp.get("/-/genindex")
def genindex() -> str:
    entries = services().wiki.snapshot.catalog.index_entries()
    groups = [(letter, list(items)) for letter, items in groupby(entries, key=lambda e: e.letter)]
    return render_template("genindex.html", groups=groups, count=len(entries))


@bp.get("/-/tags/<tag>")
def tag(tag: str) -> str:
    pages = services().wiki.snapshot.catalog.tags().get(tag)
    if pages is None:
        abort(404, f"No page is tagged '{tag}'.")
    return render_template("tag.html", tag=tag, pages=pages)


@bp.get("/-/tags")
def tags() -> str:
    return render_template("tags.html", tags=services().wiki.snapshot.catalog.tags())


@bp.get("/-/resources")
def resources() -> str:
    catalog = services().wiki.snapshot.catalog
    selected = {name: set(request.args.getlist(name)) - {""} for name in RESOURCE_FACETS}
    sort = request.args.get("sort", "title")
    if sort == "updated":
        changes = services().wiki.snapshot.changes
        items = sorted(
            catalog.resources(),
            key=lambda r: changes[r.file].date.timestamp() if r.file in changes else 0.0,
            reverse=True,
        )
    else:
        items = sorted(catalog.resources(), key=SORTS.get(sort, SORTS["title"]))
    result = facet(items, RESOURCE_FACETS, selected)
    page = paginate(result.items, page_number(), RESOURCES_PER_PAGE)
    return render_template(
        "resources.html",
        page=page,
        facets=result.facets,
        selected=selected,
        sort=sort if sort in (*SORTS, "updated") else "title",
        terms_of=catalog.related_by_type,
        query_without=_query_without,
    )


def _query_without(name: str, value: str | None = None, **changes: str) -> str:
    """The current query string with one filter toggled and other keys changed."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    if value is not None:
        values = args.get(name, [])
        args[name] = [v for v in values if v != value] if value in values else [*values, value]
    for key, new in changes.items():
        args[key] = [new]
    pairs = [(k, v) for k, vs in args.items() for v in vs if v]
    return "?" + urlencode(pairs) if pairs else "?"
