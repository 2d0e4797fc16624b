"""How each language's words are analysed for search: stop words, stems, accent folding.

English keeps the Porter stems and stop words the index always had. Spanish (and the
other languages whoosh has a Snowball stemmer for) gets that language's stop words and
stemmer; Spanish words are also folded to plain letters first (`calificación` ->
`calificacion`, `niño` -> `nino`), so a reader may type accents or leave them out.

A field value of a page in another language than English starts with `marked(lang, text)`
so that one analyzer in the schema can index every page in its own language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

from whoosh.analysis import STOP_WORDS  # type: ignore[import-untyped]
from whoosh.lang import (  # type: ignore[import-untyped]
    has_stemmer,
    has_stopwords,
    stemmer_for_language,
    stopwords_for_language,
)
from whoosh.lang.porter import stem as porter_stem  # type: ignore[import-untyped]
from whoosh.lang.snowball.spanish import SpanishStemmer  # type: ignore[import-untyped]

ENGLISH = "en"
MARK = "\x1e"  # starts and ends a language code at the head of a field's value
FOLDED = frozenset({"es"})  # languages searched without their accents


def fold(text: str) -> str:
    """`text` without accents or tildes: 'Calificación, niño' -> 'Calificacion, nino'."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def base_language(code: str) -> str:
    """'es' for 'es-MX': analysis depends on the language, not the region."""
    return code.split("-", 1)[0].lower()


def marked(lang: str, text: str) -> str:
    """A field value to be analysed in `lang` (English values stay as they are)."""
    return text if base_language(lang) == ENGLISH or not text else f"{MARK}{lang}{MARK}{text}"


def unmark(value: str) -> tuple[str | None, str, int]:
    """(the language a value is marked with, or None; the text; where the text starts)."""
    if not value.startswith(MARK):
        return None, value, 0
    end = value.find(MARK, 1)
    if end < 0:
        return None, value, 0
    return value[1:end], value[end + 1 :], end + 1


# The suffixes the Spanish stemmer treats apart, which Spanish always writes with their
# accent: a folded word gets it back so that the stemmer sees the suffix it knows. Every
# other suffix is matched on the folded word as it is, so a word and its unaccented
# spelling always get one stem.
_ACCENTED_SUFFIX = re.compile(r"(ac|uc)ion$|log(ia|ias)$")
_RESTORED = {"acion": "ación", "ucion": "ución", "logia": "logía", "logias": "logías"}


def _spanish_stemmer() -> Callable[[str], str]:
    stemmer = SpanishStemmer()

    def stem(word: str) -> str:
        found = _ACCENTED_SUFFIX.search(word)
        if found is not None:
            suffix = found.group(0)
            word = word[: -len(suffix)] + _RESTORED[suffix]
        return fold(stemmer.stem(word))

    return stem


class Analysis:
    """One language's analysis of single words: stop words and (cached) stems."""

    def __init__(self, lang: str) -> None:
        self.lang = base_language(lang)
        self.folds = self.lang in FOLDED
        stem: Callable[[str], str]
        if self.lang == ENGLISH:
            stops, stem = STOP_WORDS, porter_stem
        elif self.lang == "es":
            stops = frozenset(fold(w) for w in stopwords_for_language("es"))
            stem = _spanish_stemmer()
        else:
            stops = frozenset(stopwords_for_language(self.lang)) if has_stopwords(self.lang) else ()
            stem = stemmer_for_language(self.lang) if has_stemmer(self.lang) else str
        self.stops: frozenset[str] = frozenset(stops)
        self._stem = stem
        self._stems: dict[str, str] = {}

    def prepare(self, word: str) -> str:
        """A word as stop words and stems see it: lowercase, folded if the language is."""
        word = word.lower()
        return fold(word) if self.folds else word

    def stem(self, word: str) -> str:
        """The stem of a prepared word."""
        found = self._stems.get(word)
        if found is None:
            if len(self._stems) > 200_000:  # bounded: a server meets many odd words
                self._stems.clear()
            found = self._stems[word] = self._stem(word)
        return found


def analysis(lang: str) -> Analysis:
    """The analysis of `lang` ('es-MX' as 'es'), shared: its stem cache is reused."""
    return _analysis(base_language(lang))


@cache
def _analysis(lang: str) -> Analysis:
    return Analysis(lang)
