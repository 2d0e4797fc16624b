"""Every markdown feature of DESIGN.md, and sanitization, through the real renderer."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from masterywiki.content.markup import Rendered, Target, render

TERMS = {
    "grade composition": Target(
        "/glossary/grade-composition",
        "Grade Composition",
        "How a grade is built.",
        "glossary/grade-composition",
    ),
}
TERMS["grading weights"] = TERMS["grade composition"]
PAGES = {"glossary/rubric": "Rubric", "framework": "Framework", "index": "Home"}
LABELS = {"principles": Target("/framework#principles", "Principles", None, "framework")}


class FakeResolver:
    """A resolver over fixed data: the catalog's own resolution is tested elsewhere."""

    def term(self, text: str) -> Target | None:
        return TERMS.get(text.casefold())

    def doc(self, target: str, from_file: str) -> Target | None:
        from masterywiki.content import names

        name = names.resolve_reference(target, from_file)
        if name not in PAGES:
            return None
        return Target(names.url_for_name(name), PAGES[name], f"About {name}", name)

    def ref(self, label: str) -> Target | None:
        return LABELS.get(label)


def rendered(source: str, file: str = "framework/grading.md", body_line: int = 1) -> Rendered:
    return render(source, FakeResolver(), file=file, body_line=body_line)


def soup(source: str, **kwargs: str) -> BeautifulSoup:
    return BeautifulSoup(rendered(source, **kwargs).html, "html.parser")


def test_tables() -> None:
    page = soup("| Level | Meaning |\n|:--|--:|\n| 4 | Exceeds |\n")
    assert [th.get_text() for th in page.select("table thead th")] == ["Level", "Meaning"]
    cells = page.select("tbody td")
    assert [td.get("style") for td in cells] == ["text-align:left", "text-align:right"]


def test_footnotes() -> None:
    page = soup("A claim.[^1]\n\n[^1]: The evidence.\n")
    ref = page.select_one("sup.footnote-ref a")
    assert ref["href"] == "#fn1"
    assert page.select_one("section.footnotes li#fn1").get_text().startswith("The evidence.")


def test_definition_lists() -> None:
    page = soup("Reassessment\n: Another chance to show learning.\n")
    assert page.select_one("dl dt").get_text() == "Reassessment"
    assert page.select_one("dl dd").get_text() == "Another chance to show learning."


def test_heading_anchors_are_stable_slugs_with_permalinks() -> None:
    result = rendered("# Grading Policy\n\n## Why it matters!\n\n## Why it matters!\n")
    page = BeautifulSoup(result.html, "html.parser")
    ids = [h["id"] for h in page.select("h1, h2")]
    assert ids == ["grading-policy", "why-it-matters", "why-it-matters-1"]
    link = page.select_one("h2#why-it-matters a.headerlink")
    assert link["href"] == "#why-it-matters"
    assert link["aria-label"]
    texts = [h.text for h in result.headings]
    assert texts == ["Grading Policy", "Why it matters!", "Why it matters!"]


def test_pinned_heading_id() -> None:
    page = soup("## Reporting to families {#families}\n")
    heading = page.select_one("h2")
    assert heading["id"] == "families"
    assert "{#" not in heading.get_text()


@pytest.mark.parametrize("fence", [":::{tip}\n{body}\n:::", "```{tip}\n{body}\n```"])
def test_admonitions_colon_and_backtick(fence: str) -> None:
    page = soup(fence.replace("{body}", "Keep **habits** separate from {term}`grade composition`."))
    box = page.select_one("aside.admonition.tip")
    assert box.select_one(".admonition-title").get_text() == "Tip"
    assert box.select_one("strong").get_text() == "habits"
    assert box.select_one("a.xref.term")["href"] == "/glossary/grade-composition"


@pytest.mark.parametrize("kind", ["note", "warning"])
def test_note_and_warning(kind: str) -> None:
    page = soup(f":::{{{kind}}}\nCareful.\n:::\n")
    assert page.select_one(f"aside.admonition.{kind} p:not(.admonition-title)").get_text() == (
        "Careful."
    )


def test_term_links_with_hover_summary_case_insensitive() -> None:
    result = rendered("See {term}`Grading Weights` and {term}`weights <grade composition>`.")
    page = BeautifulSoup(result.html, "html.parser")
    links = page.select("a.xref.term")
    assert [a.get_text() for a in links] == ["Grading Weights", "weights"]
    assert {a["href"] for a in links} == {"/glossary/grade-composition"}
    assert links[0]["data-summary"] == "How a grade is built."
    assert result.terms == ("glossary/grade-composition",)


def test_unknown_term_is_marked_and_reported_with_file_line() -> None:
    result = rendered("Intro.\n\nA {term}`seat time` reference.", body_line=5)
    marked = BeautifulSoup(result.html, "html.parser").select_one(".xref.term.unknown")
    assert marked.get_text() == "seat time"
    assert [(p.line, p.kind) for p in result.problems] == [(7, "term")]


def test_labels_and_refs() -> None:
    page = soup(
        "(principles)=\n## Our principles\n\nSee {ref}`principles` or {ref}`why <principles>`."
    )
    assert page.select_one("span.label-target#principles") is not None
    refs = page.select("a.xref.ref")
    assert [(a["href"], a.get_text()) for a in refs] == [
        ("/framework#principles", "Principles"),
        ("/framework#principles", "why"),
    ]


def test_unknown_ref_is_reported() -> None:
    result = rendered("{ref}`nowhere`")
    assert "broken-link" in result.html
    assert result.problems[0].kind == "ref"


@pytest.mark.parametrize(
    ("source", "href"),
    [
        ("{doc}`../glossary/rubric`", "/glossary/rubric"),
        ("{doc}`/glossary/rubric`", "/glossary/rubric"),
        ("{doc}`/glossary/rubric.md`", "/glossary/rubric"),
        ("{doc}`../index`", "/"),
        ("{doc}`index`", "/framework"),
    ],
)
def test_doc_links_absolute_and_relative(source: str, href: str) -> None:
    link = soup(source).select_one("a.xref.doc")
    assert link["href"] == href


def test_doc_link_uses_page_title_or_explicit_text() -> None:
    page = soup("{doc}`../glossary/rubric` and {doc}`the rubric <../glossary/rubric>`")
    assert [a.get_text() for a in page.select("a.xref.doc")] == ["Rubric", "the rubric"]


def test_relative_md_links_become_page_urls() -> None:
    result = rendered("[rubrics](../glossary/rubric.md#levels) and [gone](missing.md)")
    page = BeautifulSoup(result.html, "html.parser")
    links = page.select("a")
    assert links[0]["href"] == "/glossary/rubric#levels"
    assert "broken-link" in links[1]["class"]
    assert result.links == ("glossary/rubric",)
    assert [p.kind for p in result.problems] == ["link"]


def test_toctree_lists_children_with_titles_and_summaries() -> None:
    source = (
        "```{toctree}\n:caption: Parts\n:maxdepth: 1\n\nindex\nMy rubric <../glossary/rubric>\n```"
    )
    page = soup(source)
    nav = page.select_one("nav.toctree")
    assert nav.select_one(".caption").get_text() == "Parts"
    items = [(a["href"], a.get_text()) for a in nav.select("li a")]
    assert items == [("/framework", "Framework"), ("/glossary/rubric", "My rubric")]
    assert nav.select_one(".toctree-summary").get_text() == "About framework"


def test_toctree_missing_entry_is_reported() -> None:
    result = rendered("```{toctree}\nmissing-child\n```")
    assert result.problems[0].kind == "toctree"


def test_plain_text_for_search_has_no_markup() -> None:
    result = rendered("# Title\n\nSome **bold** {term}`grade composition` text.")
    assert result.text == "Title Some bold grade composition text."


def test_code_fences_stay_code() -> None:
    page = soup("```python\nprint('{term}`x`')\n```")
    assert page.select_one("pre code.language-python").get_text() == "print('{term}`x`')\n"


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        '<div onclick="alert(1)" onmouseover="alert(2)">x</div>',
        '<iframe src="https://evil.example"></iframe>',
        "<svg><script>alert(1)</script></svg>",
        "<style>body{display:none}</style>",
        '<form action="/steal"><input name="p"></form>',
        '<object data="x.swf"></object>',
        '<p style="position:fixed;top:0">x</p>',
    ],
)
def test_raw_html_is_sanitized(evil: str) -> None:
    page = soup(f"Before\n\n{evil}\n\nafter")
    assert not page.select("script, iframe, style, form, object, svg")
    assert all(box.has_attr("disabled") for box in page.select("input"))
    for element in page.find_all(True):
        for attribute, value in element.attrs.items():
            assert not attribute.startswith("on"), element
            text = " ".join(value) if isinstance(value, list) else value
            assert "javascript:" not in text.lower().replace(" ", ""), element
            assert "position" not in text, element
    assert page.get_text().startswith("Before") and "after" in page.get_text()


def test_task_lists_render_as_disabled_checkboxes() -> None:
    page = soup("- [ ] Draft the policy\n- [x] Share with families\n")
    boxes = page.select("li input[type=checkbox]")
    assert len(boxes) == 2
    assert all(box.has_attr("disabled") for box in boxes)
    assert boxes[1].has_attr("checked")


def test_safe_raw_html_is_kept() -> None:
    page = soup("<details><summary>More</summary>Hidden <kbd>Ctrl</kbd></details>")
    assert page.select_one("details summary").get_text() == "More"


def test_escaped_attribute_values_cannot_break_out() -> None:
    TERMS["quoted"] = Target('/q"><script>x', "Q", '"><img src=x onerror=alert(1)>', None)
    try:
        html = rendered("{term}`quoted`").html
    finally:
        del TERMS["quoted"]
    assert "<img" not in html and "<script" not in html
