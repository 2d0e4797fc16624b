"""The analyzer that indexes each page in its language: a page body's stems."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masterywiki.search import schema
from masterywiki.search.languages import marked
from masterywiki.search.schema import StemmingWords

TEXT = "The Grading of rubrics, RUBRICS and café: grading 3.5 x y Calificación niños"


def test_body_stems_are_the_tokens_the_analyzer_indexes() -> None:
    analyzer = StemmingWords()
    for lang in ("en", "es", "fr"):
        expected = [t.text for t in analyzer(marked(lang, TEXT))]
        assert analyzer.words(TEXT, lang) == expected
        assert analyzer.words(TEXT, lang) == expected  # remembered: the same again
    assert analyzer.words(TEXT) == analyzer.words(TEXT, "en")
    assert analyzer.words("calificación", "es") != analyzer.words("calificación", "en")


def test_the_memo_of_written_words_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema._WordMemo, "LIMIT", 3)
    analyzer = StemmingWords()
    assert analyzer.words("one two three four five the six") == [
        "on", "two", "three", "four", "five", "six"
    ]  # fmt: skip
    assert all(len(memo) <= 3 for memo in analyzer._memos.values())
    assert analyzer.words("Grading grading") == ["grade", "grade"]


VALUES = (
    "",
    TEXT,
    "the the THE a an of",
    "Grading grading GRADING graded, grading. v2.0 3.5 e.g. x*y**",
    "Calificación, niños y niño: la evaluación de las familias",
    "rubric, Rubric , ,rubric,, spaced retrieval ,",
    "Ünïcödé ÀÉÎÕÜ straße — ½ ⅓ 日本語",
    "Page 17\nline two\ttabbed",
)


def test_fast_indexers_give_what_whoosh_gives() -> None:
    fields = schema.make_schema()
    fast = schema.fast_indexers(fields)
    assert {"title", "aliases", "headings", "summary", "spell", "complete"} <= set(fast)
    assert {"names", "tags", "path", "type", "lang"} <= set(fast)
    assert "updated" not in fast and "text" not in fast  # a date; stored only
    for name, index in fast.items():
        for text in VALUES:
            for value in (text, marked("es", text), marked("fr", text)):
                expected = sorted(fields[name].index(value))
                assert sorted(index(value)) == expected, (name, value)
                assert sorted(index(value)) == expected  # remembered words: the same again


def test_fields_set_up_otherwise_are_left_to_whoosh() -> None:
    from whoosh import fields as whoosh_fields  # type: ignore[import-untyped]

    boosted = whoosh_fields.TEXT(analyzer=StemmingWords(), field_boost=2.0)
    other = whoosh_fields.TEXT()  # whoosh's StandardAnalyzer
    lowercase_id = whoosh_fields.ID(analyzer=whoosh_fields.analysis.IDAnalyzer(lowercase=True))
    spaced = whoosh_fields.KEYWORD(lowercase=True)
    found = schema.fast_indexers(
        whoosh_fields.Schema(a=boosted, b=other, c=lowercase_id, d=spaced, e=whoosh_fields.ID())
    )
    assert set(found) == {"e"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab.*_é3- ", max_size=40))
def test_the_faster_word_pattern_finds_the_same_words(text: str) -> None:
    from whoosh.analysis import RegexTokenizer

    for pattern in (StemmingWords().pattern, RegexTokenizer().expression.pattern):
        whole = [m.group(0) for m in re.finditer(pattern, text)]
        assert re.findall(schema._whole_matches(pattern), text) == whole


def test_the_faster_word_pattern_on_dotted_words() -> None:
    text = "a.b..c d* x.y. 3.14 ..über. **bold** e-mail a.b.c.d_e"
    found = re.findall(schema._whole_matches(StemmingWords().pattern), text)
    assert found == ["a.b", "c", "d*", "x.y", "3.14", "über", "**bold**", "e", "mail", "a.b.c.d_e"]
