"""Reading mkdocs.yml (pure): tolerant of tags, never executing, never raising."""

from __future__ import annotations

import pytest

from masterywiki.importing.nav import MkDocs, NavItem, order_from_nav, read_mkdocs

CALLED: list[str] = []


def side_effect(*args: object) -> None:
    """Named by a `!!python/object/apply:` tag below: reading must never call it."""
    CALLED.append("called")


def test_settings_and_nav_are_read() -> None:
    config = read_mkdocs(
        "site_name: Handbook\ndocs_dir: pages\nnav:\n"
        "  - index.md\n"
        "  - Grading: policies/grading.md\n"
        "  - Policies:\n"
        "      - policies/attendance.md\n"
        "  - 2024: archive/2024.md\n"
    )
    assert (config.site_name, config.docs_dir, config.notes) == ("Handbook", "pages", ())
    assert config.nav == (
        NavItem(None, "index.md", 4),
        NavItem("Grading", "policies/grading.md", 5),
        NavItem("Policies", "", 6, (NavItem(None, "policies/attendance.md", 7),)),
        NavItem("2024", "archive/2024.md", 8),  # a title YAML would read as a number
    )


def test_unknown_tags_are_tolerated_and_nothing_runs() -> None:
    config = read_mkdocs(
        "site_name: !ENV [SITE_NAME, 'Handbook']\n"
        "markdown_extensions:\n"
        "  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "hooks: !!python/object/apply:tests.importing.test_nav.side_effect ['boom']\n"
        "docs_dir: !relative docs\n"
        "nav:\n  - Home: index.md\n"
    )
    assert CALLED == []
    assert config.notes == ()
    assert config.site_name is None  # an !ENV list is not a name
    assert config.docs_dir == "docs"
    assert config.nav == (NavItem("Home", "index.md", 8),)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "nav:\n  - A: a.md\n   - b.md\n",
            3,
            "cannot be read: while parsing a block collection, expected <block end>",
        ),
        ("nav: [a.md\n", 2, "cannot be read: while parsing a flow sequence, expected ',' or ']'"),
        (
            "a: 1\n---\nb: 2\n",
            2,
            "cannot be read: expected a single document in the stream, but found another document",
        ),
        ("nav: *nothing\n", 1, "cannot be read: found undefined alias"),
        ("- just\n- a list\n", 0, "holds no settings; pages keep their natural order"),
        ("nav: index.md\n", 1, "nav is not a list; pages keep their natural order"),
    ],
)
def test_what_cannot_be_read_is_a_warning_and_no_nav(text: str, line: int, message: str) -> None:
    config = read_mkdocs(text)
    assert config.nav is None
    (note,) = config.notes
    assert (note.kind, note.line, note.severity) == ("nav", line, "warning")
    assert note.message.startswith(message)


def test_malformed_yaml_still_gives_the_docs_folder_and_site_name() -> None:
    config = read_mkdocs("site_name: 'Old Site'\ndocs_dir: content # here\nnav: [\n")
    assert (config.site_name, config.docs_dir, config.nav) == ("Old Site", "content", None)


def test_entries_not_understood_are_left_out_with_a_warning() -> None:
    config = read_mkdocs("nav:\n  - a.md\n  - {A: a.md, B: b.md}\n  - [x.md]\n  - C:\n  - d.md\n")
    assert config.nav == (NavItem(None, "a.md", 2), NavItem(None, "d.md", 6))
    assert [(n.line, n.kind) for n in config.notes] == [(3, "nav"), (4, "nav"), (5, "nav")]
    assert "nav entry not understood" in config.notes[0].message


def test_an_alias_that_contains_itself_stops() -> None:
    config = read_mkdocs("nav: &loop\n  - Again: *loop\n")
    assert config.nav is not None
    assert any("nested deeper than" in n.message for n in config.notes)


def test_an_alias_bomb_is_cut_off_at_the_entry_limit() -> None:
    # nine levels of ten aliases each: a billion entries if expanded
    lines = ["a0: &a0 [" + ", ".join(["x.md"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"{{S: *a{i - 1}}}"] * 10) + "]" for i in range(1, 9)]
    config = read_mkdocs("\n".join([*lines, "nav: [{S: *a8}]"]))
    assert config.nav is not None
    assert any("more than 100,000 nav entries" in n.message for n in config.notes)


def test_an_empty_file_is_no_project_problem() -> None:
    assert read_mkdocs("") == MkDocs()
    assert read_mkdocs("site_name: x\n").nav is None


# -- the order it gives --------------------------------------------------------------------

PAGES = ["index.md", "a.md", "b.md", "z.md", "g/x.md", "g/y.md", "g/deep/d.md", "other/o.md"]


def test_ranks_follow_the_nav_depth_first() -> None:
    config = read_mkdocs(
        "nav:\n  - z.md\n  - Group:\n    - g/y.md\n    - X title: g/x.md\n  - a.md\n  - a.md\n"
    )
    order = order_from_nav(config, PAGES)
    assert order.page_ranks == {"z.md": 0, "g/y.md": 1, "g/x.md": 2, "a.md": 3}
    assert order.folder_ranks == {"g": 1}
    assert order.titles == {"g/x.md": "X title"}
    assert order.folder_titles == {"g": "Group"}
    by_key = sorted(
        [(p, False) for p in ("index.md", "a.md", "b.md", "z.md")] + [("g", True), ("other", True)],
        key=lambda item: order.key(*item),
    )
    assert [p for p, _ in by_key][:3] == ["z.md", "g", "a.md"]
    assert order.key("b.md", False) < order.key("other", True)  # the rest: pages first


def test_a_section_matches_the_folder_its_pages_share() -> None:
    config = read_mkdocs(
        "nav:\n"
        "  - Mixed:\n      - a.md\n      - g/x.md\n"  # root and g: no folder of its own
        "  - Deep:\n      - Deeper:\n          - g/deep/d.md\n"
        "  - Named folder: other/\n"
    )
    order = order_from_nav(config, PAGES)
    assert order.folder_titles == {"g/deep": "Deep", "other": "Named folder"}
    assert order.folder_ranks["other"] == 3


def test_nav_problems_are_notes() -> None:
    config = read_mkdocs(
        "nav:\n  - Blog: https://example.org\n  - Missing: nowhere.md\n  - ../outside.md\n"
        "  - A.MD\n"
    )
    order = order_from_nav(config, PAGES)
    assert order.page_ranks == {"a.md": 0}  # matched without regard to case
    assert [(n.kind, n.line, n.severity) for n in order.notes] == [
        ("skipped", 2, "warning"),
        ("unresolved", 3, "warning"),
        ("unresolved", 4, "warning"),
        ("nav", 0, "info"),
    ]
    assert order.notes[0].message == (
        "nav link to https://example.org (Blog): not a page; left out of the toctrees"
    )
    assert order.notes[-1].message.startswith(
        "the nav orders 1 page; the 7 it does not name are listed after them, in natural "
        "order: b.md, g/deep/d.md, g/x.md, g/y.md, index.md, other/o.md, z.md"
    )


def test_no_nav_keeps_the_natural_order() -> None:
    order = order_from_nav(read_mkdocs("site_name: x\n"), PAGES)
    assert order.page_ranks == {} and order.notes == ()
    assert order.key("a.md", False) == order.key("z.md", False) < order.key("g", True)
