"""Browsing the knowledge base: the general index, tags and the resource listing."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, render_template, request

from masterywiki.search.facets import QueryLinks, chosen, facet, paginate
from masterywiki.web.views import page_number, services

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
    selected = {name: chosen(request.args.getlist(name)) for name in RESOURCE_FACETS}
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
    result = facet(items, RESOURCE_FACETS, {name: set(vs) for name, vs in selected.items()})
    page = paginate(result.items, page_number(), RESOURCES_PER_PAGE)
    sort = sort if sort in (*SORTS, "updated") else "title"
    # Links keep the filters and an explicit sort, and start again at page 1; other
    # parameters are dropped rather than repeated in every link.
    links = QueryLinks({**selected, "sort": [sort] if "sort" in request.args else []})
    return render_template(
        "resources.html",
        page=page,
        facets=result.facets,
        selected=selected,
        sort=sort,
        terms_of=catalog.related_by_type,
        resources_query=lambda toggle=None, **changes: "?" + links.query(toggle, **changes),
    )
