"""The catalog's fast scan agrees with what the page says."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from masterywiki.content.docinfo import (
    Reference,
    TocEntry,
    pack_entries,
    pack_references,
    plain_inline,
    references_of,
    scan,
    split_explicit_title,
    unpack_references,
)


def test_title_summary_labels_and_toctree() -> None:
    info = scan(
        "---\nsummary: Given.\n---\n"
        "# The *Grading* Policy\n\n"
        "Intro with {term}`rubric` and [a link](x.md).\n\n"
        "```python\n# not a heading\n(not-a-label)=\n```\n\n"
        "(principles)=\n## Principles {#pinned}\n\n"
        "```{toctree}\n:caption: Parts\n:maxdepth: 2\n\nfirst\nSecond <second>\n```\n"
    )
    assert info.heading_title == "The Grading Policy"
    assert info.first_paragraph is None  # the front matter's summary sums the page up
    unsummed = scan("# T\n\nIntro with {term}`rubric` and [a link](x.md).\n")
    assert unsummed.first_paragraph == "Intro with rubric and a link."
    assert [(lb.name, lb.title, lb.line) for lb in info.labels] == [
        ("principles", "Principles", 13)
    ]
    (toctree,) = info.toctrees
    assert toctree.caption == "Parts"
    assert toctree.maxdepth == 2
    assert [(e.target, e.title, e.line) for e in toctree.entries] == [
        ("first", None, 20),
        ("second", "Second", 21),
    ]


def test_setext_heading_and_colon_toctree() -> None:
    info = scan("Setext Title\n============\n\n:::{toctree}\nchild\n:::\n")
    assert info.heading_title == "Setext Title"
    assert [e.target for e in info.toctrees[0].entries] == ["child"]


def test_long_first_paragraph_is_shortened() -> None:
    info = scan("# T\n\n" + "word " * 200)
    assert info.first_paragraph is not None
    assert len(info.first_paragraph) <= 220 and info.first_paragraph.endswith("…")


def test_plain_inline() -> None:
    assert plain_inline("**Bold** {doc}`the page <x>` and `code`") == "Bold the page and code"


def test_references_are_collected_outside_code_but_inside_admonitions() -> None:
    info = scan(
        "# T\n\n"
        "See {doc}`the rubric <../glossary/rubric>` and [x](other.md#part).\n\n"
        ":::{tip}\nA {term}`Rubric` and {ref}`principles`.\n:::\n\n"
        "```md\n{doc}`not-a-link` [y](code.md)\n```\n\n"
        "[site](https://example.org/page.md)\n"
    )
    found = [(r.kind, r.target, r.line) for r in info.references]
    assert found == [
        ("doc", "../glossary/rubric", 3),
        ("link", "other.md", 3),
        ("term", "Rubric", 6),
        ("ref", "principles", 6),
    ]


def test_headings_inside_admonitions_and_fences_after_them() -> None:
    info = scan(":::{note}\n(lbl)=\n## Inside\n:::\n\n```{toctree}\nchild\n```\n")
    assert [lb.title for lb in info.labels] == ["Inside"]
    assert [e.target for e in info.toctrees[0].entries] == ["child"]


OLD_EXPLICIT_TITLE = re.compile(r"^(.*?)\s*<([^<>]+)>$")


@given(st.lists(st.sampled_from(["a", " ", "  ", "\n", "<", ">", "<b>", "x y"]), max_size=10))
def test_explicit_titles_split_as_before(pieces: list[str]) -> None:
    # The old pattern retried its spaces at every position: O(n²) on a long run of them.
    text = "".join(pieces)
    match = OLD_EXPLICIT_TITLE.match(text.strip())
    old = (match.group(1), match.group(2).strip()) if match and match.group(1) else None
    assert split_explicit_title(text) == (old or (None, text.strip()))


def test_link_text_and_addresses_with_parentheses() -> None:
    assert plain_inline("See [the rubric](https://w.org/Rubric_(grading)) now.") == (
        "See the rubric now."
    )
    assert plain_inline("[a [b](x.md)") == "[a b"  # a bracket without its pair stays


def test_references_are_kept_packed_and_read_back_whole() -> None:
    info = scan("See {doc}`/a/b` and [x](c.md#part) and ![p](d.files/p.png).\n\n{term}`Rubric`\n")
    assert isinstance(info.packed_references, bytes)
    assert [(r.kind, r.target, r.line, r.fragment) for r in info.references] == [
        ("doc", "/a/b", 1, ""),
        ("link", "c.md", 1, "part"),
        ("file", "d.files/p.png", 1, ""),
        ("term", "Rubric", 3, ""),
    ]
    assert scan("No links here.\n").references == ()


def test_a_reference_holding_a_separator_is_kept_as_it_is() -> None:
    odd = (Reference("term", "odd\x1fterm", 4), Reference("doc", "/a", 5))
    assert pack_references(odd) == odd
    assert unpack_references(pack_references(odd)) == odd


def test_toctree_entries_are_kept_packed_and_read_back_whole() -> None:
    info = scan("```{toctree}\n:maxdepth: 2\n\nfirst\nShown title <sub/second>\n```\n")
    (toctree,) = info.toctrees
    assert isinstance(toctree.packed_entries, str)
    assert toctree.entries == (TocEntry("first", None, 4), TocEntry("sub/second", "Shown title", 5))
    assert toctree.maxdepth == 2
    assert scan("```{toctree}\n:hidden:\n```\n").toctrees[0].entries == ()


def test_a_toctree_entry_holding_a_separator_is_kept_as_it_is() -> None:
    odd = [TocEntry("odd\x1epage", None, 3), TocEntry("b", "B", 4)]
    assert pack_entries(odd) == tuple(odd)


def test_repeated_values_are_kept_once_across_pages() -> None:
    """A server keeps every page's scan: equal values that repeat are one string."""
    first = scan("---\ntitle: Rubric\ntype: term\ntags: [grading]\n---\n# Rubric\n")
    second = scan("---\ntitle: Scale\ntype: term\ntags: [grading]\n---\n# Other\n")
    assert first.front_matter.type is second.front_matter.type
    assert first.front_matter.tags is second.front_matter.tags  # the same tags: one tuple
    assert (
        first.front_matter.extra == {}
        and first.front_matter.extra is scan("# A\n").front_matter.extra
    )
    other = scan("---\ntags: [grading, habits]\nlang: es\n---\n# B\n").front_matter
    assert other.tags == ("grading", "habits") and other.extra == {"lang": "es"}
    assert first.heading_title is first.front_matter.title  # the same text, one string
    assert second.heading_title == "Other"


_KINDS = st.sampled_from(["doc", "term", "ref", "link", "file"])
_TEXT = st.sampled_from(["", "a", "link", "file", "x.md", "a/b.md", "linkfile", "top", "\x1e"])


@given(
    st.lists(st.tuples(_KINDS, _TEXT, st.integers(0, 9999), _TEXT), max_size=6),
    _KINDS,
    st.booleans(),
)
def test_references_of_one_kind_are_found_without_unpacking_the_others(
    fields: list[tuple[str, str, int, str]], kind: str, with_fragment: bool
) -> None:
    packed = pack_references(tuple(Reference(*f) for f in fields))
    wanted = [
        r for r in unpack_references(packed) if r.kind == kind and (r.fragment or not with_fragment)
    ]
    assert references_of(packed, kind, with_fragment) == wanted


MARKDOWN_PIECES = ["Word", "word", " ", "    ", "\n", "\n\n", "# ", "## ", "===", "---", "- ",
                   "1. ", "> ", "| a |", "(lbl)=", "{term}`Rubric`", "{ref}`lbl`",
                   "[link](a.md)", "<b>", "{#pin}", "---\nsummary: S\n---\n"]  # fmt: skip


@given(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=30))
def test_a_page_without_fences_scans_as_with_one(pieces: list[str]) -> None:
    # Without a fence no line is classified: the scan is the same as with one at the end.
    body = "".join(pieces)
    assert scan(body) == scan(body + "\n\n```\n```\n")


def test_prose_lines_make_paragraphs_and_setext_headings() -> None:
    info = scan("First words\nand more {term}`Rubric`\n   \nTitle here\n=====\n")
    assert info.first_paragraph == "First words and more Rubric"
    assert info.heading_title == "Title here"
    assert [r.target for r in info.references] == ["Rubric"]
