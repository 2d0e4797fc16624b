"""Cross-page knowledge built from page texts (no git, no Flask)."""

from __future__ import annotations

from pathlib import Path

import pytest

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.docinfo import scan

BASIC = Path(__file__).parent.parent / "data" / "basic"


def catalog_of(files: dict[str, str]) -> Catalog:
    records = {}
    for path, text in files.items():
        name = names.name_for_file(path)
        assert name is not None
        records[name] = PageRecord(name, path, f"blob-{path}", scan(text))
    return Catalog(records)


@pytest.fixture
def basic() -> Catalog:
    return catalog_of({p.relative_to(BASIC).as_posix(): p.read_text() for p in BASIC.rglob("*.md")})


def test_titles_fall_back_from_front_matter_to_h1_to_name() -> None:
    catalog = catalog_of({"a.md": "---\ntitle: FM\n---\n# H1", "b.md": "# H1 only", "c-d.md": "x"})
    assert [catalog.pages[n].title for n in ("a", "b", "c-d")] == ["FM", "H1 only", "C d"]


def test_terms_by_title_and_alias_case_insensitive(basic: Catalog) -> None:
    for text in ("Grade Composition", "grade composition", "GRADING  weights"):
        target = basic.term(text)
        assert target is not None and target.url == "/glossary/grade-composition"
        assert target.summary == "How a final grade is built from evidence."
    assert basic.term("seat time") is None


def test_only_term_pages_define_terms() -> None:
    catalog = catalog_of({"a.md": "---\ntitle: Rubric\n---\n"})
    assert catalog.term("rubric") is None


def test_labels_resolve_to_page_and_anchor(basic: Catalog) -> None:
    target = basic.ref("second-label")
    assert target is not None
    assert (target.url, target.title) == ("/guide/second#second-label", "Details")


def test_doc_resolution_follows_redirects() -> None:
    catalog = catalog_of({"new.md": "---\nredirect_from: [old-name, /older.md]\n---\n# New"})
    assert catalog.redirects == {"old-name": "new", "older": "new"}
    target = catalog.doc("old-name", "index.md")
    assert target is not None and target.url == "/new"


def test_nav_order_parents_and_neighbours(basic: Catalog) -> None:
    assert basic.children("index") == ("guide", "glossary")
    assert basic.children("guide") == ("guide/first", "guide/second")
    assert [r.name for r in basic.ancestors("guide/second")] == ["index", "guide"]
    around = basic.neighbours("guide/first")
    assert (around.previous.name, around.next.name) == ("guide", "guide/second")
    last = basic.neighbours("glossary/rubric")
    assert last.next is None and last.previous.name == "glossary/grade-composition"
    assert basic.orphans() == []


def test_sidebar_opens_only_the_current_branch(basic: Catalog) -> None:
    tree = basic.sidebar("guide/first")
    assert [n.name for n in tree] == ["guide", "glossary"]
    guide, glossary = tree
    assert guide.open and not glossary.open
    assert [c.name for c in guide.children] == ["guide/first", "guide/second"]
    assert guide.children[0].current
    assert glossary.children == () and glossary.has_children


def test_cycles_and_orphans_do_not_hang() -> None:
    catalog = catalog_of(
        {
            "index.md": "```{toctree}\na\n```",
            "a.md": "```{toctree}\nb\n/index\n```",
            "b.md": "```{toctree}\na\n```",
            "lost.md": "# Lost",
        }
    )
    assert catalog.children("a") == ("b",)
    assert catalog.children("b") == ()
    assert catalog.orphans() == ["lost"]


def test_version_changes_only_with_cross_page_facts() -> None:
    base = {"index.md": "# Home\n\nBody one.\n\nMore.", "t.md": "---\ntype: term\n---\n# Term"}
    v1 = catalog_of(base).version
    assert catalog_of({**base, "index.md": "# Home\n\nBody one.\n\nEdited."}).version == v1
    assert catalog_of({**base, "t.md": "---\ntype: term\naliases: [x]\n---\n# Term"}).version != v1
    assert catalog_of({**base, "index.md": "# Home renamed\n\nBody one."}).version != v1


def test_incremental_catalog_matches_a_full_rebuild() -> None:
    files = {p.relative_to(BASIC).as_posix(): p.read_text() for p in BASIC.rglob("*.md")}
    before = catalog_of(files)
    edits = [
        {"guide/first.md": files["guide/first.md"] + "\nMore body text.\n"},  # body only
        {"glossary/rubric.md": files["glossary/rubric.md"].replace("type: term", "type: page")},
        {"guide/index.md": "# Guide\n\n```{toctree}\nsecond\n```\n"},  # nav changes
        {"new.md": "---\nredirect_from: [old]\n---\n# New\n"},
    ]
    for edit in edits:
        after_files = {**files, **edit}
        full = catalog_of(after_files)
        records = dict(full.pages)
        for name, record in before.pages.items():  # unchanged pages keep their record
            if (
                name in records
                and records[name].blob == record.blob
                and name not in {n for p in edit for n in [p[:-3].removesuffix("/index")]}
            ):
                records[name] = record
        incremental = Catalog(records, before)
        assert incremental.version == full.version
        assert incremental.terms == full.terms and incremental.redirects == full.redirects
        for name in full.pages:
            assert incremental.neighbours(name) == full.neighbours(name)
            assert incremental.children(name) == full.children(name)
    unchanged = Catalog(dict(before.pages), before)
    assert unchanged.version == before.version


def test_nearby_pages_are_a_bounded_neighbourhood_by_address_and_title() -> None:
    files = {f"bank/item-{i:04d}.md": f"# Item {i}" for i in range(2000)}
    files["policy/grading.md"] = "# Zebra grading policy"
    catalog = catalog_of(files)
    near = catalog.nearby("bank/item-1234x", "item 1234x", 10)
    assert len(near) <= 40
    assert "bank/item-1234" in [r.name for r in near]
    # A page near by title only, far away by address, is found too.
    by_title = catalog.nearby("bank/zebra-grading", "zebra grading polcy", 10)
    assert "policy/grading" in [r.name for r in by_title]
