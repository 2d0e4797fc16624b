"""Synonyms: `synonyms.txt` groups (`synonyms.es.txt` for Spanish readings of a query)
and glossary names, spliced into query text. No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import chain

from masterywiki.search.schema import plain_words

SYNONYMS_FILE = "synonyms.txt"  # in the wiki's own language
# One language's synonyms: synonyms.es.txt, synonyms.pt-br.txt
_LANGUAGE_FILE = re.compile(r"synonyms\.([a-z]{2,3}(?:-[a-z0-9]{2,8})?)\.txt")
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
        group = tuple(dict.fromkeys(e for e in entries if plain_words(e)))
        if len(group) >= 2:
            groups.append(group)
    return groups


def synonyms_language(path: str) -> str | None:
    """The language a synonyms file at the repository's root is for: '' for
    `synonyms.txt` (the wiki's own language), 'es' for `synonyms.es.txt`; None if the
    file is none of them."""
    if path == SYNONYMS_FILE:
        return ""
    found = _LANGUAGE_FILE.fullmatch(path)
    return found.group(1) if found else None


def by_language(
    glossary: Sequence[Sequence[str]], files: dict[str, str], language: str
) -> dict[str, Synonyms]:
    """Each language's synonyms: the glossary's names in every language, with the groups
    of that language's file (`files` maps a language, '' for the wiki's own, to its
    file's text); '' holds those of languages with no file of their own."""
    own = parse_synonyms(files.get("", ""))
    found = {"": Synonyms([*glossary, *own])}
    for lang, text in files.items():
        if lang:
            extra = own if lang == language else []
            found[lang] = Synonyms([*glossary, *parse_synonyms(text), *extra])
    return found


class Synonyms:
    """Words and phrases -> their alternatives, matched on their words (accents optional)."""

    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self.alternatives: dict[tuple[str, ...], dict[str, None]] = {}
        for group in groups:
            keys = {plain_words(entry): entry for entry in group if plain_words(entry)}
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
                alternatives = self.lookup(plain_words(inner))
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
        unique = {plain_words(word): word for word in reversed(used)}
        return " ".join(out), list(reversed(unique.values()))

    def _longest_span(self, tokens: list[str], start: int) -> tuple[int, list[str]] | None:
        words: list[tuple[str, ...]] = []
        for token in tokens[start : start + self.longest]:
            if token in OPERATORS or not _PLAIN_WORD.match(token):
                break
            words.append(plain_words(token))
        for end in range(len(words), 0, -1):
            alternatives = self.lookup(tuple(chain.from_iterable(words[:end])))
            if alternatives:
                return start + end, alternatives
        return None


def _alternatives(original: str, alternatives: Sequence[str]) -> str:
    quoted = " OR ".join(f'"{a.replace(chr(34), "")}"^{_SYNONYM_BOOST}' for a in alternatives)
    return f"({original} OR {quoted})"
