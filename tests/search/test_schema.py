"""The analyzer that indexes each page in its language: a page body's stems."""

from __future__ import annotations

import pytest

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
