"""Planning an import (pure): names, duplicates, links, front matter, index pages, files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.docinfo import scan
from masterywiki.content.model import parse_document
from masterywiki.errors import InvalidPagePath
from masterywiki.importing.nav import read_mkdocs
from masterywiki.importing.pages import segment
from masterywiki.importing.plan import Entry, Existing, Plan, plan_import, section_chain
from tests.test_layers import PACKAGE, imports_of

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


def plan_of(files: Mapping[str, str | bytes], **options: object) -> Plan:
    sources = {p: d.encode() if isinstance(d, str) else d for p, d in files.items()}
    return plan_import(sources, **options)  # type: ignore[arg-type]


def text(plan: Plan, path: str) -> str:
    return plan.files[path].decode()


def body(plan: Plan, path: str) -> str:
    return parse_document(text(plan, path)).body


def kinds(plan: Plan, kind: str) -> list[Entry]:
    return [e for e in plan.entries if e.kind == kind]


def page_map(plan: Plan) -> dict[str, str]:
    return {e.old: e.new for e in kinds(plan, "page")}


def catalog_of(files: dict[str, str]) -> Catalog:
    records = {}
    for path, source in files.items():
        name = names.name_for_file(path)
        if name is not None:
            records[name] = PageRecord(name, path, path, scan(source))
    return Catalog(records)


STARTER = {"index.md": "# Home\n\n```{toctree}\nguide/index\n```\n", "guide/index.md": "# Guide\n"}


def existing_of(files: dict[str, str], texts: tuple[str, ...] = ("index",)) -> Existing:
    pages = {names.name_for_file(p) or "": p for p in files}
    return Existing(
        pages=pages,
        files=frozenset(files),
        texts={name: files[pages[name]] for name in texts if name in pages},
    )


# -- names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Meeting Notes", "meeting-notes"),
        ("Week 1", "week-1"),
        ("page_one", "page-one"),
        ("Café Menu", "cafe-menu"),
        ("Ünïcödé Straße", "unicode-strae"),
        ("Don't Panic!", "dont-panic"),
        ("C++ & C#", "c-c"),
        ("  --v1.2 notes--  ", "v1-2-notes"),
        ("???", "page"),
        ("x" * 100, "x" * 60),
    ],
)
def test_segment_is_a_valid_page_name(text: str, expected: str) -> None:
    assert segment(text) == expected
    assert names.is_valid(segment(text))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Meeting Notes/Week 1.md", "meeting-notes/week-1.md"),
        ("FAQ.md", "faq.md"),
        ("notes.markdown", "notes.md"),
        ("Über uns.MD", "uber-uns.md"),
        ("README.md", "index.md"),
        ("Home.md", "index.md"),
        ("Guide/README.md", "guide/index.md"),
        ("Guide/index.md", "guide/index.md"),
        ("Guide/Home.md", "guide/index.md"),
        ("A/B C/D_e.md", "a/b-c/d-e.md"),
    ],
)
def test_file_names_become_page_paths(source: str, expected: str) -> None:
    plan = plan_of({source: "text\n"})
    assert page_map(plan) == {source: expected}
    assert expected in plan.files


def test_index_beats_readme_beats_home_as_the_folder_page() -> None:
    plan = plan_of({"g/Home.md": "h", "g/README.md": "r", "g/index.md": "i"})
    assert page_map(plan) == {
        "g/index.md": "g/index.md",
        "g/README.md": "g/readme.md",
        "g/Home.md": "g/home.md",
    }


def test_a_page_beside_its_folder_is_the_folder_page() -> None:
    """Otter Wiki and Gollum keep subpages in a folder named like their parent page."""
    plan = plan_of({"Guide.md": "# Guide\n", "Guide/Setup.md": "setup", "Other/README.md": "r"})
    assert page_map(plan)["Guide.md"] == "guide/index.md"
    with_own = plan_of({"Guide.md": "g", "Guide/README.md": "r"})
    assert page_map(with_own) == {"Guide/README.md": "guide/index.md", "Guide.md": "guide-2.md"}


def test_duplicates_after_normalising_get_suffixes_and_are_reported() -> None:
    plan = plan_of({"Page One.md": "a", "page-one.md": "b", "page_one.md": "c", "PAGE ONE.md": "d"})
    assert page_map(plan) == {
        "page-one.md": "page-one.md",  # already named like a page: keeps the name
        "PAGE ONE.md": "page-one-2.md",
        "Page One.md": "page-one-3.md",
        "page_one.md": "page-one-4.md",
    }
    duplicates = kinds(plan, "duplicate")
    assert [(d.path, d.new) for d in duplicates] == [
        ("PAGE ONE.md", "page-one-2"),
        ("Page One.md", "page-one-3"),
        ("page_one.md", "page-one-4"),
    ]
    assert "'page-one' is taken by page-one.md" in duplicates[0].message


def test_duplicate_folders_get_suffixes() -> None:
    plan = plan_of({"Notes/a.md": "a", "notes/b.md": "b", "notes.md": "n"})
    assert page_map(plan) == {
        "notes/b.md": "notes/b.md",
        "notes.md": "notes/index.md",
        "Notes/a.md": "notes-2/a.md",
    }
    assert [(e.path, e.new) for e in kinds(plan, "duplicate")] == [("Notes/", "notes-2")]


def test_pages_and_folders_of_the_wiki_are_never_overwritten() -> None:
    existing = existing_of(STARTER)
    plan = plan_of({"README.md": "r", "Guide/x.md": "x", "FAQ.md": "f"}, existing=existing)
    assert page_map(plan) == {
        "README.md": "readme.md",
        "Guide/x.md": "guide-2/x.md",
        "FAQ.md": "faq.md",
    }
    assert [(e.path, e.kind) for e in kinds(plan, "exists")] == [("Guide/", "exists")]
    again = plan_of({"faq.md": "f"}, existing=existing_of({**STARTER, "faq.md": "f"}))
    assert page_map(again) == {"faq.md": "faq-2.md"}
    assert kinds(again, "exists")[0].message == "'faq' is taken in the wiki; named faq-2 instead"
    assert set(plan.files) & set(STARTER) == {"index.md"}  # extended with a toctree only
    assert text(plan, "index.md").startswith(STARTER["index.md"])


# -- skipped files -------------------------------------------------------------------------


def test_hidden_files_site_config_and_gollum_parts_are_skipped() -> None:
    plan = plan_of(
        {
            "Home.md": "h",
            ".gitignore": "x",
            ".obsidian/a.md": "x",
            "mkdocs.yml": "site_name: x",
            "_Sidebar.md": "[[Home]]",
            "notes.txt": "x",
            "page.rst": "x",
        },
        skipped=[(".git/", "hidden folder")],
    )
    skipped = {e.path: e for e in kinds(plan, "skipped")}
    assert set(skipped) == {
        ".git/", ".gitignore", ".obsidian/a.md", "mkdocs.yml", "_Sidebar.md", "notes.txt",
        "page.rst",
    }  # fmt: skip
    assert skipped["notes.txt"].message == "not a page, and no page links to it"
    assert skipped["notes.txt"].severity == "warning"
    assert "Gollum sidebar" in skipped["_Sidebar.md"].message
    assert set(plan.files) == {"index.md"}


def test_a_page_over_the_size_limit_is_skipped() -> None:
    plan = plan_of({"big.md": "x" * 100, "small.md": "x"}, max_page_bytes=50)
    assert page_map(plan) == {"small.md": "small.md"}
    assert "more than the page limit of 50" in kinds(plan, "skipped")[0].message


# -- wiki links ---------------------------------------------------------------------------

WIKI_TREE = {
    "Home.md": "home\n",
    "Meeting Notes/Week 1.md": "# Week 1\n\n## Action Items\n\ntext\n",
    "Meeting Notes/Week 2.md": "two\n",
    "Guide/Getting-Started.md": "start\n",
}


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("[[Meeting Notes/Week 1]]", "[Meeting Notes/Week 1](meeting-notes/week-1.md)"),
        ("[[meeting notes/week 1]]", "[meeting notes/week 1](meeting-notes/week-1.md)"),
        ("[[Meeting Notes/Week 1|the first week]]", "[the first week](meeting-notes/week-1.md)"),
        ("[[the first week|Meeting Notes/Week 1]]", "[the first week](meeting-notes/week-1.md)"),
        ("[[Week 2]]", "[Week 2](meeting-notes/week-2.md)"),
        ("[[Getting Started]]", "[Getting Started](guide/getting-started.md)"),
        ("[[Start here|Getting Started]]", "[Start here](guide/getting-started.md)"),
        (
            "[[Meeting Notes/Week 1#Action Items]]",
            "[Meeting Notes/Week 1#Action Items](meeting-notes/week-1.md#action-items)",
        ),
        ("[[Home]]", "[Home](index.md)"),
        ("[[#Top of page]]", "[#Top of page](#top-of-page)"),
        (
            "| [[the first week\\|Meeting Notes/Week 1]] |",
            "| [the first week](meeting-notes/week-1.md) |",
        ),
        ("[[Nowhere]]", "[[Nowhere]]"),
    ],
)
def test_wiki_links_become_relative_markdown_links(link: str, expected: str) -> None:
    plan = plan_of({**WIKI_TREE, "Links.md": f"see {link} here\n"})
    assert body(plan, "links.md") == f"see {expected} here\n"


def test_wiki_links_resolve_from_the_linking_folder_first() -> None:
    plan = plan_of(
        {
            "A/Notes.md": "[[Notes]] [[Other]]",
            "A/Other.md": "a",
            "B/Other.md": "b",
            "Notes.md": "root notes",
        }
    )
    assert body(plan, "a/notes.md") == "[Notes](notes.md) [Other](other.md)"


def test_link_changes_and_unresolved_links_are_reported_with_lines() -> None:
    plan = plan_of(
        {**WIKI_TREE, "Links.md": "---\ntitle: L\n---\none\n[[Week 2]] [[Missing Page]]\n"}
    )
    links = [e for e in kinds(plan, "link") if e.path == "Links.md"]
    assert [(e.line, e.old, e.new) for e in links] == [
        (5, "[[Week 2]]", "[Week 2](meeting-notes/week-2.md)")
    ]
    (unresolved,) = kinds(plan, "unresolved")
    assert (unresolved.path, unresolved.line, unresolved.severity) == ("Links.md", 5, "warning")
    assert str(unresolved).startswith("Links.md:5: unresolved: [[Missing Page]]")


def test_an_ambiguous_page_name_is_not_guessed() -> None:
    plan = plan_of({"A/Other.md": "a", "B/Other.md": "b", "Links.md": "[[Other]]"})
    assert body(plan, "links.md") == "[[Other]]"
    assert kinds(plan, "unresolved")


def test_a_missing_anchor_is_dropped_with_a_warning() -> None:
    plan = plan_of({**WIKI_TREE, "Links.md": "[[Week 2#Nothing Here]]"})
    assert body(plan, "links.md") == "[Week 2#Nothing Here](meeting-notes/week-2.md)"
    assert "has no heading 'Nothing Here'" in kinds(plan, "anchor")[0].message


# -- relative markdown links --------------------------------------------------------------


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("[x](Other Page.md)", "[x](other-page.md)"),
        ("[x](<Other Page.md>)", "[x](other-page.md)"),
        ("[x](Other%20Page.md#part)", "[x](other-page.md#part)"),
        ("[x](Other%20Page.md#The Part)", "[x](other-page.md#the-part)"),
        ("[x](Other Page)", "[x](other-page.md)"),
        ("[x](../Dir/Other Page)", "[x](other-page.md)"),
        ("[x](/Dir/Other Page.md)", "[x](other-page.md)"),
        ("[x](other page.MD 'Title')", "[x](other-page.md 'Title')"),
        ("[x](./)", "[x](index.md)"),
        ("[x](/)", "[x](../index.md)"),
        ("[x](../Top.md)", "[x](../top.md)"),
        ("[x](https://example.org/Other Page.md)", "[x](https://example.org/Other Page.md)"),
        ("[x](mailto:a@example.org)", "[x](mailto:a@example.org)"),
        ("[x](#Local)", "[x](#Local)"),
        ("[x](Missing.md)", "[x](Missing.md)"),
        ("[x](../../outside.md)", "[x](../../outside.md)"),
    ],
)
def test_relative_links_point_at_the_new_files(link: str, expected: str) -> None:
    sources = {"Dir/Other Page.md": "# Other\n\n## Part\n\n## The Part\n", "Top.md": "t"}
    plan = plan_of({**sources, "Dir/File.md": f"{link}\n"})
    assert body(plan, "dir/file.md") == f"{expected}\n"
    unresolved = link in ("[x](Missing.md)", "[x](../../outside.md)")
    assert bool(kinds(plan, "unresolved")) == unresolved


def test_reference_definitions_and_images_in_links_are_rewritten() -> None:
    plan = plan_of(
        {
            "Other Page.md": "o",
            "logo.png": PNG,
            "Page.md": "[a][ref] [![logo](logo.png)](Other%20Page.md)\n\n[ref]: <Other Page.md>\n",
        }
    )
    assert body(plan, "page.md") == (
        "[a][ref] [![logo](page.files/logo.png)](other-page.md)\n\n[ref]: other-page.md\n"
    )


def test_links_already_right_are_no_change() -> None:
    plan = plan_of(
        {
            "guide/index.md": "# Guide\n",
            "guide/late-work.md": "[up](index.md) [same](#x)\n\n[ref]: index.md\n",
        }
    )
    assert body(plan, "guide/late-work.md") == "[up](index.md) [same](#x)\n\n[ref]: index.md\n"
    assert [e for e in kinds(plan, "link") if e.path == "guide/late-work.md"] == []


def test_links_in_code_are_left_alone() -> None:
    source = (
        "Text [[Other]] and `[[Other]]` and ``[x](Other.md)``.\n\n"
        "```\n[[Other]] [x](Other.md)\n```\n\n"
        "~~~python\n[[Other]]\n~~~\n\n"
        "    [[Other]] indented code\n\n"
        "- a list item\n\n    [[Other]] continues the item\n\n"
        ":::{note}\n[[Other]] in a note\n:::\n"
    )
    plan = plan_of({"Other.md": "o", "Page.md": source})
    out = body(plan, "page.md")
    assert out.count("[Other](other.md)") == 3
    assert out.count("[[Other]]") == 4
    assert "``[x](Other.md)``" in out and "[[Other]] [x](Other.md)\n```" in out


def test_toctree_entries_of_the_source_are_rewritten() -> None:
    source = "# Book\n\n```{toctree}\n:maxdepth: 2\n\nChapter One\nIntro <Part Two/Start.md>\n```\n"
    plan = plan_of({"index.md": source, "Chapter One.md": "c", "Part Two/Start.md": "s"})
    assert "chapter-one\nIntro <part-two/start>\n```" in text(plan, "index.md")


# -- raw HTML and {doc} roles ----------------------------------------------------------------

HTML_TREE = {
    "Dir/Other Page.md": "# Other\n\n## Part\n",
    "Top.md": "# Top\n\n## Here\n",
    "Dir/pic.png": PNG,
}


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<img src="pic.png">', '<img src="/dir/file/-/files/pic.png">'),
        (
            "<img alt='a src=x' src='pic.png' width=20>",
            "<img alt='a src=x' src='/dir/file/-/files/pic.png' width=20>",
        ),
        ("<IMG SRC=pic.png>", '<IMG SRC="/dir/file/-/files/pic.png">'),
        ('<a href="Other%20Page.md#Part">o</a>', '<a href="/dir/other-page#part">o</a>'),
        ('<a class="x" href="../Top.md">t</a>', '<a class="x" href="/top">t</a>'),
        ('<a href="../Top.md#here">t</a>', '<a href="/top#here">t</a>'),
        ('<a href="File.md">me</a>', '<a href="/dir/file">me</a>'),
        ('<a href="File.md#File">me</a>', '<a href="#file">me</a>'),
        ('<a href="Other Page.md?x=1&amp;y=2">o</a>', '<a href="/dir/other-page">o</a>'),
        ('<img src="https://example.org/pic.png">', '<img src="https://example.org/pic.png">'),
        (
            '<a href="#part">x</a> <a href="mailto:a@example.org">m</a>',
            '<a href="#part">x</a> <a href="mailto:a@example.org">m</a>',
        ),
        ('<a name="top">x</a> <img alt="pic.png">', '<a name="top">x</a> <img alt="pic.png">'),
        ('<img src="nowhere.png">', '<img src="nowhere.png">'),
        ('`<img src="pic.png">`', '`<img src="pic.png">`'),
    ],
)
def test_raw_html_links_and_images_point_at_what_the_wiki_serves(html: str, expected: str) -> None:
    plan = plan_of({**HTML_TREE, "Dir/File.md": f"# File\n\nSee {html} now.\n"})
    assert body(plan, "dir/file.md") == f"# File\n\nSee {expected} now.\n"


def test_raw_html_rewrites_are_reported() -> None:
    source = (
        '<div>\n<img src="pic.png" alt="p">\n<a href="gone.md">x</a>\n</div>\n\n'
        '```html\n<img src="pic.png">\n```\n\n    <img src="pic.png">\n'
    )
    plan = plan_of({**HTML_TREE, "Dir/File.md": source})
    out = body(plan, "dir/file.md")
    assert out.count('src="pic.png"') == 2  # the code block and the indented code: kept
    assert '<img src="/dir/file/-/files/pic.png" alt="p">' in out
    (link,) = kinds(plan, "link")
    assert (link.path, link.line, link.new) == (
        "Dir/File.md",
        2,
        '<img src="/dir/file/-/files/pic.png" alt="p">',
    )
    (unresolved,) = kinds(plan, "unresolved")
    assert str(unresolved) == (
        'Dir/File.md:3: unresolved: <a href="gone.md">: no imported page or file at '
        "'gone.md'; left as written"
    )
    assert "Dir/pic.png: attachment: attached to dir/file.md as dir/file.files/pic.png" in map(
        str, plan.entries
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("{doc}`Other Page`", "{doc}`other-page`"),
        ("{doc}`Other Page.md`", "{doc}`other-page`"),
        ("{doc}`the other <Other Page>`", "{doc}`the other <other-page>`"),
        ("{doc}`../Top`", "{doc}`../top`"),
        ("{doc}`/Dir/Other Page`", "{doc}`/legacy/dir/other-page`"),
        ("{doc}`/index`", "{doc}`/legacy/index`"),
        ("{doc}`Sub/Deep`", "{doc}`sub/deep`"),
        ("{doc}`other-page`", "{doc}`other-page`"),
        ("{doc}`Nowhere`", "{doc}`Nowhere`"),
        ("``{doc}`Other Page` ``", "``{doc}`Other Page` ``"),
        ("{ref}`Other Page`", "{ref}`Other Page`"),
    ],
)
def test_doc_roles_point_at_the_new_paths(role: str, expected: str) -> None:
    sources = {
        "index.md": "# Home\n",
        "Top.md": "t",
        "Dir/Other Page.md": "o",
        "Dir/Sub/Deep.md": "d",
        "Dir/File.md": f"See {role}.\n",
    }
    plan = plan_of(sources, into="legacy")
    assert body(plan, "legacy/dir/file.md") == f"See {expected}.\n"
    assert bool(kinds(plan, "unresolved")) == (role == "{doc}`Nowhere`")


def test_doc_role_changes_and_unresolved_roles_are_reported() -> None:
    source = "# F\n\n{doc}`Other Page` and {doc}`Missing`\n\n```\n{doc}`Missing`\n```\n"
    plan = plan_of({"Other Page.md": "o", "File.md": source})
    assert [str(e) for e in kinds(plan, "link")] == [
        "File.md:3: link: {doc}`Other Page` -> {doc}`other-page`"
    ]
    (unresolved,) = kinds(plan, "unresolved")
    assert (unresolved.line, unresolved.severity, unresolved.old) == (
        3,
        "warning",
        "{doc}`Missing`",
    )
    assert "no imported page at 'Missing'; left as written" in unresolved.message


# -- MkDocs nav ----------------------------------------------------------------------------

NAV_SOURCES = {
    "index.md": "# Welcome\n",
    "zeta.md": "# Zeta\n",
    "alpha.md": "# Alpha\n",
    "beta.md": "---\ntitle: Own Title\n---\n# Beta\n",
    "guide/setup.md": "# Setup\n",
    "guide/usage.md": "# Usage\n",
    "guide/faq.md": "# FAQ\n",
    "notes/week-1.md": "# Week 1\n",
}
NAV = """\
site_name: Handbook
nav:
  - Home: index.md
  - The guide:
      - Using it: guide/usage.md
      - guide/setup.md
  - Zeta first: zeta.md
  - Extra:
      - Beta named here: beta.md
  - Source: https://github.com/example/handbook
"""


def test_mkdocs_nav_orders_the_toctrees_and_the_rest_follows() -> None:
    plan = plan_of(NAV_SOURCES, mkdocs=read_mkdocs(NAV), title="Handbook")
    assert body(plan, "index.md").endswith(
        "```{toctree}\n:maxdepth: 1\n\nguide/index\nzeta\nbeta\nalpha\nnotes/index\n```\n"
    )
    assert text(plan, "guide/index.md") == (
        "---\ntitle: The guide\n---\n\n# The guide\n\n```{toctree}\n:maxdepth: 1\n\n"
        "usage\nsetup\nfaq\n```\n"
    )
    titles = {p: parse_document(text(plan, p)).front_matter.title for p in plan.files}
    assert titles["guide/usage.md"] == "Using it"
    assert titles["guide/setup.md"] == "Setup"
    assert titles["zeta.md"] == "Zeta first"
    assert titles["beta.md"] == "Own Title"  # the page's own title is kept
    assert titles["notes/index.md"] == "Notes"
    files = {p: d.decode() for p, d in plan.files.items()}
    assert catalog_of(files).orphans() == []


def test_mkdocs_nav_into_an_existing_wiki() -> None:
    existing = existing_of(STARTER)
    plan = plan_of(NAV_SOURCES, existing=existing, mkdocs=read_mkdocs(NAV))
    assert text(plan, "index.md").endswith(
        "\n```{toctree}\n:maxdepth: 1\n\nhome\nguide-2/index\nzeta\nbeta\nalpha\nnotes/index\n```\n"
    )
    files = {**STARTER, **{p: d.decode() for p, d in plan.files.items()}}
    assert catalog_of(files).orphans() == []


def test_mkdocs_nav_problems_are_in_the_report() -> None:
    nav = NAV + "  - Gone: gone.md\n  - {a: b.md, c: d.md}\n"
    plan = plan_of(NAV_SOURCES, mkdocs=read_mkdocs(nav, "mkdocs.yaml"))
    found = [str(e) for e in plan.entries if e.path == "mkdocs.yaml"]
    assert found == [
        "mkdocs.yaml: nav: the nav orders 5 pages; the 3 it does not name are listed after "
        "them, in natural order: alpha.md, guide/faq.md, notes/week-1.md",
        "mkdocs.yaml:10: skipped: nav link to https://github.com/example/handbook (Source): "
        "not a page; left out of the toctrees",
        "mkdocs.yaml:11: unresolved: nav entry gone.md: no imported page or folder at that path",
        "mkdocs.yaml:12: nav: nav entry not understood (expected 'path.md', 'Title: path.md' or "
        "'Title: [...]'): left out",
    ]
    assert plan.warnings == 3


def test_an_unreadable_mkdocs_yml_keeps_the_natural_order() -> None:
    plan = plan_of(NAV_SOURCES, mkdocs=read_mkdocs("nav:\n  - A: a.md\n   - b\n"))
    assert body(plan, "index.md").endswith("\n\nalpha\nbeta\nzeta\nguide/index\nnotes/index\n```\n")
    (warning,) = [e for e in plan.entries if e.path == "mkdocs.yml"]
    assert (warning.kind, warning.line, warning.severity) == ("nav", 3, "warning")


# -- front matter ------------------------------------------------------------------------


def test_front_matter_is_kept_and_completed() -> None:
    source = "---\ntags: [a, b]\nsummary: Kept.\nredirect_from:\n  - older/name\n---\n# Week 1\n"
    plan = plan_of({"Notes/Week 1.md": source})
    out = text(plan, "notes/week-1.md")
    assert out.startswith("---\ntags: [a, b]\nsummary: Kept.\n")
    front_matter = parse_document(out).front_matter
    assert front_matter.problems == ()
    assert front_matter.title == "Week 1"
    assert front_matter.tags == ("a", "b")
    assert front_matter.redirect_from == ("older/name", "Notes/Week 1")
    assert parse_document(out).body == "# Week 1\n"


@pytest.mark.parametrize(
    ("path", "source", "title"),
    [
        ("Some Page.md", "no heading\n", "Some Page"),
        ("some-page.md", "no heading\n", "Some page"),
        ("Gollum-Style_Name.md", "x\n", "Gollum Style Name"),
        ("x.md", "intro\n\n# The Real Title\n", "The Real Title"),
        ("x.md", "---\ntitle: Mine\n---\n# Other\n", "Mine"),
        ("x.md", "---\ntitle:\ntags: [a]\n---\n# Other\n", "Other"),
        ("Guide/README.md", "no heading\n", "Guide"),
    ],
)
def test_title_is_added_when_missing(path: str, source: str, title: str) -> None:
    plan = plan_of({path: source}, title="Imported")
    (new,) = page_map(plan).values()
    assert parse_document(text(plan, new)).front_matter.title == title


def test_old_name_is_kept_only_when_it_differs() -> None:
    plan = plan_of({"same.md": "s", "Other One.md": "o", "dir/index.md": "i", "Home.md": "h"})
    redirects = {p: parse_document(text(plan, p)).front_matter.redirect_from for p in plan.files}
    assert redirects["same.md"] == ()
    assert redirects["other-one.md"] == ("Other One",)
    assert redirects["dir/index.md"] == ()  # 'dir/index' is the address 'dir' already
    assert redirects["index.md"] == ("Home",)


def test_old_names_that_would_shadow_a_page_are_left_out() -> None:
    plan = plan_of({"faq.md": "x"}, into="legacy", existing=existing_of({**STARTER, "faq.md": "f"}))
    assert parse_document(text(plan, "legacy/faq.md")).front_matter.redirect_from == ()
    assert "old address 'faq' not kept" in kinds(plan, "redirect")[0].message
    twice = plan_of({"Page One.md": "a", "page one.md": "b"})
    kept = [parse_document(text(twice, p)).front_matter.redirect_from for p in twice.files]
    assert sorted(kept) == [(), (), ("Page One",)]


def test_malformed_front_matter_is_kept_in_the_page() -> None:
    source = "---\ntitle: [unclosed\ntags: x\n---\n# Heading\n\nbody [[Other]]\n"
    plan = plan_of({"Bad Page.md": source, "Other.md": "o"})
    out = text(plan, "bad-page.md")
    document = parse_document(out)
    assert document.front_matter.problems == ()
    assert document.front_matter.title == "Heading"
    assert "```yaml\ntitle: [unclosed\ntags: x\n```" in document.body
    assert "body [Other](other.md)" in document.body
    (warning,) = [e for e in kinds(plan, "front-matter") if e.severity == "warning"]
    assert "line 2: front matter is not valid YAML" in warning.message


def test_unclosed_front_matter_keeps_the_whole_text() -> None:
    plan = plan_of({"x.md": "---\ntitle: never closed\n\ntext\n"})
    document = parse_document(text(plan, "x.md"))
    assert document.front_matter.problems == ()
    assert document.body == "---\ntitle: never closed\n\ntext\n"


# -- index pages and toctrees ------------------------------------------------------------


def test_folders_get_index_pages_listing_pages_then_subfolders() -> None:
    plan = plan_of(
        {
            "Meeting Notes/Week 10.md": "x",
            "Meeting Notes/Week 2.md": "x",
            "Meeting Notes/Archive/2019.md": "x",
            "Meeting Notes/Week 1.md": "x",
        },
        title="Old Wiki",
    )
    assert text(plan, "meeting-notes/index.md") == (
        "---\ntitle: Meeting Notes\n---\n\n# Meeting Notes\n\n```{toctree}\n:maxdepth: 1\n\n"
        "week-1\nweek-2\nweek-10\narchive/index\n```\n"
    )
    root = text(plan, "index.md")
    assert root.startswith("---\ntitle: Old Wiki\n---\n") and "meeting-notes/index" in root
    assert {(e.kind, e.path) for e in plan.entries if e.kind == "index"} == {
        ("index", "index.md"),
        ("index", "meeting-notes/index.md"),
        ("index", "meeting-notes/archive/index.md"),
    }


def test_a_folder_page_gets_a_toctree_of_what_it_does_not_list() -> None:
    source = "# Guide\n\n```{toctree}\nSetup.md\n```\n"
    plan = plan_of({"Guide/README.md": source, "Guide/Setup.md": "s", "Guide/Usage.md": "u"})
    out = text(plan, "guide/index.md")
    assert out.count("{toctree}") == 2
    assert out.endswith("```{toctree}\n:maxdepth: 1\n\nusage\n```\n")
    assert [e.kind for e in plan.entries if e.path == "guide/index.md"] == ["toctree"]


def test_the_wiki_index_lists_the_imported_top() -> None:
    existing = existing_of(STARTER)
    plan = plan_of({"Home.md": "h", "Notes/a.md": "a"}, existing=existing)
    assert text(plan, "index.md") == (
        STARTER["index.md"] + "\n```{toctree}\n:maxdepth: 1\n\nhome\nnotes/index\n```\n"
    )
    assert str(kinds(plan, "toctree")[0]) == (
        "index.md: toctree: toctree added, listing home, notes/index"
    )


def test_into_a_new_section_hangs_it_from_the_wiki() -> None:
    existing = existing_of(STARTER, texts=("old/wiki", "old", "index"))
    plan = plan_of(
        {"Home.md": "# Old Home\n", "Notes/a.md": "a"}, existing=existing, into="/old/wiki/"
    )
    assert page_map(plan) == {"Home.md": "old/wiki/index.md", "Notes/a.md": "old/wiki/notes/a.md"}
    assert "\nwiki/index\n" in text(plan, "old/index.md")
    assert text(plan, "index.md").endswith("\nold/index\n```\n")
    assert plan.into == "old/wiki"


def test_into_an_existing_section_extends_its_page() -> None:
    existing = existing_of(STARTER, texts=("guide", "index"))
    plan = plan_of({"Home.md": "h", "a.md": "a"}, existing=existing, into="guide")
    assert page_map(plan) == {"Home.md": "guide/home.md", "a.md": "guide/a.md"}
    assert text(plan, "guide/index.md") == "# Guide\n\n```{toctree}\n:maxdepth: 1\n\nhome\na\n```\n"
    assert "index.md" not in plan.files


@pytest.mark.parametrize("into", ["../x", "a b", ".git", "x.md"])
def test_a_bad_section_is_refused(into: str) -> None:
    with pytest.raises(InvalidPagePath):
        plan_of({"a.md": "a"}, into=into)


def test_section_chain() -> None:
    assert section_chain("a/b") == ["a/b", "a", "index"]
    assert section_chain("") == ["index"]


@pytest.mark.parametrize("into", ["", "legacy/otter"])
def test_every_imported_page_is_in_the_toctree_tree(into: str) -> None:
    sources = {
        **WIKI_TREE,
        "Guide.md": "g",
        "Guide/Deep/Deeper/x.md": "x",
        "page one.md": "1",
        "Page_One.md": "2",
    }
    existing = existing_of(STARTER, texts=tuple(section_chain(into)))
    plan = plan_of(sources, existing=existing, into=into)
    files = {**STARTER, **{p: d.decode() for p, d in plan.files.items() if p.endswith(".md")}}
    catalog = catalog_of(files)
    assert catalog.orphans() == []
    assert len(catalog) == len(STARTER) + plan.pages + len(kinds(plan, "index"))


# -- attachments ---------------------------------------------------------------------------


def test_linked_images_become_attachments_of_the_first_page() -> None:
    plan = plan_of(
        {
            "A Page.md": "![Diagram](Images/My Diagram.PNG) [[logo.png]]",
            "Sub/Other.md": "![again](../Images/My%20Diagram.PNG)",
            "Images/My Diagram.PNG": PNG,
            "logo.png": PNG,
        }
    )
    assert plan.files["a-page.files/my-diagram.png"] == PNG
    assert body(plan, "a-page.md") == (
        "![Diagram](a-page.files/my-diagram.png) ![logo.png](a-page.files/logo.png)"
    )
    assert body(plan, "sub/other.md") == "![again](../a-page.files/my-diagram.png)"
    assert plan.attachments == 2
    assert {e.path: e.message for e in kinds(plan, "attachment")} == {
        "Images/My Diagram.PNG": "attached to a-page.md as a-page.files/my-diagram.png",
        "logo.png": "attached to a-page.md as a-page.files/logo.png",
    }


def test_files_the_wiki_does_not_accept_are_skipped_and_links_kept() -> None:
    plan = plan_of({"Page.md": "[script](tool.exe) ![fake](fake.png)", "tool.exe": b"MZ\x00",
                    "fake.png": b"<html>not an image</html>"})  # fmt: skip
    assert body(plan, "page.md") == "[script](tool.exe) ![fake](fake.png)"
    assert plan.attachments == 0
    skipped = {e.path: e.message for e in kinds(plan, "skipped")}
    assert skipped["tool.exe"].startswith("cannot be attached: 'tool.exe' is not a kind of file")
    assert skipped["fake.png"].startswith("cannot be attached: 'fake.png' is named like a PNG")


def test_attachment_names_never_clash() -> None:
    plan = plan_of({"Page.md": "![a](a/pic.png) ![b](b/Pic.png)", "a/pic.png": PNG,
                    "b/Pic.png": PNG})  # fmt: skip
    assert body(plan, "page.md") == "![a](page.files/pic.png) ![b](page.files/pic-2.png)"


# -- the module ------------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["plan", "links", "pages", "nav"])
def test_the_planner_does_no_io(module: str) -> None:
    used, _ = imports_of(PACKAGE / "importing" / f"{module}.py")
    assert not used & {"os", "pathlib", "subprocess", "git", "flask", "click", "shutil"}
    assert Path(PACKAGE / "importing" / f"{module}.py").read_text().count("\n") < 420


def test_an_address_too_long_is_skipped_and_reported() -> None:
    deep = "/".join(["Folder " + "x" * 60] * 4)
    plan = plan_of({f"{deep}/page.md": "p", "ok.md": "o"})
    assert page_map(plan) == {"ok.md": "ok.md"}
    skipped = kinds(plan, "skipped")
    assert [e.path for e in skipped] == [deep + "/", f"{deep}/page.md"]
    assert "would be too long" in skipped[0].message
    assert all(e.severity == "warning" for e in skipped)
