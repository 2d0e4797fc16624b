"""Any page within the size limit renders, and is scanned, about as fast as plain writing.

Each shape is timed against ordinary prose of the same size, rendered in the same
process, so a slower machine does not fail the test; before these limits the worst
shapes took minutes (or crashed), 40 times and more what prose takes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest
from bs4 import BeautifulSoup

from masterywiki.content import renderbudget
from masterywiki.content.directives import MAX_ADMONITION_DEPTH
from masterywiki.content.docinfo import scan
from masterywiki.content.markup import Rendered, render
from masterywiki.content.rawhtml import MAX_FORMATTING, MAX_OPEN, sanitize
from tests.content.test_markup import FakeResolver
from tests.pathological import SHAPES, WORST
from tests.timing import LINEAR_GROWTH, cpu_seconds, growth

SIZE = 1024 * 1024  # the default max_page_bytes
BOUND = 4  # times what rendering prose of the same size takes (the slowest shape: 1.4)


def rendered(text: str) -> Rendered:
    return render(text, FakeResolver(), file="framework/grading.md")


@cache
def prose_seconds() -> float:
    text = SHAPES["prose"](SIZE)
    return cpu_seconds(lambda: rendered(text), repeat=2)


def times_prose(work: Callable[[], object]) -> float:
    """CPU time of `work` over prose's; measured again if high, against a busy moment."""
    ratio = cpu_seconds(work) / prose_seconds()
    if ratio >= BOUND:
        prose_seconds.cache_clear()
        ratio = cpu_seconds(work) / prose_seconds()
    return ratio


def check_speed(shape: str) -> None:
    text = SHAPES[shape](SIZE)
    assert SIZE * 0.45 < len(text.encode()) <= SIZE * 1.01
    results: list[Rendered] = []  # the timed render's, checked rather than made again
    ratio = times_prose(lambda: results.append(rendered(text)))
    assert results[-1].html
    assert ratio < BOUND, f"rendering took {ratio:.1f} times as long as prose"
    ratio = times_prose(lambda: scan(text))
    assert ratio < BOUND, f"the scan took {ratio:.1f} times as long as rendering prose"


@pytest.mark.parametrize("shape", WORST)
def test_the_worst_shapes_render_quickly(shape: str) -> None:
    check_speed(shape)


@pytest.mark.slow
@pytest.mark.parametrize("shape", [name for name in SHAPES if name not in WORST])
def test_every_shape_renders_quickly(shape: str) -> None:
    check_speed(shape)


def test_past_the_budget_the_page_is_plain_text_and_reported() -> None:
    result = rendered("Intro.\n\n" + "## h\n" * 30_000 + "The end.\n")
    page = BeautifulSoup(result.html, "html.parser")
    ids = [h["id"] for h in page.select("h2")]
    assert 5_000 < len(ids) < 30_000
    assert ids[:3] == ["h", "h-1", "h-2"]  # the anchors people link to stay put
    rest = page.select_one("pre.unrendered").get_text()
    assert rest.startswith("## h\n") and rest.endswith("The end.\n")
    assert rest.count("## h") == 30_000 - len(ids)
    assert "The end." in result.text  # still searchable
    (problem,) = [p for p in result.problems if p.kind == "size"]
    assert problem.line == 3 + len(ids)  # the first line shown as plain text


def test_lines_past_the_line_limit_are_plain_text() -> None:
    lines = renderbudget.MAX_LINES
    result = rendered("word\n" * (lines + 10))
    page = BeautifulSoup(result.html, "html.parser")
    assert page.select_one("pre.unrendered").get_text().count("word") >= 10
    assert [p.kind for p in result.problems] == ["size"]


def test_a_long_page_of_ordinary_writing_renders_in_full() -> None:
    text = SHAPES["prose"](SIZE // 2)
    result = rendered(text)
    assert not [p for p in result.problems if p.kind == "size"]
    page = BeautifulSoup(result.html, "html.parser")
    assert page.select_one("pre.unrendered") is None
    assert len(page.select("p > a")) == text.count("[learning target]")


def test_admonitions_nest_only_so_deep() -> None:
    depth = MAX_ADMONITION_DEPTH + 3
    opening = "".join(":" * (3 + d) + "{note}\n" for d in reversed(range(depth)))
    closing = "".join(":" * (3 + d) + "\n" for d in range(depth))
    result = rendered(opening + "innermost\n" + closing)
    page = BeautifulSoup(result.html, "html.parser")
    assert len(page.select("aside.admonition")) == MAX_ADMONITION_DEPTH
    assert "innermost" in page.select_one("aside pre.unrendered").get_text()
    assert [p.kind for p in result.problems] == ["directive"]


def soup(source: str) -> BeautifulSoup:
    return BeautifulSoup(rendered(source).html, "html.parser")


def test_well_formed_raw_html_is_kept() -> None:
    page = soup(
        "<details>\n<summary>More</summary>\n\nSome *text*.\n\n</details>\n\n"
        "<table>\n<tr><td>a<td>b\n<tr><td>c<td>d\n</table>\n\n"
        'Keys <kbd>Ctrl</kbd> and <span title="a > b">x</span>.\n'
    )
    assert page.select_one("details summary").get_text() == "More"
    assert page.select_one("details p em").get_text() == "text"
    assert [td.get_text().strip() for td in page.select("table td")] == ["a", "b", "c", "d"]
    assert page.select_one("span")["title"] == "a > b"


def test_raw_html_nests_only_so_deep() -> None:
    result = rendered("<div>" * (MAX_OPEN + 5) + "x")
    page = BeautifulSoup(result.html, "html.parser")
    assert len(page.find_all("div")) == MAX_OPEN
    assert page.get_text().count("<div>") == 5
    assert [p.kind for p in result.problems] == ["html"]


def test_raw_formatting_elements_left_open_are_limited() -> None:
    opened = "".join(f'<b title="{n}">' for n in range(MAX_FORMATTING + 2))
    page = soup(opened + "bold\n\nnext\n\nlast\n")
    assert page.get_text().count("<b title=") == 2
    # html5ever opens the unclosed ones again after the paragraph, no more than these
    assert len(page.select("p")[-1].find_parents("b")) == MAX_FORMATTING
    assert len(page.find_all("b")) == 2 * MAX_FORMATTING


def test_an_end_tag_in_a_table_cell_closes_nothing_outside_it() -> None:
    page = soup('<div class="box">\n\n| a |\n|-|\n| </div> |\n\nafter\n\n</div>\n\nout\n')
    box = page.select_one("div.box")
    assert box.select_one("table") is not None
    assert "after" in box.get_text()
    assert "out" not in box.get_text()


def test_raw_html_that_would_swallow_the_page_is_text() -> None:
    page = soup("<div>\n<!-- never closed\n\nstill here\n")
    assert "still here" in page.get_text()
    page = soup("<div>\n<script>alert(1)</script>\n\nafter\n")
    assert page.find("script") is None and "alert" not in page.get_text()


def test_sanitizing_many_ampersands_is_fast_and_exact() -> None:
    def clean(repeats: int) -> None:
        text = "R&amp;D &nbsp; " * repeats
        assert sanitize(f"<p>{text}</p>") == f"<p>{text}</p>"

    # 3 s for 100,000 before: nh3 is O(n²) on ampersands in one text
    assert growth(clean, 25_000) < LINEAR_GROWTH
