"""The terms, resources and translations of a catalog, kept from the changed pages alone."""

from __future__ import annotations

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.docinfo import scan
from masterywiki.content.kinds import RESOURCES, TERMS, TRANSLATED

FILES = {
    "index.md": "# Home",
    "glossary/rubric.md": "---\ntype: term\n---\n# Rubric",
    "glossary/evidence.md": "---\ntype: term\n---\n# Evidence",
    "bank/video.md": "---\ntype: resource\n---\n# Video",
    "es/glossary/rubric.md": "---\nlang: es\ntranslation_of: glossary/rubric\n---\n# Rúbrica",
    "plain.md": "# Plain",
}


def records_of(files: dict[str, str]) -> dict[str, PageRecord]:
    found = {}
    for path, text in files.items():
        name = names.name_for_file(path)
        assert name is not None
        found[name] = PageRecord(name, path, f"blob-{text}", scan(text))
    return found


def test_kinds_follow_changes_and_equal_a_fresh_catalog() -> None:
    files = dict(FILES)
    catalog = Catalog(records_of(files))
    assert catalog.kinds[TERMS] == {"glossary/rubric", "glossary/evidence"}
    assert catalog.kinds[RESOURCES] == {"bank/video"}
    assert catalog.kinds[TRANSLATED] == {"es/glossary/rubric"}
    steps: list[dict[str, str | None]] = [
        {"plain.md": "---\ntype: term\n---\n# Now a term", "glossary/evidence.md": None},
        {
            "bank/video.md": "# No longer a resource",
            "bank/book.md": "---\ntype: resource\n---\n# B",
        },
        {"es/glossary/rubric.md": "# Not a translation any more"},
    ]
    for step in steps:
        for path, text in step.items():
            if text is None:
                files.pop(path)
            else:
                files[path] = text
        changed = {n for path in step if (n := names.name_for_file(path))}
        catalog = Catalog(records_of(files), catalog, changed=changed)
        assert catalog.kinds == Catalog(records_of(files)).kinds
    assert [r.name for r in catalog.glossary()] == ["plain", "glossary/rubric"]
    assert [r.name for r in catalog.resources()] == ["bank/book"]
    assert catalog.translations() == []


def test_translations_are_the_translated_pages_and_their_sources() -> None:
    catalog = Catalog(records_of(FILES))
    assert {r.name for r in catalog.translations()} == {"es/glossary/rubric", "glossary/rubric"}
