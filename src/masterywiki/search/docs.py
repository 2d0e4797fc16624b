"""Matching, ranking and facet counts over one searcher generation, as bitmaps.

A query's result set, its size and every facet count are a few big-integer operations
over bitmaps of document numbers. Bitmaps of common terms, the body's postings and
facet values come from each segment's tables (see `tables`), so a process answers its
first query as fast as its hundredth. Ranking scores title, alias, heading, summary and
tag matches by idf and field weight, and body matches with BM25 over each word's best
documents.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from whoosh import query  # type: ignore[import-untyped]

from masterywiki.search import ranking
from masterywiki.search.tables import (
    TOP,
    SegmentTables,
    TablesMissing,
    bitmap,
    tf_part,
    words_of_stored,
    write,
)
from masterywiki.search.values import FACETS

TERM_BOOST = 1.2  # glossary terms, over pages that match as well
TERMS_BUDGET = 32_000_000  # bytes of term bitmaps a generation keeps
CHAMPIONS_KEPT = 1_000  # words whose champions a generation keeps
LANG = "lang"  # the field of a page's language (see `queries.in_languages`)


def open_tables(folder: Path, leaf: Any) -> SegmentTables:
    """A segment's tables, computed and saved first if it has none yet."""
    segment_id = leaf.segment().segment_id()
    try:
        return SegmentTables.load(folder, segment_id)
    except TablesMissing:
        write(folder, segment_id, leaf, words_of_stored(leaf))
        return SegmentTables.load(folder, segment_id)


def _within(a: str, b: str, limit: int) -> bool:
    """Whether the edit distance of a and b is at most `limit`."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


class Bits:
    """A bitmap read a document at a time: `docnum in bits` looks at one byte, where
    `bits >> docnum & 1` shifts the whole int (a 100,000-page wiki's bitmaps are
    12 KB, and ranking asks tens of thousands of times a query)."""

    __slots__ = ("_data",)

    def __init__(self, bits: int) -> None:
        self._data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")

    def __contains__(self, docnum: int) -> bool:
        byte = docnum >> 3
        return byte < len(self._data) and bool(self._data[byte] >> (docnum & 7) & 1)


class Docs:
    """One searcher generation's documents, safe to share between threads."""

    def __init__(
        self, searcher: Any, folder: Path, loaded: dict[str, SegmentTables] | None = None
    ) -> None:
        """`loaded`: tables of segments already loaded, by segment id, to use and to
        keep this generation's in (a segment never changes but for deletions, which
        `live` applies: the generation after a save shares all but its new segment).
        Tables from `loaded` are closed by its owner, the others by `close()`."""
        self.searcher = searcher
        self.reader = searcher.reader()
        self.segments: list[tuple[Any, int, SegmentTables]] = []
        self._own: list[SegmentTables] = []
        kept: dict[str, SegmentTables] = {}
        for leaf, offset in self.reader.leaf_readers():
            if not hasattr(leaf, "segment"):
                continue
            segment_id = leaf.segment().segment_id()
            tables = loaded.get(segment_id) if loaded is not None else None
            if tables is None:
                tables = open_tables(folder, leaf)
                if loaded is None:
                    self._own.append(tables)
            kept[segment_id] = tables
            self.segments.append((leaf, offset, tables))
        if loaded is not None:  # the segments merged away are dropped (closed when unused)
            loaded.clear()
            loaded.update(kept)
        self.size: int = self.reader.doc_count_all()
        self.live: int = (1 << self.size) - 1
        for leaf, offset, _ in self.segments:
            if leaf.has_deletions():
                self.live &= ~(bitmap(leaf.segment().deleted_docs()) << offset)
        self.lengths = array("I")
        for _, _, tables in self.segments:
            self.lengths += tables.lengths
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        # Bitmaps and champions are kept up to a memory budget: a bitmap of a
        # 100,000-page wiki is 12 KB, a word's champions about 30 KB.
        self._most_terms = max(256, TERMS_BUDGET // (self.size // 8 + 64))
        self._terms: dict[tuple[str, str], int] = {}
        self._champions: dict[str, tuple[dict[int, float], float]] = {}
        self._facets: dict[str, dict[str, int]] | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Read what every first query reads: facet values, each segment's stored-field
        offsets."""
        self.facet_values()
        for leaf, _, tables in self.segments:
            if tables.size:
                leaf.stored_fields(0)

    def close(self) -> None:
        for tables in self._own:
            tables.close()

    # -- terms ------------------------------------------------------------------------

    def _cache(self, key: tuple[str, str], bits: int) -> int:
        with self._lock:
            if len(self._terms) > self._most_terms:
                self._terms.clear()
            self._terms[key] = bits
        return bits

    def term(self, field: str, text: str) -> int:
        key = (field, text)
        found = self._terms.get(key)
        if found is not None:
            return found
        if field == LANG:  # the language pages are in: a facet's bitmap
            return self.facet_values().get(LANG, {}).get(text, 0)
        bits = 0
        for leaf, offset, tables in self.segments:
            if field == "body":
                part = tables.body_bits(text)
            else:
                stored = tables.field_bits(field, text)
                if stored is not None:
                    part = stored
                elif (field, text) in leaf:  # a rare term: whoosh reads it quickly
                    part = bitmap(leaf.postings(field, text).all_ids())
                else:
                    part = 0
            bits |= part << offset
        return self._cache(key, bits & self.live)

    def champions(self, text: str) -> tuple[dict[int, float], float]:
        """BM25 body scores of a word's best documents, and a floor for the others."""
        found = self._champions.get(text)
        if found is not None:
            return found
        idf = self.idf(self.term("body", text))
        lengths, average, live = self.lengths, self.average, Bits(self.live)
        scored: list[tuple[float, int]] = []
        cut = False
        for _, offset, tables in self.segments:
            docs, tfs, truncated = tables.body_candidates(text)
            cut |= truncated
            for docnum, tf in zip(docs, tfs, strict=True):
                docnum += offset
                if docnum in live:
                    scored.append((idf * tf_part(tf, lengths[docnum], average), docnum))
        best = heapq.nlargest(TOP, scored)
        floor = best[-1][0] * 0.9 if best and (cut or len(best) == TOP) else 0.0
        found = ({d: score for score, d in best}, floor)
        with self._lock:
            if len(self._champions) > CHAMPIONS_KEPT:
                self._champions.clear()
            self._champions[text] = found
        return found

    def idf(self, bits: int) -> float:
        df = bits.bit_count()
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def known(self, field: str, text: str) -> bool:
        return bool(self.term(field, text))

    # -- queries ----------------------------------------------------------------------

    def matching(self, q: Any) -> int:
        """The documents matching a whoosh query."""
        if isinstance(q, query.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, query.AndMaybe | query.AndNot | query.Require):
            a = self.matching(q.a)
            if isinstance(q, query.AndNot):
                return a & ~self.matching(q.b)
            return a & self.matching(q.b) if isinstance(q, query.Require) else a
        if isinstance(q, query.And):
            bits = self.live
            for sub in q.subqueries:
                bits &= self.matching(sub)
            return bits
        if isinstance(q, query.Or | query.DisjunctionMax):
            bits = 0
            for sub in q.subqueries:
                bits |= self.matching(sub)
            return bits
        if isinstance(q, query.Not):
            return self.live & ~self.matching(q.query)
        if isinstance(q, query.Every):
            return self.live
        if q is query.NullQuery or isinstance(q, query.NullQuery.__class__):
            return 0
        if isinstance(q, query.MultiTerm):
            bits = 0
            for text in self.expand(q):
                bits |= self.term(q.fieldname, text)
            return bits
        if isinstance(q, query.Phrase):
            return self._phrase(q)
        if getattr(q, "fieldname", None) == "body":
            return 0  # another kind of query the body's tables do not answer
        return bitmap(self.searcher.docs_for_query(q)) & self.live

    def _phrase(self, q: Any) -> int:
        bits = self.live
        for word in q.words:
            bits &= self.term(q.fieldname, word)
        if not bits or len(q.words) < 2:
            return bits
        key = (q.fieldname, "\x1f".join(q.words) + "\x1e")
        found = self._terms.get(key)
        if found is not None:
            return found
        if q.fieldname == "body":
            found = 0
            for _, offset, tables in self.segments:
                found |= bitmap(d + offset for d in tables.phrase(q.words))
        else:
            found = bitmap(self.searcher.docs_for_query(q))
        return self._cache(key, found & bits)

    def expand(self, q: Any, limit: int = 128) -> list[str]:
        """The words a prefix, wildcard or fuzzy query stands for, at most `limit`."""
        if q.fieldname == "body":
            return self._expand_body(q, limit)
        field = self.searcher.schema[q.fieldname]
        texts = []
        for btext in q._btexts(self.reader):
            texts.append(field.from_bytes(btext) if isinstance(btext, bytes) else btext)
            if len(texts) >= limit:
                break
        return texts

    def _expand_body(self, q: Any, limit: int) -> list[str]:
        test: Callable[[str], bool]
        if isinstance(q, query.FuzzyTerm):
            prefix, test = q.text[: q.prefixlength], lambda w: _within(q.text, w, q.maxdist)
        elif isinstance(q, query.Prefix):
            prefix, test = q.text, lambda w: True
        elif isinstance(q, query.PatternQuery):
            pattern = re.compile(q._get_pattern())
            prefix, test = q._find_prefix(q.text), lambda w: bool(pattern.match(w))
        else:
            return []
        found: list[str] = []
        # Each segment's words are sorted: merged, a word of several segments is met
        # once after another.
        words = heapq.merge(*(tables.vocab.starting_with(prefix) for _, _, tables in self.segments))
        previous = None
        for word in words:
            if len(found) >= limit:
                break
            if word != previous and test(word):
                found.append(word)
            previous = word
        return found

    def leaves(self, q: Any, boost: float = 1.0) -> Iterator[tuple[str, str, float]]:
        """The (field, word, weight) a query looks for, leaving out negated parts."""
        boost *= getattr(q, "boost", 1.0)
        if isinstance(q, query.Term):
            if q.fieldname != LANG:  # which language's analysis: not a word looked for
                yield q.fieldname, q.text, boost
        elif isinstance(q, query.Phrase):
            for word in q.words:
                yield q.fieldname, word, boost
        elif isinstance(q, query.MultiTerm):
            for text in self.expand(q, 32):
                yield q.fieldname, text, boost * 0.7
        elif isinstance(q, query.AndNot):
            yield from self.leaves(q.a, boost)
        elif isinstance(q, query.BinaryQuery):
            yield from self.leaves(q.a, boost)
            yield from self.leaves(q.b, boost)
        elif isinstance(q, query.Not):
            return
        elif isinstance(q, query.CompoundQuery):
            for sub in q.subqueries:
                yield from self.leaves(sub, boost)

    def rank(self, q: Any, matched: int, wanted: int) -> list[tuple[int, float]]:
        """The best `wanted` documents of `matched`, with their scores.

        A body word scores its best documents (champions) by BM25 and the others it is
        in by a floor; title, alias, heading, summary and tag words by their idf. The
        champions are scored one by one; every other document's score follows from
        which words it has, so the best of them are found by bitmaps (`ranking`)."""
        body: list[tuple[dict[int, float], float, int, float]] = []
        weights: dict[tuple[str, str], float] = {}  # a word met twice weighs twice
        for field, text, boost in self.leaves(q):
            bits = self.term(field, text)
            if field == "body":
                champions, floor = self.champions(text)
                body.append((champions, floor, bits, boost))
            elif bits & matched:
                weights[field, text] = weights.get((field, text), 0.0) + boost * self.idf(bits)
        fields = [(self.term(field, text), weight) for (field, text), weight in weights.items()]
        terms = self.facet_values()["type"].get("term", 0)
        chosen = bitmap({d for champions, *_ in body for d in champions}) & matched
        scored = self._score_each(chosen, body, fields, terms)
        rest = matched ^ chosen
        leaves = [(having & rest, boost * floor) for _, floor, having, boost in body]
        leaves += [(bits & rest, weight) for bits, weight in fields]
        scored += ranking.best(rest, leaves, terms, TERM_BOOST, wanted)
        return heapq.nlargest(wanted, scored, key=lambda item: (item[1], -item[0]))

    @staticmethod
    def _score_each(
        docs: int,
        body: list[tuple[dict[int, float], float, int, float]],
        fields: list[tuple[int, float]],
        terms: int,
    ) -> list[tuple[int, float]]:
        """Scores of the documents in `docs` (some body words' champions), one by one:
        a word's documents among them at a time (a champion has its word)."""
        scores = dict.fromkeys(ranking.members(docs), 0.0)
        for champions, floor, having, boost in body:
            for docnum in ranking.members(having & docs):
                scores[docnum] += boost * champions.get(docnum, floor)
        for bits, weight in fields:
            for docnum in ranking.members(bits & docs):
                scores[docnum] += weight
        for docnum in ranking.members(terms & docs):  # practitioners come for definitions
            scores[docnum] *= TERM_BOOST
        return list(scores.items())

    # -- facets ----------------------------------------------------------------------

    def facet_values(self) -> dict[str, dict[str, int]]:
        """{facet: {value: documents with it}}."""
        if self._facets is not None:
            return self._facets
        found: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        for _, offset, tables in self.segments:
            for facet, values in tables.facets.items():
                table = found.setdefault(facet, {})
                for value, bits in values.items():
                    table[value] = table.get(value, 0) | bits << offset
        self._facets = {
            f: {v: bits & self.live for v, bits in values.items()} for f, values in found.items()
        }
        return self._facets

    def languages(self) -> list[str]:
        """The languages of the pages in the index, in order."""
        return sorted(v for v, bits in self.facet_values().get(LANG, {}).items() if bits)

    def allowed(self, facet: str, values: Sequence[str]) -> int:
        """Documents with any of `values` (for tags: with all of them)."""
        table = self.facet_values()[facet]
        if facet == "tag":
            bits = self.live
            for value in values:
                bits &= table.get(value, 0)
            return bits
        bits = 0
        for value in values:
            bits |= table.get(value, 0)
        return bits

    def counts(self, facet: str, docs: int) -> dict[str, int]:
        found = {}
        for value, bits in self.facet_values()[facet].items():
            count = (bits & docs).bit_count()
            if count:
                found[value] = count
        return found
