"""What the page template shows, shared by the server's page view and the static build."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from masterywiki.content.catalog import NavNode, PageRecord
from masterywiki.content.markup import Rendered
from masterywiki.content.protection import Protection
from masterywiki.repository.attachments import Attachment
from masterywiki.repository.wiki import Snapshot


def page_context(
    snapshot: Snapshot,
    record: PageRecord,
    rendered: Rendered,
    *,
    sidebar: Sequence[NavNode],
    protection: Protection,
    attachments: Sequence[Attachment],
) -> dict[str, Any]:
    """The variables of `page.html` for `record` at `snapshot`."""
    catalog = snapshot.catalog
    fm = record.info.front_matter
    return {
        "page": record,
        "fm": fm,
        "rendered": rendered,
        "change": snapshot.changes.get(record.file),
        "breadcrumbs": catalog.ancestors(record.name),
        "sidebar": sidebar,
        "neighbours": catalog.neighbours(record.name),
        "related": [
            catalog.doc("/" + item, record.file) or catalog.term(item) for item in fm.related
        ],
        "toc": [h for h in rendered.headings if h.level in (2, 3)],
        "see_also": catalog.related_by_type(record.name),
        "has_children": bool(catalog.children(record.name)),
        "protected": protection.is_protected(record.name, fm.protected),
        "attachments": attachments,
    }
