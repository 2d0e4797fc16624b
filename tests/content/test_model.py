"""Front matter parsing keeps every problem and never hides a page."""

from __future__ import annotations

import pytest

from masterywiki.content.model import decode, parse_document


def test_front_matter_values_and_body_line() -> None:
    doc = parse_document(
        "---\ntitle: Rubric\ntype: term\naliases: [scoring guide, rubrics]\n"
        "tags: grading, assessment\n---\n# Rubric\n"
    )
    fm = doc.front_matter
    assert (fm.title, fm.type) == ("Rubric", "term")
    assert fm.aliases == ("scoring guide", "rubrics")
    assert fm.tags == ("grading", "assessment")
    assert fm.problems == ()
    assert doc.body == "# Rubric\n"
    assert doc.body_line == 7


def test_no_front_matter() -> None:
    doc = parse_document("# Just a page\n")
    assert doc.front_matter.title is None
    assert doc.body_line == 1


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\ntitle: [unclosed\n---\nbody", 2, "not valid YAML"),
        ("---\ntitle: ok\nsummary: x\n  bad: indent\n---\nbody", 4, "not valid YAML"),
        ("---\n- a list\n---\nbody", 2, "must be a mapping"),
        ("---\ntitle: {a: 1}\n---\nbody", 2, "'title' must be a single line"),
        ("---\ntags: {a: 1}\n---\nbody", 2, "'tags' must be a list"),
        ("---\ntype: glossary\n---\nbody", 2, "unknown type 'glossary'"),
        ("---\ntitle: Never closed\n\n# Body", 1, "no closing '---'"),
    ],
)
def test_front_matter_problems_are_kept(text: str, line: int, message: str) -> None:
    doc = parse_document(text)
    problems = doc.front_matter.problems
    assert problems, "expected a problem"
    assert message in problems[0].message
    assert problems[0].line == line
    assert doc.body  # the page still has its body


def test_unknown_keys_are_kept_as_extra() -> None:
    doc = parse_document("---\ntitle: X\nowner: Ms. Rivera\n---\n")
    assert doc.front_matter.extra == {"owner": "Ms. Rivera"}


def test_decode_tolerates_bad_bytes_and_crlf() -> None:
    assert decode(b"\xef\xbb\xbf# Hi\r\nthere\xff") == "# Hi\nthere\ufffd"
