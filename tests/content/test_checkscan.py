"""checkscan: the fast scan gives exactly the render's PageCheck, or declines.

A differential test: every page it reads is also rendered, and the two results (problems,
heading ids, lookup keys in order) must be equal. Run over the starter wiki, the test
suite's markdown fixtures, generated corpus pages, and generated fragments.
"""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.check import body_of
from masterywiki.content.checkcache import PageCheck, Recorder
from masterywiki.content.checkscan import (
    _ODD_CHARACTERS,
    left_to_the_render,
    prescan,
    replay,
    scan_check,
)
from masterywiki.content.docinfo import scan
from masterywiki.content.markup import render
from masterywiki.content.model import parse_document

ROOT = Path(__file__).resolve().parents[2]


class Page(NamedTuple):
    blob: str
    file: str


def catalog_of(files: dict[str, str]) -> Catalog:
    records = {}
    for path, text in files.items():
        name = names.name_for_file(path)
        if name is None or name in records:
            continue
        blob = hashlib.sha1(text.encode()).hexdigest()
        records[name] = PageRecord(name, path, blob, scan(text))
    return Catalog(records)


def compare(catalog: Catalog, path: str, text: str) -> bool:
    """Whether the scan read the page; if it did, its result is the render's."""
    document = parse_document(text)
    page = Page("blob", path)
    rendering = Recorder(catalog)
    rendered = render(document.body, rendering, file=path, body_line=document.body_line)
    want = PageCheck.of(page, rendered, rendering.asked)  # type: ignore[arg-type]
    scanning = Recorder(catalog)
    anchors = scan_check(document.body, scanning, path)
    # In two steps (as `check` does on a cold start): the same, or both decline.
    early = prescan(document.body)
    if early is None:
        assert anchors is None
    else:
        replaying = Recorder(catalog)
        assert replay(early[1], replaying, path) == (anchors is not None)
        if anchors is not None:
            assert early[0] == "\n".join(anchors)
            assert list(replaying.asked.items()) == list(scanning.asked.items())
    if anchors is None:
        return False
    got = PageCheck.scanned(page, anchors, scanning.asked)  # type: ignore[arg-type]
    assert got == want, f"{path}:\n{text}"
    return True


def markdown_files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.md"))
    }


def test_the_starter_wiki() -> None:
    files = markdown_files(ROOT / "wiki")
    catalog = catalog_of(files)
    fast = sum(compare(catalog, path, text) for path, text in files.items())
    # Measured: 93 of its 105 pages (footnotes, raw HTML and math make the others).
    assert fast >= 0.8 * len(files)


@pytest.mark.parametrize("folder", sorted((ROOT / "tests" / "data").iterdir()))
def test_the_fixtures(folder: Path) -> None:
    files = markdown_files(folder)
    catalog = catalog_of(files)
    for path, text in files.items():
        compare(catalog, path, text)


def corpus_files(pages: int = 2000) -> dict[str, str]:
    """The pages of a generated benchmark corpus (bench/corpus.py), by path."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import corpus  # type: ignore[import-not-found]  # bench/ is no package
    finally:
        sys.path.pop(0)
    spec = corpus.CorpusSpec(pages=pages, history=0, seed=1)
    return {path: text.decode() for path, text in corpus.initial_files(spec).items()}


def test_generated_corpus_pages() -> None:
    files = corpus_files()
    catalog = catalog_of(files)
    sample = sorted(files)[::10]
    fast = sum(compare(catalog, path, files[path]) for path in sample)
    assert fast == len(sample)  # every generated page takes the fast path


FILES = {
    "index.md": "# Home\n",
    "a.md": "# A\n\n(top)=\n## Part\n",
    "sub/b.md": "# B\n",
    "rubric.md": "---\ntype: term\naliases: [Scoring Guide]\n---\n# Rubric\n",
}

# Lines with the edge cases of each construct, the scan's and those it declines.
LINES = [
    *[""] * 8,
    "# Title", "## Title {#pinned}", "### Same", "### Same", "## Same-1", "#", "# #",
    "#### a ##", "# a#", "####### seven", "#no", "  # indented", "    # code", "## `x` *y*",
    "## [a](a.md) {term}`rubric`", "# Title", "Setext", "Same",
    "Para with [a link](a.md) and [ext](https://x.org/a.md).", "[b](sub/b.md#frag)",
    "[missing](nope.md)", "![img](a.md)", "![img](pic.png) [c](../a.md)", "[ ] task",
    "- [ ] task {term}`rubric`", "- [x] done", "[x]", "[a]: a.md", "[a][b]", "see [a",
    "text](a.md)", "[a] (a.md)", "[](a.md)", "[a](a.md \"t\")", "[a](<a.md>)", "[a](a b.md)",
    "[a](caf\u00e9.md)", "[a](A.MD)", "[a](a.md?x=1)", "[a](/a.md)", "[a](#top)",
    "{term}`rubric`", "{term}`Scoring   guide`", "{term}`nope`", "{doc}`a`", "{doc}`Shown <a>`",
    "{doc}`sub/b`", "{doc}`/index`", "{ref}`top`", "{ref}`nolabel`", "{math}`x^2`",
    "{kbd}`C`", "{foo}`x`", "{term}``rubric``", "{term}`rubric", "{term}`rubric``",
    "{not a role}", "{#id}", "`code [a](a.md)`", "``co`de``", "`unclosed", "`a` `` b ``",
    "a | b", "|---|---|", "| [a](a.md) | `x|y` |", "| x | y |", "--- | ---",
    "---", "===", "***", "- - -", "___", "-", "--", "- item [a](a.md)", "* item", "+ item",
    "*", "* ", "1. one [b](sub/b.md)", "2) two", "10. ten", "-     spaced", "- # h", "- ```",
    "  continued [a](a.md)", "   more", "    indented [a](a.md)", "    code", "    - nested",
    "      deeper {term}`rubric`", "     1. x", "  - sub item",
    "```", "```python", "```{toctree}", "````", "~~~", "~~~{note}", ":::{note}",
    ":::{tip} Arg [a](a.md)", "::::{warning}", ":::", "::::", ":::{admonition} Title",
    "```{note}", ":::{toctree}", ":hidden:", ":caption: C", "a", "sub/b", "Shown <a>",
    "missing-page", ":::{unknown}", "```{math}", "```{mermaid}", "``` `x`", "  ```",
    "> quote [a](a.md)", ">", "> # h", ">> nested", ">    code", "Term",
    ": definition {term}`rubric`", "~ def", ":", "(top)=", "(not a target)", "(x)= [a](a.md)",
    "% comment [a](a.md)",
    "% note", "+++", "+++ [a](a.md)", "<div>", "a <b>bold</b>", "&amp;", "a \\* b", "$x$",
    "$$", "[^1]", "[^1]: note", "^[inline]",
    "*emph* and **strong** [a](a.md)", "_under_", "~~strike~~", "Heading text",
    "   ### three-space heading", "Tail #", "a  ", "\tTab", "a\rb", "caf\u00e9 \u00e9t\u00e9",
]  # fmt: skip


INDENTS = ["", "", "", "", " ", "  ", "   ", "    ", "      "]


def test_generated_fragments() -> None:
    catalog = catalog_of(FILES)
    rng = random.Random(23)
    fast = 0
    for number in range(3000):
        indents = INDENTS if number % 2 else [""]
        lines = [rng.choice(indents) + rng.choice(LINES) for _ in range(rng.randint(1, 14))]
        fast += compare(catalog, "page.md", "\n".join(lines) + rng.choice(["", "\n"]))
    assert fast > 450  # the fragments exercise the fast path, not only its refusals


@pytest.mark.parametrize(
    "body",
    [
        "[a](nope.md)\n",  # a problem: its line is the render's to say
        "{term}`nope`\n",
        "{foo}`x`\n",
        ":::{unknown}\nx\n:::\n",
        "a <b>b</b>\n",  # raw HTML
        "[a]\n\n[a]: a.md\n",  # a reference
        "see [a\nb](a.md)\n",  # a link over two lines
        "a[^1]\n\n[^1]: {term}`rubric`\n",  # a footnote, rendered at the end
        "$x$\n",
        "- a\n\n  ```\n  [a](a.md)\n  ```\n",  # a fence in a list
        "a\n\n" * 20_000,  # near the render budget
    ],
)
def test_declines(body: str) -> None:
    assert scan_check(body, Recorder(catalog_of(FILES)), "page.md") is None


def test_reads_admonitions_and_their_headings_last() -> None:
    catalog = catalog_of(FILES)
    text = "# H\n\n:::{note} [a](a.md)\n## H\n:::\n\n## H\n"
    assert compare(catalog, "page.md", text)
    assert scan_check(text, Recorder(catalog), "page.md") == ("h", "h-1", "h-2")


@pytest.mark.parametrize(
    "text",
    [
        "", "---", "---\n", "---\ntitle: A\n---", "---\ntitle: A\n---\n# A\n", "--- \n---  \nx",
        "---\n...\nx\n", "----\n---\nx", "---x\n---\n", "---\na\n", "a\n---\nb\n---\n",
        "---\r\na: 1\r\n---\r\nbody", "---\na\n--- x\n---\nb", "---\n\n---\n\n\nb\n",
        "---\n---", "---\u3000\n---\u3000\nb",
    ],
)  # fmt: skip
def test_body_of_is_parse_documents_split(text: str) -> None:
    document = parse_document(text)
    assert body_of(text) == (document.body, document.body_line)


def test_body_of_on_every_page() -> None:
    for text in markdown_files(ROOT / "wiki").values():
        document = parse_document(text)
        assert body_of(text) == (document.body, document.body_line)


def test_odd_characters_are_found_the_fast_way_too() -> None:
    for code in [*range(160), 0x1680, 0x2000, 0x200B, 0x2028, 0x3000, 0xFEFF, 0xE9]:
        text = f"ab{chr(code)}cd"
        assert left_to_the_render(text) == (_ODD_CHARACTERS.search(text) is not None), code


# Admonitions in admonitions, fences of each kind and length, headings whose ids repeat
# inside and outside them (an admonition's headings get their ids after the page's).
BLOCKS = [
    "", "", "", "# H", "## H", "## H {#h-1}", "### H-1", "H", "---", "===", ":::{note}",
    ":::{note} # Arg", ":::{tip} [a](a.md)", "::::{warning}", ":::", "::::", ":::::",
    "```{note}", "```", "~~~{tip}", "~~~", "```{toctree}", "a", "sub/b", ":hidden:",
    ":::{admonition} # T", "{term}`rubric` text", "[a](a.md)", "- item", "  # nested", "> q",
    "text", "| a | b |", "|---|---|", ":::{seealso}", ":::{mermaid}", "graph", ":::{math}",
    "```python", "# code, not a heading", "(lbl)=", "% c", "Setext", "  ## indented h", "#",
    "## ##", "##### Deep #####",
]  # fmt: skip

# Pieces of inline text, joined at random: brackets, ticks and roles in every order.
PIECES = [
    "[", "]", "(", ")", "a.md", "sub/b.md", "`", "``", "{term}", "{doc}", "{ref}", "{kbd}",
    "rubric", "a", "top", " ", " ", "!", "*", "_", "|", "{", "}", ":", "#", "-", "x", "\n",
    "\n", "<", ">", "~", "](", ")[", "#frag", "../", "http://x.org/", "^", "%", "=", "\n\n",
    "1.", "+",
]  # fmt: skip


def test_generated_admonitions_and_fences() -> None:
    catalog = catalog_of(FILES)
    rng = random.Random(24)
    fast = 0
    for _ in range(1500):
        lines = [rng.choice(BLOCKS) for _ in range(rng.randint(2, 18))]
        fast += compare(catalog, "page.md", "\n".join(lines) + "\n")
    assert fast > 900


def test_generated_inline_text() -> None:
    catalog = catalog_of(FILES)
    rng = random.Random(25)
    fast = 0
    for _ in range(3000):
        fast += compare(catalog, "page.md", "".join(rng.choices(PIECES, k=rng.randint(1, 40))))
    assert fast > 450
