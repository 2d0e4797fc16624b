"""Snippets: the passage of a page around its first matching word, with matches marked."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence

from masterywiki.search.languages import ENGLISH, analysis
from masterywiki.search.schema import StemmingWords

_ACCENTED = {"a": "aáàâä", "e": "eéèêë", "i": "iíìîï", "o": "oóòôö", "u": "uúùûü", "n": "nñ"}


def _loose(prefix: str) -> str:
    """A pattern matching `prefix` with or without accents on its letters."""
    return "".join(f"[{_ACCENTED[c]}]" if c in _ACCENTED else re.escape(c) for c in prefix)


class Marker:
    """Snippets: the passage around the first matching word, matches in <mark>.

    Faster than whoosh's highlighter, which re-analyzes the whole text: a regular
    expression finds words starting like a searched stem, and only those are stemmed.
    """

    def __init__(
        self, stems: Iterable[str], languages: Sequence[str] = (ENGLISH,), width: int = 240
    ) -> None:
        self.stems = {s.casefold() for s in stems if s}
        # Porter stems are prefixes of their words but for a last e, i or y: grade(ing)
        prefixes = sorted({s[:-1] if s[-1:] in "eiy" and len(s) > 3 else s for s in self.stems})
        # Folded stems (calif) are prefixes of words written with their accents too.
        folding = any(analysis(lang).folds for lang in languages)
        escape = _loose if folding else re.escape
        self.pattern = (
            re.compile(r"\b(?:" + "|".join(map(escape, prefixes)) + r")\w*", re.IGNORECASE)
            if prefixes
            else None
        )
        self.width = width
        self._stemmers = [StemmingWords(lang) for lang in dict.fromkeys(languages)]

    def _hits(self, text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
        if self.pattern is None:
            return
        for match in self.pattern.finditer(text, start, len(text) if end is None else end):
            word = match.group(0)
            if word.casefold() in self.stems:
                yield match
                continue
            for stemmer in self._stemmers:
                stems = [t.text for t in stemmer(word)]
                if stems and stems[0] in self.stems:
                    yield match
                    break

    def snippet(self, text: str) -> str:
        first = next(self._hits(text), None)
        if first is None:
            return ""
        start = max(0, first.start() - self.width // 4)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first.start() else start
        end = min(len(text), start + self.width)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > first.end() else end
        out = ["… " if start else ""]
        position = start
        for match in self._hits(text, start, end):
            out.append(html.escape(text[position : match.start()]))
            out.append(f"<mark>{html.escape(match.group(0))}</mark>")
            position = match.end()
        out.append(html.escape(text[position:end]))
        out.append(" …" if end < len(text) else "")
        return "".join(out)

    def plain(self, text: str) -> str:
        if len(text) <= self.width:
            return html.escape(text)
        cut = text.rfind(" ", 0, self.width)
        return html.escape(text[: cut if cut > 0 else self.width]) + " …"
