"""The handbook's parts: which pages, in which order, their ids and links, the version."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki
from masterywiki.web.handbook import HandbookTooLarge, collect, css_string, link_inside
from tests.conftest import git

TODAY = date(2026, 9, 1)


def test_collect_orders_pages_as_the_toctree_and_adds_used_terms(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    wiki.refresh()
    seen: list[tuple[str, int, int | None]] = []
    book = collect(wiki, "index", TODAY, lambda *step: seen.append(step))
    assert [(s.page.name, s.depth, s.anchor) for s in book.sections] == [
        ("index", 0, "page-1"),
        ("guide", 1, "page-2"),
        ("guide/first", 2, "page-3"),
        ("guide/second", 2, "page-4"),
        ("glossary", 1, "page-5"),
        ("glossary/grade-composition", 2, "page-6"),
        ("glossary/rubric", 2, "page-7"),
    ]
    assert book.glossary == ()  # every term used is a page of this handbook already
    assert seen == [("pages", n, 7) for n in range(1, 8)]
    assert book.version == git(basic_repo, "rev-parse", "HEAD")[:10]
    section = collect(wiki, "glossary/grade-composition", TODAY)
    assert [s.page.name for s in section.sections] == ["glossary/grade-composition"]
    assert [(t.page.name, t.anchor) for t in section.glossary] == [
        ("glossary/rubric", "term-glossary-rubric")
    ]
    git(basic_repo, "tag", "-a", "-m", "one", "release/older")
    git(basic_repo, "tag", "-a", "-m", "two", "release/2025-26")
    assert collect(wiki, "guide", TODAY).version in ("older", "2025-26")
    wiki.storage.close()


def test_collect_refuses_a_handbook_past_the_limit(
    basic_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("masterywiki.web.handbook.PAGE_LIMIT", 3)
    wiki = Wiki(GitStorage(basic_repo))
    wiki.refresh()
    with pytest.raises(HandbookTooLarge, match="more than 3 pages"):
        collect(wiki, "index", TODAY)
    assert len(collect(wiki, "guide", TODAY).sections) == 3
    wiki.storage.close()


def test_link_inside_prefixes_ids_and_points_links_into_the_document() -> None:
    html = (
        '<h2 id="details">Details</h2><p>See <a href="#details">above</a>, '
        '<a class="xref" href="/guide/second#pinned">the second</a>, '
        '<a href="/guide/second">it</a>, <a href="/elsewhere#x">another page</a>, '
        '<a href="https://example.org/#top">a site</a><sup id="fnref1"><a href="#fn1">1</a></sup>'
        "</p><pre>id=&quot;nope&quot; href=&quot;/guide/second&quot;</pre>"
    )
    links = {"/guide/second": "page-3"}
    assert link_inside(html, "page-2", links) == (
        '<h2 id="page-2-details">Details</h2><p>See <a href="#page-2-details">above</a>, '
        '<a class="xref" href="#page-3-pinned">the second</a>, '
        '<a href="#page-3">it</a>, <a href="/elsewhere#x">another page</a>, '
        '<a href="https://example.org/#top">a site</a><sup id="page-2-fnref1">'
        '<a href="#page-2-fn1">1</a></sup>'
        "</p><pre>id=&quot;nope&quot; href=&quot;/guide/second&quot;</pre>"
    )


@pytest.mark.parametrize(
    ("text", "css"),
    [
        ("Version v1 · 1 May 2026", '"Version v1 · 1 May 2026"'),
        ('say "hi"', '"say \\22 hi\\22 "'),
        ("back\\slash", '"back\\5c slash"'),
        ("two\nlines", '"two\\a lines"'),
    ],
)
def test_css_string_escapes_quotes_backslashes_and_control_characters(text: str, css: str) -> None:
    assert css_string(text) == css
