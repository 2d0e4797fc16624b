"""The static sidebar: made entry by entry, it equals the whole tree cut down."""

from __future__ import annotations

import pytest

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, NavNode
from masterywiki.content.sidebar import SIDEBAR_AROUND as NAV_AROUND
from masterywiki.content.sidebar import SIDEBAR_FULL as NAV_FULL
from masterywiki.site.sitemap import static_sidebar
from tests.content.test_catalog import catalog_of


def cut_down(parent: str, level: tuple[NavNode, ...]) -> tuple[NavNode, ...]:
    """The sidebar as it was first made: every entry, then the window around the path."""
    if len(level) <= NAV_FULL:
        return level
    at = next((i for i, n in enumerate(level) if n.current or n.open), 0)
    start, end = max(0, at - NAV_AROUND), min(len(level), at + NAV_AROUND + 1)
    url = names.url_for_name(parent)
    shown = list(level[start:end])
    if start:
        shown.insert(0, NavNode(parent, "", url, skipped=start))
    if end < len(level):
        shown.append(NavNode(parent, "", url, skipped=len(level) - end))
    return tuple(shown)


def toctree(entries: list[str]) -> str:
    return "```{toctree}\n" + "\n".join(entries) + "\n```\n"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """A home page with 60 sections; section 3 has 100 pages, its page 50 has 35."""
    files = {"index.md": "# Home\n\n" + toctree([f"s{i}/index" for i in range(60)])}
    for i in range(60):
        files[f"s{i}/index.md"] = f"# Section {i}\n\n" + toctree(
            [f"p{j}" for j in range(100 if i == 3 else 2)]
        )
    for j in range(100):
        files[f"s3/p{j}.md"] = f"# Page {j}\n"
    files["s3/p50.md"] = "# Page 50\n\n" + toctree([f"p50/c{k}" for k in range(35)])
    for k in range(35):
        files[f"s3/p50/c{k}.md"] = f"# Child {k}\n"
    return catalog_of(files)


@pytest.mark.parametrize(
    "current",
    ["index", "s0/index", "s3/index", "s3/p0", "s3/p5", "s3/p50", "s3/p99", "s3/p50/c34",
     "s39/p1", "s20/index"],
)  # fmt: skip
def test_the_static_sidebar_equals_the_whole_sidebar_cut_down(
    catalog: Catalog, current: str
) -> None:
    assert static_sidebar(catalog, current) == catalog.sidebar(current, cut_down)


def test_only_the_window_around_the_path_is_shown(catalog: Catalog) -> None:
    sections = static_sidebar(catalog, "s3/p50/c34")
    assert sections[0].title == "Section 0"  # section 3 is near the start: no "earlier"
    assert sections[-1].skipped == 60 - (3 + NAV_AROUND + 1)
    (section,) = [n for n in sections if n.open]
    children = section.children
    assert (children[0].skipped, children[-1].skipped) == (50 - NAV_AROUND, 100 - 51 - NAV_AROUND)
    (page,) = [n for n in section.children if n.open]
    assert [n.title for n in page.children][-1] == "Child 34"


def test_links_resolved_once_follow_added_and_removed_urls() -> None:
    from masterywiki.site.sitemap import SiteMap

    site = SiteMap()
    site.add("/a", "a/index.html")
    html = '<a href="/a">A</a> <a href="/b#x">B</a>'
    assert site.rewrite(html, "c/index.html") == '<a href="../a/index.html">A</a> <a>B</a>'
    site.add("/b", "b/index.html")
    assert site.rewrite(html, "index.html") == (
        '<a href="a/index.html">A</a> <a href="b/index.html#x">B</a>'
    )
    site.remove("/a")
    assert site.rewrite(html, "index.html") == '<a>A</a> <a href="b/index.html#x">B</a>'
