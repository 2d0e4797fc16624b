"""linerender: the line scan's render is markdown-it's, byte for byte, or it declines.

A differential test: every page is rendered both ways (`render(..., line_scan=False)` is
markdown-it alone) and the whole `Rendered` must be equal whenever the scan took the
page; the lookups asked must be the same too, in the same order. Run over the starter
wiki, the test suite's markdown fixtures, generated corpus pages, and generated
fragments of lines and of inline text.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from masterywiki.content import linerender
from masterywiki.content.checkcache import Recorder
from masterywiki.content.markup import render, sanitize
from masterywiki.content.model import parse_document
from tests.content.test_checkscan import FILES, catalog_of, corpus_files, markdown_files

ROOT = Path(__file__).resolve().parents[2]


def compare(catalog: object, path: str, text: str) -> bool:
    """Whether the line scan rendered the page; if it did, exactly as markdown-it does."""
    document = parse_document(text)
    slow = Recorder(catalog)  # type: ignore[arg-type]
    want = render(document.body, slow, file=path, body_line=document.body_line, line_scan=False)
    fast = Recorder(catalog)  # type: ignore[arg-type]
    got = render(document.body, fast, file=path, body_line=document.body_line)
    assert got == want, f"{path}:\n{text}"
    taken = linerender.render_plain(
        document.body.replace("\r\n", "\n").replace("\r", "\n"),
        Recorder(catalog),  # type: ignore[arg-type]
        path,
        document.body_line,
    )
    if taken is not None:
        assert list(fast.asked.items()) == list(slow.asked.items()), f"{path}:\n{text}"
    return taken is not None


def test_the_starter_wiki() -> None:
    files = markdown_files(ROOT / "wiki")
    catalog = catalog_of(files)
    for path, text in files.items():  # its pages show off markup: most are declined
        compare(catalog, path, text)


@pytest.mark.parametrize("folder", sorted((ROOT / "tests" / "data").iterdir()))
def test_the_fixtures(folder: Path) -> None:
    files = markdown_files(folder)
    catalog = catalog_of(files)
    for path, text in files.items():
        compare(catalog, path, text)


def test_generated_corpus_pages() -> None:
    files = corpus_files()
    catalog = catalog_of(files)
    sample = sorted(files)[::10]
    fast = sum(compare(catalog, path, files[path]) for path in sample)
    # Every generated page but the section indexes (their toctrees) takes the line scan.
    assert fast >= len(sample) - sum("index.md" in path for path in sample)


# Lines with the edge cases of each construct: those read here, and those declined (or
# read only in some places), drawn less often so that many pages are read.
READ = [
    *[""] * 10,
    "# Title", "## Title", "### Same", "### Same", "## Same-1", "###### Six [a](a.md)",
    "## [b](sub/b.md) and more", "# 2024 review", "Para with [a link](a.md) and text.",
    "Text [b](sub/b.md#frag)", "x [a](../a.md)", "x [a](/a.md)", "x [a](a.md#)", "x ]",
    "Plain words, quotes \"q\" and 's' and x>y.", "caf\u00e9 \u00e9t\u00e9", "1.5 is a number",
    "2024 was a year", "100% sure: (yes) #1 = +2 - 3 @x", "A", "Words", "- item",
    "- item [a](a.md)", "- Words and [b](sub/b.md)", "1. one", "2. two",
    "3. three [b](sub/b.md)", "10. ten", "01. zero", "| A | B |", "|---|---|", "| 1 | 2 |",
    "| [a](a.md) | x |", "| | |", "|--|--|", "|  spaced  |  cells  |", "| x |", "|---|",
]  # fmt: skip
DECLINED = [
    "#", "# #", "#### a ##", "# a#", "####### seven", "#no", "  # indented",
    "## Title {#pinned}", "# Title ", "[b](sub/b.md#frag)", "See [missing](nope.md).",
    "An ![img](a.md)", "x [a](a.md#x#y)", "x [ a ](a.md)", "x [a](a.md \"t\")", "x [a](<a.md>)",
    "x [a](https://x.org/a.md)", "x [a](pic.png)", "x [a](#top)", "x [](a.md)",
    "x [a] (a.md)", "x [a]", "Ends with two spaces  ", "Ends with a space ", "  Indented line",
    "    Code line", "Tab\there", "Under_score", "*emph*", "`code`", "a & b", "a < b",
    "{term}`rubric`", "$x$", "a \\ b", "a ~ b", "a ^ b", "Wow!", "- [a](a.md) first",
    "-  two spaces", "- ", "-", "- 1. x", "- # h", "* star", "+ plus", "---", "===", "- - -",
    "-x", "1) paren", "1234567890. long", "1.", "| a | b | c |", "|:---|---|", "| a | b",
    "a | b", "| - | - |", "||", "| `x` | y |", "> quote", ":::{note}", ":::", "```",
    "(target)=", "% comment", "+++", "<div>", "Term", ": definition",
]  # fmt: skip


def lines_of(rng: random.Random, count: int) -> list[str]:
    return [rng.choice(DECLINED if rng.random() < 0.04 else READ) for _ in range(count)]


def test_generated_fragments() -> None:
    catalog = catalog_of(FILES)
    rng = random.Random(31)
    fast = 0
    for _ in range(4000):
        lines = lines_of(rng, rng.randint(1, 14))
        fast += compare(catalog, "page.md", "\n".join(lines) + rng.choice(["", "\n"]))
    assert fast > 450  # the fragments exercise the line scan, not only its refusals


# Blocks in a row, so lists, tables and paragraphs meet each other with and without
# blank lines between them.
BLOCKS = [
    "", "", "", "", "# H", "## H", "Text", "More text [a](a.md)", "- a", "- b [a](a.md)",
    "1. a", "2. b", "5. c", "| A | B |\n|---|---|", "| 1 | 2 |", "| x |\n|---|",
    "# H [b](sub/b.md)", "---", "Setext", "==", "  - nested", "  lazy", "| A |",
]  # fmt: skip


def test_generated_blocks() -> None:
    catalog = catalog_of(FILES)
    rng = random.Random(32)
    fast = 0
    for _ in range(3000):
        lines = [
            rng.choice(BLOCKS[:-5] if rng.random() < 0.95 else BLOCKS)
            for _ in range(rng.randint(2, 16))
        ]
        fast += compare(catalog, "page.md", "\n".join(lines) + "\n")
    assert fast > 250


PLAIN = ["[", "]", "(", ")", "a.md", "sub/b.md", "#frag", "x", " ", " ", "word", "A", "1",
         "2.", ".", ",", ":", "#", "-", "\n", "\n", ">", "\"", "'", "](", "../", "%", "=",
         "+"]  # fmt: skip
MARKUP = ["!", "*", "_", "|", "<", "&", "\\", "`", "~", "{", "}", "$", "^", "[a](a.md)"]


def test_generated_inline_text() -> None:
    catalog = catalog_of(FILES)
    rng = random.Random(33)
    fast = 0
    for _ in range(4000):
        pieces = [
            rng.choice(MARKUP if rng.random() < 0.03 else PLAIN) for _ in range(rng.randint(1, 40))
        ]
        fast += compare(catalog, "page.md", "".join(pieces))
    assert fast > 120


@pytest.mark.parametrize(
    "body",
    [
        "[a](nope.md)\n",  # a problem: its line is the render's to say
        "a [a](nope.md)\n",
        "- a\nlazy\n",
        "a\n- b\n",  # a list in a paragraph's place
        "| a |\n|:-:|\n",  # an alignment
        "| a | b |\n|---|---|\n| 1 |\n",  # a short row
        "a\n\n" * 20_000,  # near the render budget
    ],
)
def test_declines(body: str) -> None:
    assert linerender.render_plain(body, catalog_of(FILES), "page.md", 1) is None


def test_renders_a_plain_page() -> None:
    body = "# T\n\nSee [A](a.md#part).\n\n- one\n- two\n\n3. x\n\n| A | B |\n|---|---|\n| 1 | |\n"
    plain = linerender.render_plain(body, catalog_of(FILES), "page.md", 5)
    assert plain is not None
    assert [(h.id, h.text, h.line) for h in plain.headings] == [("t", "T", 5)]
    assert list(plain.links) == ["a"]
    assert '<ol start="3">' in plain.html and "<td></td>" in plain.html


def test_reads_a_loose_list_as_markdown_it_does() -> None:
    # Items of one kind after a blank line go on with the list, each a paragraph.
    assert compare(catalog_of(FILES), "page.md", "1. a\n2. b\n\n1. c\n\n- d\n\n\n- e\n")


def test_writes_its_html_as_the_sanitizer_does() -> None:
    # Its HTML is not sanitized again: quotes and `>` come out as nh3 writes them.
    body = (
        '# "Q" \'s\' > x\n\nA "quoted" \'word\', x > y [A "b" > c](a.md).\n\n'
        '- it\'s > "that"\n\n| "h" | \'g\' > |\n|---|---|\n| > | "" |\n'
    )
    plain = linerender.render_plain(body, catalog_of(FILES), "page.md", 1)
    assert plain is not None
    assert sanitize(plain.html) == plain.html
    assert compare(catalog_of(FILES), "page.md", body)
