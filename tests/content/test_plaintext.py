"""A page's words and headings for search, from a line scan of its markdown."""

from __future__ import annotations

from masterywiki.content.markup import render
from masterywiki.content.plaintext import _visible, plain_text
from masterywiki.content.provisional import Provisional

PAGE = """\
(grading-label)=
# Grading {#grading}

Students show **mastery** with [evidence](evidence.md) and {term}`Rubric <glossary/rubric>`.
<span class="x">Raw</span> HTML is left out, but `<b>` in code stays.

Setext heading
--------------

- a *list* item
> a quoted line[^1]

| Level | Meaning |
|-------|---------|
| 4     | Exceeds |

```{note}
:class: wide
Admonitions are text.
```

```{toctree}
hidden/child
```

```python
print("code is text")
```

[^1]: A footnote.
"""


def test_the_words_a_reader_sees_and_the_headings() -> None:
    text, headings = plain_text(PAGE)
    assert headings == ["Grading", "Setext heading"]
    for shown in ("Students show mastery with evidence and Rubric.", "Raw HTML is left out",
                  "<b>", "a list item", "a quoted line", "Level Meaning", "4 Exceeds",
                  "Admonitions are text.", 'print("code is text")', "A footnote."):  # fmt: skip
        assert shown in text, shown
    for hidden in ("grading-label", "{#grading}", "evidence.md", "glossary/rubric", "<span",
                   "hidden/child", "---", "{note}", "[^1]", "|"):  # fmt: skip
        assert hidden not in text, hidden


def test_it_finds_the_words_the_renderer_finds() -> None:
    rendered = render(PAGE, Provisional(), file="framework/grading.md")
    scanned = set(plain_text(PAGE)[0].replace(".", " ").split())
    seen = set(rendered.text.replace(".", " ").split())
    assert seen - scanned <= {"1", "↩"}  # footnote numbers the renderer adds


def test_a_line_without_markup_is_taken_as_written() -> None:
    lines = ["Plain   words, and numbers 1.5 ", "Ünïcode ñandú — dash", "a ~tilde~ and 50% & more"]
    for line in lines:  # the same words as the full markup pass finds
        assert " ".join(_visible(line).split()) == " ".join(line.split())
    text, headings = plain_text("Intro  line\n\nA  setext   title\n=====\n\nlast")
    assert text == "Intro line A setext title last"
    assert headings == ["A setext title"]


UNFENCED = PAGE[: PAGE.index("```{note}")]


def test_a_page_without_fences_reads_as_with_one() -> None:
    # Without a fence, lines are not classified one by one: the result is the same.
    assert plain_text(UNFENCED) == plain_text(UNFENCED + "\n```\n```\n")
    assert plain_text(UNFENCED)[1] == ["Grading", "Setext heading"]


def test_blank_lines_and_prose_lines_keep_their_meaning() -> None:
    # A line of spaces is blank: "===" under it is no heading, but text.
    assert plain_text("Words\n   \n===\n") == ("Words ===", [])
    # A prose line before "===" is a heading; its inline markup is read as text.
    assert plain_text("Some *strong*  [words](a.md)\n===\nAfter\n") == (
        "Some strong words After",
        ["Some strong words"],
    )
