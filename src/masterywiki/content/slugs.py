"""Heading anchor slugs, shared by the renderer and the catalog's fast scan."""

from __future__ import annotations

import re
import unicodedata

_PINNED_ID = re.compile(r"\{#([A-Za-z][\w:.-]*)\}\s*$")
_NOT_WORD = re.compile(r"[^\w\s-]")
_SPACES = re.compile(r"[\s_-]+")
# Inline markup that never contributes to a heading's visible text. Tags are removed only
# up to the last '>': past it, `<[^>]*>` scanned to the end from every '<' (O(n²)).
_MARKUP = re.compile(r"[*_`~]|\{[a-z]+\}|<[^>]*>")
_MARKUP_NO_TAGS = re.compile(r"[*_`~]|\{[a-z]+\}")


def split_pinned_id(heading: str) -> tuple[str, str | None]:
    """'Grading {#grading}' -> ('Grading', 'grading'); unpinned headings give None."""
    match = _PINNED_ID.search(heading)
    if match is None:
        return heading, None
    # rstrip, not a leading `\s*` in the pattern: that retried at every space of a long run.
    return heading[: match.start()].rstrip(), match.group(1)


def slugify(text: str) -> str:
    """A stable, readable anchor: lowercase ASCII words joined by '-'."""
    end = text.rfind(">") + 1
    text = _MARKUP.sub("", text[:end]) + _MARKUP_NO_TAGS.sub("", text[end:])
    text = unicodedata.normalize("NFKD", text)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = _SPACES.sub("-", _NOT_WORD.sub("", text)).strip("-")
    return text or "section"


class SlugRegistry:
    """Hands out unique ids within one document, in document order.

    A repeated slug gets the first free suffix: `h`, `h-1`, `h-2`, ... Schools link to
    these anchors, so that order must never change. The next suffix to try is kept per
    slug, so n repeats cost O(n) rather than O(n^2) (20,000 `## h` took 48 s); a suffix
    taken meanwhile, say by a heading that reads `h-3`, is still skipped.
    """

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._next: dict[str, int] = {}  # slug -> the lowest suffix that may still be free

    def claim(self, wanted: str) -> str:
        candidate = wanted
        if candidate in self._used:
            # Every suffix below `n` is taken, and stays taken: ids are never released.
            n = self._next.get(wanted, 1)
            candidate = f"{wanted}-{n}"
            while candidate in self._used:
                n += 1
                candidate = f"{wanted}-{n}"
            self._next[wanted] = n + 1
        self._used.add(candidate)
        return candidate
