"""Heading anchor slugs, shared by the renderer and the catalog's fast scan."""

from __future__ import annotations

import re
import unicodedata

_PINNED_ID = re.compile(r"\s*\{#([A-Za-z][\w:.-]*)\}\s*$")
_NOT_WORD = re.compile(r"[^\w\s-]")
_SPACES = re.compile(r"[\s_-]+")
# Inline markup that never contributes to a heading's visible text.
_MARKUP = re.compile(r"[*_`~]|\{[a-z]+\}|<[^>]*>")


def split_pinned_id(heading: str) -> tuple[str, str | None]:
    """'Grading {#grading}' -> ('Grading', 'grading'); unpinned headings give None."""
    match = _PINNED_ID.search(heading)
    if match is None:
        return heading, None
    return heading[: match.start()], match.group(1)


def slugify(text: str) -> str:
    """A stable, readable anchor: lowercase ASCII words joined by '-'."""
    text = unicodedata.normalize("NFKD", _MARKUP.sub("", text))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = _SPACES.sub("-", _NOT_WORD.sub("", text)).strip("-")
    return text or "section"


class SlugRegistry:
    """Hands out unique ids within one document, in document order."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while candidate in self._used:
            candidate = f"{wanted}-{n}"
            n += 1
        self._used.add(candidate)
        return candidate
