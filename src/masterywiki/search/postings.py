"""A full build's postings, kept grouped by term in memory, for whoosh's segment writer.

Whoosh's own pool keeps one tuple per posting and, past its memory limit, sorts them
into temporary files and merges those back one posting at a time in Python: at 100,000
pages each worker spilled several times, which took about a quarter of its time. A
build adds documents in order, so grouping by term keeps each term's postings sorted by
document already; the terms are sorted once at the end. Whoosh reads the same postings
in the same order as from its pool, so the index is the same, and in less memory (a
document number, a weight and a shared value per posting, not a tuple of five).

`write` then hands whoosh's postings writer each term's postings a block at a time
(slices of the arrays), where whoosh's own loop made five calls and a length look-up
per posting: a fifth of a worker's time. The blocks, their statistics and the bytes
written are the ones that loop gives.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN  # type: ignore[import-untyped]

Posting = tuple[str, bytes, int, float, bytes]  # field, term, document, weight, value
# A block of fewer postings is written uncompressed (each block says how it is written):
# zlib made a few postings no smaller, and took a quarter of the time of writing them.
COMPRESSED_FROM = 8


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

    def add_field(
        self,
        fieldname: str,
        docnum: int,
        items: Iterable[tuple[bytes, int, float, bytes]],
        boost: float,
    ) -> int:
        """`add` for each of a field's (term, frequency, weight, value) in one document,
        the weight times `boost`, as whoosh's writer does; returns the frequencies' sum."""
        terms, values = self._terms, self._values
        length = 0
        for text, freq, weight, value in items:
            length += freq
            key = (fieldname, text)
            term = terms.get(key)
            if term is None:
                term = terms[key] = _Term()
                self.fieldnames.add(fieldname)
            elif docnum <= term.docs[-1]:
                term.ordered = False
            term.docs.append(docnum)
            term.weights.append(weight * boost)
            value = value or b""
            term.values.append(values.setdefault(value, value))
        return length

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

    def write(self, fieldwriter: Any, schema: Any, lengths: Any, size: int) -> None:
        """Write every posting with whoosh's `fieldwriter` (a new segment's, of `size`
        documents), as its `add_postings` would from `iter_postings`; `lengths` is the
        segment's per-document reader (the field lengths), or None."""
        field = None
        doc_lengths: Sequence[int] = ()
        level: int | None = None  # whoosh's compression level, read once it has a writer
        for key in sorted(self._terms):
            fieldname, text = key
            if fieldname != field:
                if field is not None:
                    fieldwriter.finish_field()
                fieldwriter.start_field(fieldname, schema[fieldname])
                if level is None:
                    level = fieldwriter._postwriter._compression
                field = fieldname
                doc_lengths = _field_lengths(lengths, fieldname, size)
            term = self._terms[key]
            docs, weights, values = term.docs, term.weights, term.values
            if not term.ordered:
                rows = sorted(zip(docs, weights, values, strict=True))
                docs = array("I", [row[0] for row in rows])
                weights = array("d", [row[1] for row in rows])
                values = [row[2] for row in rows]
            fieldwriter.start_term(text)
            _add_blocks(fieldwriter._postwriter, docs, weights, values, doc_lengths, level or 0)
            fieldwriter.finish_term()
        if field is not None:
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self._terms.clear()
        self._values.clear()


def _field_lengths(reader: Any, fieldname: str, size: int) -> Sequence[int]:
    """Each document's length of a field as the segment keeps it (0 for none)."""
    lenfield = f"_{fieldname}_len"  # whoosh3's name of a field's length column
    if reader is None or not reader.has_column(lenfield):
        return bytes(size)
    length_of = reader.doc_field_length
    # Whoosh keeps a length as one byte: 256 values to look up, not a call per document.
    column = reader.column_reader(lenfield, LENGTHS_COLUMN)
    decoded: dict[int, int] = {}
    found = []
    for docnum in range(size):
        byte = column[docnum]
        value = decoded.get(byte)
        if value is None:
            value = decoded[byte] = length_of(docnum, fieldname) or 0
        found.append(value)
    return found


def _add_blocks(
    postwriter: Any,
    docs: array[int],
    weights: array[float],
    values: list[bytes],
    doc_lengths: Sequence[int],
    level: int,
) -> None:
    """One term's postings into whoosh's postings writer (between `start_term` and
    `finish_term`), filling its block buffer as its `add_posting` does: a block is
    written when full and another posting comes; the last stays for `finish_postings`.
    A block of `COMPRESSED_FROM` postings or more is compressed at `level`."""
    limit = postwriter._blocklimit
    for start in range(0, len(docs), limit):
        if start:
            postwriter._write_block()
        ids = docs[start : start + limit]
        postwriter._compression = level if len(ids) >= COMPRESSED_FROM else 0
        block_weights = weights[start : start + limit]
        postwriter._ids = ids
        postwriter._weights = array("f", block_weights)
        postwriter._values = [value for value in values[start : start + limit] if value]
        postwriter._maxweight = max(0, max(block_weights))
        found = [length for length in map(doc_lengths.__getitem__, ids) if length]
        postwriter._minlength = min(found) if found else None
        postwriter._maxlength = max(found, default=0)
