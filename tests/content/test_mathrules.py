"""Math (`$…$`, `$$…$$`, `{math}`) and `{mermaid}` diagrams through the real renderer:
kept as escaped text in the page, for the browser to typeset and search to index."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from masterywiki.content import mathrules
from masterywiki.content.markup import Rendered
from tests.content.test_markup import rendered


def soup(page: Rendered) -> BeautifulSoup:
    return BeautifulSoup(page.html, "html.parser")


def test_inline_math_is_a_span_holding_the_tex() -> None:
    page = rendered("The mean is $\\bar{x} = \\frac{1}{n}\\sum x_i$ here.\n")
    math = soup(page).select("p > span.math.math-inline")
    assert [span.get_text() for span in math] == ["\\bar{x} = \\frac{1}{n}\\sum x_i"]
    assert page.text == "The mean is \\bar{x} = \\frac{1}{n}\\sum x_i here."
    assert page.problems == ()


@pytest.mark.parametrize(
    "source",
    [
        "$$\n\\sigma^2 = \\frac{1}{n}\n$$\n",
        "$$\\sigma^2 = \\frac{1}{n}$$\n",
        "```{math}\n\\sigma^2 = \\frac{1}{n}\n```\n",
        ":::{math}\n\\sigma^2 = \\frac{1}{n}\n:::\n",
    ],
)
def test_display_math_is_a_block(source: str) -> None:
    page = rendered(source)
    (block,) = soup(page).select("div.math.math-display")
    assert block.get_text() == "\\sigma^2 = \\frac{1}{n}"
    assert "\\sigma^2" in page.text
    assert page.problems == ()


def test_display_math_inside_a_paragraph_and_the_math_role() -> None:
    page = soup(rendered("So $$a^2 + b^2$$ and {math}`c^2` hold.\n"))
    assert page.select_one("p > span.math-display").get_text() == "a^2 + b^2"
    assert page.select_one("p > span.math-inline").get_text() == "c^2"


def test_display_math_right_after_a_sentence() -> None:
    page = soup(rendered("The variance is\n$$\n\\sigma^2 = 1\n$$\nso there.\n"))
    assert page.select_one("p > span.math-display").get_text() == "\\sigma^2 = 1"


def test_display_math_in_a_list_item() -> None:
    page = soup(rendered("- first\n\n  $$\n  x = 1\n  $$\n- second\n"))
    assert page.select_one("li div.math-display").get_text() == "x = 1"
    assert len(page.select("li")) == 2


@pytest.mark.parametrize(
    "source",
    [
        "It costs $5 and $10 now.",  # closing `$` after a space
        "From $5-$10 a head.",  # closing `$` before a digit
        "A $ spaced $ pair.",  # opening `$` before a space
        "Escaped \\$a$ and b$ stay.",  # the escaped `$` opens nothing
        "`$a$` in code.",
        "Empty $$ here.",
        "Blank $$   $$ pair.",
        "One $ alone.",
    ],
)
def test_dollars_that_are_not_math_stay_text(source: str) -> None:
    page = soup(rendered(source + "\n"))
    assert page.select(".math") == []


def test_an_escaped_dollar_inside_math_does_not_close_it() -> None:
    page = soup(rendered("Cost $a \\$ b$ paid.\n"))
    assert page.select_one(".math").get_text() == "a \\$ b"


def test_an_unclosed_display_block_is_a_paragraph() -> None:
    page = soup(rendered("$$\nx = 1\n\nmore\n"))
    assert page.select(".math") == []
    assert page.select_one("p").get_text().startswith("$$")


def test_a_display_block_spans_only_so_many_lines() -> None:
    lines = "x\n" * (mathrules.MAX_DISPLAY_LINES + 5)
    assert soup(rendered(f"$$\n{lines}$$\n")).select("div.math") == []
    lines = "x\n" * (mathrules.MAX_DISPLAY_LINES - 5)
    assert soup(rendered(f"$$\n{lines}$$\n")).select("div.math")


@pytest.mark.parametrize(
    "source",
    [
        "$a <script>alert(1)</script> b$\n",
        "$$\n</div><script>alert(1)</script>\n$$\n",
        "```{math}\n<img src=x onerror=alert(1)>\n```\n",
        "```{mermaid}\ngraph TD\n  A[<script>alert(1)</script>] --> B\n```\n",
    ],
)
def test_markup_in_math_and_diagrams_stays_text(source: str) -> None:
    page = rendered(source)
    html = soup(page)
    assert html.select("script, img, [onerror]") == []
    shown = html.select_one(".math, pre.mermaid")
    assert shown is not None and ("<script>" in shown.get_text() or "<img" in shown.get_text())


def test_a_mermaid_diagram_keeps_its_source_as_text() -> None:
    source = "```{mermaid}\nflowchart LR\n  Practice --> Evidence\n```\n"
    page = rendered(source)
    (diagram,) = soup(page).select("figure.diagram > pre.mermaid")
    assert diagram.get_text() == "flowchart LR\n  Practice --> Evidence"
    assert "Practice --> Evidence" in page.text  # indexed for search
    assert page.problems == ()


def test_a_plain_mermaid_code_block_stays_code() -> None:
    page = soup(rendered("```mermaid\ngraph TD\n```\n"))
    assert page.select("pre.mermaid") == []
    assert page.select_one("pre code").get_text() == "graph TD\n"
