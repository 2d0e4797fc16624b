"""A full build's postings, kept grouped by term in memory, for whoosh's segment writer.

Whoosh's own pool keeps one tuple per posting and, past its memory limit, sorts them
into temporary files and merges those back one posting at a time in Python: at 100,000
pages each worker spilled several times, which took about a quarter of its time. A
build adds documents in order, so grouping by term keeps each term's postings sorted by
document already; the terms are sorted once at the end. Whoosh reads the same postings
in the same order as from its pool, so the index is the same, and in less memory (a
document number, a weight and a shared value per posting, not a tuple of five).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

Posting = tuple[str, bytes, int, float, bytes]  # field, term, document, weight, value


class _Term:
    __slots__ = ("docs", "ordered", "values", "weights")

    def __init__(self) -> None:
        self.docs = array("I")
        self.weights = array("d")  # a Python float exactly
        self.values: list[bytes] = []
        self.ordered = True


class PostingBuffer:
    """Stands in for whoosh's `PostingPool` in a `SegmentWriter` that writes one segment
    of new documents (no merging of other segments into it)."""

    def __init__(self) -> None:
        self._terms: dict[tuple[str, bytes], _Term] = {}
        self._values: dict[bytes, bytes] = {}  # one object per distinct value
        self.fieldnames: set[str] = set()  # as whoosh's pool has it

    def add(self, item: tuple[str, bytes, int, Any, bytes | None]) -> None:
        key = item[:2]  # (field, term)
        term = self._terms.get(key)
        if term is None:
            term = self._terms[key] = _Term()
            self.fieldnames.add(item[0])
        elif item[2] <= term.docs[-1]:
            term.ordered = False  # never in a build; sorted when read, as whoosh would
        term.docs.append(item[2])
        term.weights.append(item[3])
        value = item[4] or b""  # whoosh writes a missing value as an empty one
        term.values.append(self._values.setdefault(value, value))

    def iter_postings(self) -> Iterator[Posting]:
        """Every posting, sorted by field, term, document (whoosh's pool order)."""
        for key in sorted(self._terms):
            fieldname, text = key
            term = self._terms[key]
            rows: Any = zip(term.docs, term.weights, term.values, strict=True)
            if not term.ordered:
                rows = sorted(rows)
            for docnum, weight, value in rows:
                yield fieldname, text, docnum, weight, value

    def cleanup(self) -> None:
        self._terms.clear()
        self._values.clear()
