"""Synonyms: `synonyms.txt` groups and glossary names, spliced into query text. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain

from masterywiki.search.schema import normalize

SYNONYMS_FILE = "synonyms.txt"
_SYNONYM_BOOST = 0.9
QUERY_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_PLAIN_WORD = re.compile(r"^[\w'\u2019-]+$")


def parse_synonyms(text: str) -> list[tuple[str, ...]]:
    """`synonyms.txt`: one group of equivalent words or phrases per line, comma-separated;
    `#` starts a comment. Groups of fewer than two entries are ignored."""
    groups: list[tuple[str, ...]] = []
    for line in text.splitlines():
        entries = [e.strip() for e in line.split("#", 1)[0].split(",")]
        group = tuple(dict.fromkeys(e for e in entries if normalize(e)))
        if len(group) >= 2:
            groups.append(group)
    return groups


class Synonyms:
    """Words and phrases -> their alternatives, matched on normalized words."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self.alternatives: dict[tuple[str, ...], dict[str, None]] = {}
        for group in groups:
            keys = {normalize(entry): entry for entry in group if normalize(entry)}
            for key in keys:
                found = self.alternatives.setdefault(key, {})
                for other_key, other in keys.items():
                    if other_key != key:
                        found.setdefault(other.strip())
        self.longest = max((len(k) for k in self.alternatives), default=0)

    def lookup(self, words: tuple[str, ...]) -> list[str]:
        return list(self.alternatives.get(words, {}))

    def expand(self, text: str) -> tuple[str, list[str]]:
        """The query text with synonym groups spliced in, and the synonyms used."""
        tokens = QUERY_TOKEN.findall(text)
        out: list[str] = []
        used: list[str] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.startswith('"'):
                inner = token.strip('"')
                alternatives = self.lookup(normalize(inner))
                out.append(_alternatives(token, alternatives) if alternatives else token)
                used += alternatives
                i += 1
                continue
            span = self._longest_span(tokens, i)
            if span:
                end, alternatives = span
                original = " ".join(tokens[i:end])
                original = f"({original})" if end - i > 1 else original
                out.append(_alternatives(original, alternatives))
                used += alternatives
                i = end
                continue
            out.append(token)
            i += 1
        unique = {normalize(word): word for word in reversed(used)}
        return " ".join(out), list(reversed(unique.values()))

    def _longest_span(self, tokens: list[str], start: int) -> tuple[int, list[str]] | None:
        words: list[tuple[str, ...]] = []
        for token in tokens[start : start + self.longest]:
            if token in OPERATORS or not _PLAIN_WORD.match(token):
                break
            words.append(normalize(token))
        for end in range(len(words), 0, -1):
            alternatives = self.lookup(tuple(chain.from_iterable(words[:end])))
            if alternatives:
                return start + end, alternatives
        return None


def _alternatives(original: str, alternatives: Sequence[str]) -> str:
    quoted = " OR ".join(f'"{a.replace(chr(34), "")}"^{_SYNONYM_BOOST}' for a in alternatives)
    return f"({original} OR {quoted})"
