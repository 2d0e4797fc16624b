"""The sidebar tree: opened along the path, and windowed in a long toctree level."""

from __future__ import annotations

from masterywiki.content.catalog import Catalog
from masterywiki.content.sidebar import SIDEBAR_FULL, NavNode
from tests.content.test_catalog import catalog_of

WIDE = 300  # pages in one toctree level, far more than SIDEBAR_FULL


def wide_section() -> Catalog:
    files = {
        "index.md": "```{toctree}\nwide/index\nsmall\n```",
        "small.md": "# Small",
        "wide/index.md": "# Wide\n\n```{toctree}\n"
        + "\n".join(f"p{i:03d}" for i in range(WIDE))
        + "\n```",
    }
    files.update({f"wide/p{i:03d}.md": f"# Page {i}" for i in range(WIDE)})
    return catalog_of(files)


def level_under(tree: tuple[NavNode, ...], name: str) -> tuple[NavNode, ...]:
    return next(node for node in tree if node.name == name).children


def test_a_long_level_shows_a_window_around_the_current_page_with_gaps() -> None:
    tree = wide_section().sidebar("wide/p150", window=5)
    shown = level_under(tree, "wide")
    assert [n.skipped for n in (shown[0], shown[-1])] == [145, WIDE - 156]
    assert [n.name for n in shown[1:-1]] == [f"wide/p{i:03d}" for i in range(145, 156)]
    assert shown[6].current
    # A gap links to the section, whose page lists every entry.
    assert shown[0].url == shown[-1].url == "/wide"
    # The gaps and the window account for every entry of the level.
    assert sum(n.skipped or 1 for n in shown) == WIDE


def test_the_window_is_cut_at_the_ends_of_the_level() -> None:
    catalog = wide_section()
    first = level_under(catalog.sidebar("wide/p000", window=5), "wide")
    assert first[0].name == "wide/p000" and first[0].current
    assert [n.skipped for n in first] == [0] * 6 + [WIDE - 6]
    last = level_under(catalog.sidebar("wide/p299", window=5), "wide")
    assert last[0].skipped == WIDE - 6 and last[-1].current
    # On the section's own page, its level starts at the beginning.
    section = level_under(catalog.sidebar("wide", window=5), "wide")
    assert section[0].name == "wide/p000" and section[-1].skipped == WIDE - 6


def test_short_levels_and_no_window_show_everything() -> None:
    catalog = wide_section()
    assert len(level_under(catalog.sidebar("wide/p150"), "wide")) == WIDE
    top = catalog.sidebar("wide/p150", window=0)
    assert len(top) == 2 <= SIDEBAR_FULL  # the top level is short: shown whole
