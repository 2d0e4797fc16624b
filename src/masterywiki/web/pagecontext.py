"""What the page template shows, shared by the server's page view and the static build."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from masterywiki.content.catalog import PageRecord
from masterywiki.content.markup import Rendered
from masterywiki.content.protection import Protection
from masterywiki.content.sidebar import NavNode
from masterywiki.content.translations import InLanguage, Translations, lang_of
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
    language: str = "en",
    reader: str | None = None,
    translations: Translations,
) -> dict[str, Any]:
    """The variables of `page.html` for `record` at `snapshot`. The sidebar and the
    breadcrumbs show the pages that have a version in the reader's language (`reader`;
    by default the page's own) by that version. `translations`: the catalog's index of
    them (`Wiki.translations`, built once per catalog)."""
    catalog = snapshot.catalog
    fm = record.info.front_matter
    page_lang = lang_of(record, language)
    reader = reader or page_lang
    breadcrumbs = catalog.ancestors(record.name)
    if reader != language:
        seen_by = InLanguage(catalog, translations, reader)
        sidebar, breadcrumbs = seen_by.sidebar(sidebar), seen_by.breadcrumbs(breadcrumbs)
    return {
        "page": record,
        "fm": fm,
        "rendered": rendered,
        "change": snapshot.changes.get(record.file),
        "breadcrumbs": breadcrumbs,
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
        # The page's language, and its versions in other languages (hreflang links).
        "page_lang": page_lang,
        "versions": translations.versions(record.name),
    }
