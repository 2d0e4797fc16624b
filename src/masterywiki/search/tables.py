"""Per-segment tables beside whoosh's files: the body's index, common-term bitmaps, facets.

Whoosh steps through postings one document at a time in Python, which costs tens to
hundreds of milliseconds for a word on most of 10,000 pages, and each process paid it
again for each word it met. So what a query needs is computed once, when a segment is
written, and saved beside it: `MAIN_<id>.mwt` (a pickle of bytes, lists and dicts: the
body's rare postings, body lengths, facet values, and where each common term's data is),
`MAIN_<id>.mwc` (for every term on at least `COMMON` documents, its bitmap, and for a
body term its best documents), `MAIN_<id>.mws` (the body's stems in order, one
fixed-width code each, for phrases) and `MAIN_<id>.mwp` (where the common stems occur).
All but the first are read in slices, never whole. The names match whoosh's segment-file
pattern, so whoosh deletes them with their segment.

Segments never change but for deletions, which the reader applies as a mask.
"""

from __future__ import annotations

import os
import pickle
import secrets
import weakref
from array import array
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from itertools import repeat
from pathlib import Path
from typing import Any

from masterywiki.search.schema import StemmingWords
from masterywiki.search.segmentwords import PackedWords, RarePostings

# 4: each body in its language, a "lang" facet; 5: common terms' bitmaps in .mwc, the
# stems sorted and packed
TABLES_FORMAT = 5
TABLES_EXT, WORDS_EXT, PLACES_EXT, COMMON_EXT = "mwt", "mws", "mwp", "mwc"
COMMON = 48  # documents of a segment: a term on this many gets a stored bitmap
TOP = 400  # body documents kept per common term, for ranking
K1, B = 1.2, 0.75  # BM25
TABLE_FIELDS = ("title", "aliases", "headings", "summary", "tags", "organization")
FACET_COLUMNS = ("type", "section", "resource_type", "organization_type", "lang")


class TablesMissing(Exception):
    """A segment has no tables, or tables of an older format: they are computed again."""


def bitmap(ids: Iterable[int]) -> int:
    """A set of document numbers as the bits of an int: AND, OR and counts run in C."""
    # One ASCII digit per document, set in C (map), read as a binary number by int().
    ids = ids if isinstance(ids, list | array) else list(ids)
    if not ids:
        return 0
    digits = bytearray(b"0") * (max(ids) + 1)
    deque(map(digits.__setitem__, ids, repeat(49)), maxlen=0)  # 49: "1"
    digits.reverse()
    return int(digits, 2)


def tf_part(tf: int, length: int, average: float) -> float:
    """BM25's term-frequency factor (times idf, a document's score for one word)."""
    return tf * (K1 + 1) / (tf + K1 * (1 - B) + K1 * B * length / (average or 1.0))


def _code(number: int, width: int) -> bytes:
    """A word id in `width` bytes: only the first has its high bit set, so a match of a
    sequence of codes can only start at a code's first byte."""
    rest = [(number >> (7 * k)) & 0x7F for k in range(width - 2, -1, -1)]
    return bytes([0x80 | number >> (7 * (width - 1)), *rest])


def _width(words: int) -> int:
    width = 2
    while words + 1 >= 1 << (7 * width):
        width += 1
    return width


def _bytes(bits: int, size: int) -> bytes:
    return bits.to_bytes((size + 7) // 8, "little")


def _file(folder: Path, segment_id: str, ext: str) -> Path:
    return folder / f"{segment_id}.{ext}"


def _replace(path: Path, data: bytes) -> None:
    # The temporary name starts with a dot: whoosh's file cleaning leaves it alone.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def words_of_stored(reader: Any) -> list[list[str]]:
    """Every document's body stems, from the stored text (for segments whoosh merged)."""
    analyzer = StemmingWords()
    found = []
    for docnum in range(reader.doc_count_all()):
        stored = reader.stored_fields(docnum)
        found.append(analyzer.words(str(stored.get("text") or ""), stored.get("lang") or None))
    return found


def write(folder: Path, segment_id: str, reader: Any, words: Sequence[Sequence[str]]) -> None:
    """Compute and save one segment's tables; `words[d]` are document d's body stems."""
    size = reader.doc_count_all()
    lengths = array("I", bytes(4 * size))
    postings: dict[str, tuple[array[int], array[int]]] = {}
    for docnum, stems in enumerate(words):
        lengths[docnum] = len(stems)
        for stem, tf in Counter(stems).items():
            found = postings.get(stem)
            if found is None:
                found = postings[stem] = (array("I"), array("H"))
            found[0].append(docnum)
            found[1].append(tf if tf < 0xFFFF else 0xFFFF)
    average = sum(lengths) / size if size else 1.0
    # `tf_part` in parts, each computed as it does, so the floats (and ties) are the same.
    constant, numerator = K1 * (1 - B), K1 + 1
    per_length = [K1 * B * length / (average or 1.0) for length in lengths]
    # A stem's place in sorted order is its id (its code in the word sequence).
    vocab = sorted(postings)
    rare_docs, rare_tfs, rare_ends = array("I"), array("H"), array("I", [0])
    common: dict[str, tuple[int, int]] = {}  # stem -> (start in .mwc, best documents kept)
    common_data = bytearray()
    for stem in vocab:
        docs, tfs = postings[stem]
        if len(docs) < COMMON:
            rare_docs += docs
            rare_tfs += tfs
            rare_ends.append(len(rare_docs))
            continue
        rare_ends.append(len(rare_docs))  # none for a common stem
        pairs = zip(docs, tfs, strict=True)
        scores = [tf * numerator / (tf + constant + per_length[d]) for d, tf in pairs]
        # As heapq.nlargest: the best first, ties in document order (a stable sort).
        best = sorted(range(len(docs)), key=scores.__getitem__, reverse=True)[:TOP]
        common[stem] = (len(common_data), len(best))
        common_data += _bytes(bitmap(docs), size)
        common_data += array("I", [docs[i] for i in best]).tobytes()
        common_data += array("H", [tfs[i] for i in best]).tobytes()
    width = _width(len(vocab))
    places, where = _places(words, common)
    code_of = {stem: _code(i + 1, width) for i, stem in enumerate(vocab)}
    separator = _code(0, width)
    starts = array("I", [0])
    parts = []
    for stems in words:
        parts.append(b"".join(map(code_of.__getitem__, stems)) + separator)
        starts.append(starts[-1] + len(stems) + 1)
    while len(starts) <= size:
        starts.append(starts[-1])
    tables = {
        "format": TABLES_FORMAT,
        "size": size,
        "width": width,
        "vocab": PackedWords.pack(vocab),
        "lengths": lengths.tobytes(),
        "starts": starts.tobytes(),
        "rare": (rare_docs.tobytes(), rare_tfs.tobytes(), rare_ends.tobytes()),
        "common": common,
        "places": where,
        "fields": _field_bitmaps(reader, size, common_data),
        "facets": _facet_bitmaps(reader, size),
    }
    _replace(_file(folder, segment_id, COMMON_EXT), bytes(common_data))
    _replace(_file(folder, segment_id, WORDS_EXT), b"".join(parts))
    _replace(_file(folder, segment_id, PLACES_EXT), places)
    _replace(_file(folder, segment_id, TABLES_EXT), pickle.dumps(tables, protocol=5))


def _places(
    words: Sequence[Sequence[str]], common: Iterable[str]
) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """Where each common stem occurs, as token numbers (documents one after the other, a
    separator between): {stem: (first, count)} into one array of all their places."""
    found: dict[str, array[int]] = {stem: array("I") for stem in common}
    get = found.get
    position = 0
    for stems in words:
        for at, stem in enumerate(stems, position):
            places = get(stem)
            if places is not None:
                places.append(at)
        position += len(stems) + 1  # and the separator
    where: dict[str, tuple[int, int]] = {}
    out = array("I")
    for stem, places in found.items():
        where[stem] = (len(out), len(places))
        out += places
    return out.tobytes(), where


def _field_bitmaps(reader: Any, size: int, out: bytearray) -> dict[str, dict[str, int]]:
    """Bitmaps of the common terms of the short fields, added to `out`: {field: {term:
    where its bitmap starts in `out`}}."""
    found: dict[str, dict[str, int]] = {}
    for field in TABLE_FIELDS:
        table = found[field] = {}
        if field not in reader.schema:
            continue
        decode = reader.schema[field].from_bytes
        for text, info in reader.iter_field(field):
            if info.doc_frequency() >= COMMON:
                ids = reader.postings(field, text).all_ids()
                table[decode(text) if isinstance(text, bytes) else text] = len(out)
                out += _bytes(bitmap(ids), size)
    return found


def _facet_bitmaps(reader: Any, size: int) -> dict[str, dict[str, bytes]]:
    found: dict[str, dict[str, list[int]]] = {f: {} for f in (*FACET_COLUMNS, "tag")}
    for facet in FACET_COLUMNS:
        if reader.has_column(facet):
            for docnum, value in enumerate(reader.column_reader(facet)):
                if value:
                    found[facet].setdefault(value, []).append(docnum)
    if reader.has_column("tag_list"):
        for docnum, raw in enumerate(reader.column_reader("tag_list")):
            for value in raw.decode().split("\x1f") if raw else ():
                found["tag"].setdefault(value, []).append(docnum)
    return {
        f: {v: _bytes(bitmap(docs), size) for v, docs in values.items()}
        for f, values in found.items()
    }


class SegmentTables:
    """One segment's tables, loaded (the word sequence is opened on first use)."""

    def __init__(self, data: dict[str, Any], words_path: Path) -> None:
        if not isinstance(data, dict):
            raise ValueError("damaged search tables: not a table")
        if data.get("format") != TABLES_FORMAT:
            raise TablesMissing("search tables of another format: computed again")
        self.size: int = data["size"]
        self._bitmap_bytes = (self.size + 7) // 8  # one bitmap's size in the .mwc file
        self.width: int = data["width"]
        self.vocab = PackedWords(data["vocab"])
        self.lengths = array("I", data["lengths"])
        self.starts = array("I", data["starts"])
        self.rare = RarePostings(self.vocab, *data["rare"])
        # Where each common term's bitmap (and a body term's best documents) is in the
        # .mwc file, read when a query asks. Held in memory, with the stems as strings,
        # the tables took about 50 MB of each worker at 100,000 pages; now 16 MB.
        self.common: dict[str, tuple[int, int]] = data["common"]
        self.fields: dict[str, dict[str, int]] = data["fields"]  # bitmaps' starts in .mwc
        self.facets = {
            f: {v: int.from_bytes(b, "little") for v, b in values.items()}
            for f, values in data["facets"].items()
        }
        if len(self.lengths) != self.size or len(self.starts) != self.size + 1:
            raise ValueError("search tables do not match their segment")
        self._where: dict[str, tuple[int, int]] = data["places"]
        self._words_path = words_path
        self._words: _Slices | None = None
        self._places: _Slices | None = None
        self._commons: _Slices | None = None

    @classmethod
    def load(cls, folder: Path, segment_id: str) -> SegmentTables:
        """Raises TablesMissing, or any error of a damaged file (a corrupt index)."""
        try:
            data = _file(folder, segment_id, TABLES_EXT).read_bytes()
        except FileNotFoundError:
            raise TablesMissing(segment_id) from None
        return cls(pickle.loads(data), _file(folder, segment_id, WORDS_EXT))

    # -- the body ------------------------------------------------------------------

    def _common(self, stem: str) -> tuple[bytes, bytes, bytes] | None:
        """A common term's (bitmap, best documents, their frequencies), else None."""
        found = self.common.get(stem)
        if found is None:
            return None
        start, kept = found
        width = self._bitmap_bytes
        data = self.common_file()[start : start + width + 6 * kept]
        return data[:width], data[width : width + 4 * kept], data[width + 4 * kept :]

    def field_bits(self, field: str, text: str) -> int | None:
        """A common term's bitmap in a short field (title, tags, ...), else None."""
        start = self.fields.get(field, {}).get(text)
        if start is None:
            return None
        return int.from_bytes(self.common_file()[start : start + self._bitmap_bytes], "little")

    def body_bits(self, stem: str) -> int:
        found = self._common(stem)
        if found is not None:
            return int.from_bytes(found[0], "little")
        postings = self.rare.get(stem)
        return bitmap(array("I", postings[0])) if postings else 0

    def body_candidates(self, stem: str) -> tuple[array[int], array[int], bool]:
        """(documents, term frequencies, cut): every posting, or the best `TOP` (cut)."""
        found = self._common(stem)
        if found is not None:
            return array("I", found[1]), array("H", found[2]), True
        postings = self.rare.get(stem)
        if postings is None:
            return array("I"), array("H"), False
        return array("I", postings[0]), array("H", postings[1]), False

    def phrase(self, stems: Sequence[str]) -> list[int]:
        """The documents where `stems` occur in this order, one after the other."""
        places = [self.vocab.find(s) for s in stems]
        if not places or None in places:
            return []
        ids = [at + 1 for at in places if at is not None]
        rare = [s for s in stems if s not in self.common]
        if not rare:
            return self._phrase_of_common(stems)
        # A rare word: look for the sequence in the few documents that have it.
        needle = b"".join(_code(i, self.width) for i in ids)
        words = self.phrase_files()[0]
        width, starts = self.width, self.starts
        found = []
        fewest = min((self.rare.get(s) or (b"", b"") for s in rare), key=lambda p: len(p[0]))
        for doc in array("I", fewest[0]):
            if words.find(needle, starts[doc] * width, starts[doc + 1] * width) >= 0:
                found.append(doc)
        return found

    def _phrase_of_common(self, stems: Sequence[str]) -> list[int]:
        """Places where the first word is, minus k, and the k-th word is, minus k: sets."""
        places = self.phrase_files()[1]
        order = sorted(range(len(stems)), key=lambda k: self._where[stems[k]][1])
        starts: set[int] | None = None
        for k in order:
            first, count = self._where[stems[k]]
            at = array("I", places[4 * first : 4 * (first + count)])
            shifted = map((-k).__add__, at) if k else at
            starts = set(shifted) if starts is None else starts.intersection(shifted)
            if not starts:
                return []
        found: list[int] = []
        for start in sorted(starts or ()):
            doc = bisect_right(self.starts, start) - 1
            if not found or found[-1] != doc:
                found.append(doc)
        return found

    def check(self) -> None:
        """Open the common-term, word and place files, which raises ValueError if one has
        the wrong size (for the service's health probe; searches open them when needed)."""
        self.common_file()
        self.phrase_files()

    def common_file(self) -> _Slices:
        if self._commons is None:
            width = self._bitmap_bytes
            ends = [start + width + 6 * kept for start, kept in self.common.values()]
            ends += [start + width for starts in self.fields.values() for start in starts.values()]
            path = self._words_path.with_suffix("." + COMMON_EXT)
            self._commons = _Slices(path, max(ends, default=0))
        return self._commons

    def phrase_files(self) -> tuple[_Slices, _Slices]:
        if self._words is None:
            self._words = _Slices(self._words_path, self.starts[-1] * self.width)
        if self._places is None:
            size = 4 * max((first + count for first, count in self._where.values()), default=0)
            self._places = _Slices(self._words_path.with_suffix("." + PLACES_EXT), size)
        return self._words, self._places

    def close(self) -> None:
        for opened in (self._words, self._places, self._commons):
            if opened is not None:
                opened.close()
        self._words = self._places = self._commons = None


class _Slices:
    """A table file read in slices with `pread` (the page cache is still shared between
    processes). Not mapped: a mapped file that shrinks under a running process kills it
    with SIGBUS; here a file of the wrong size, or a read that comes up short, raises
    ValueError, and the search service rebuilds the index."""

    def __init__(self, path: Path, size: int) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self.close = weakref.finalize(self, os.close, self._fd)  # closed when dropped, too
        found = os.fstat(self._fd).st_size
        if found != size:
            self.close()
            raise ValueError(f"damaged search table {path.name}: {found} bytes, not {size}")

    def __getitem__(self, part: slice) -> bytes:
        start, stop = part.start or 0, part.stop
        data = os.pread(self._fd, stop - start, start)
        if len(data) != stop - start:
            raise ValueError("damaged search table: shorter than its index says")
        return data

    def find(self, needle: bytes, start: int, end: int) -> int:
        found = self[start:end].find(needle)
        return found + start if found >= 0 else -1
