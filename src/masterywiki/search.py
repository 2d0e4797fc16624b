"""Full-text search: the only module that imports whoosh. No Flask here.

The index lives in `INSTANCE/search/` and is derived from git: `state.json` names the
index folder in use and the commit it reflects. Before each search the service compares
that commit with HEAD and applies the diff (pages edited, renamed or deleted, in the app
or outside it). Writers in any process are serialized by an `fcntl` lock on
`search/write.lock`; a reader never waits for it: when another process is writing, it
searches the slightly older index. A missing or unreadable index is rebuilt from git
into a fresh folder, and `state.json` is switched to it atomically, so other processes
keep reading the old folder until they notice.

Query text supports words, "phrases", prefix*, AND/OR/NOT and field:value. Before
parsing, words and phrases that name a glossary term (its title or an alias) or a group
in the repository's `synonyms.txt` are expanded to all their synonyms.
"""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import html
import json
import logging
import math
import multiprocessing
import os
import queue
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any, cast

from whoosh import columns, fields, index, qparser, query  # type: ignore[import-untyped]
from whoosh.analysis import (  # type: ignore[import-untyped]
    STOP_WORDS,
    Analyzer,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh.filedb.filestore import FileStorage  # type: ignore[import-untyped]
from whoosh.lang.porter import stem as porter_stem  # type: ignore[import-untyped]
from whoosh.writing import SegmentWriter  # type: ignore[import-untyped]

from masterywiki import names
from masterywiki.catalog import PageRecord
from masterywiki.errors import RevisionNotFound, WikiError
from masterywiki.model import decode
from masterywiki.wiki import Snapshot, Wiki

log = logging.getLogger(__name__)

INDEX_FORMAT = 1
SYNONYMS_FILE = "synonyms.txt"
PAGE_SIZE = 10
FACETS = ("type", "section", "tag", "resource_type", "organization_type")
FACET_LABELS = {
    "type": "Type",
    "section": "Section",
    "tag": "Tag",
    "resource_type": "Resource type",
    "organization_type": "Organization type",
}
_FACET_FIELDS = {"tag": "tags"}  # facet name -> index field, where they differ
# Query-time field weights: a title or alias match outranks a body match.
_FIELD_BOOSTS = {
    "title": 6.0,
    "aliases": 5.0,
    "headings": 2.0,
    "summary": 1.5,
    "tags": 1.5,
    "organization": 1.0,
    "body": 1.0,
}
_NAME_BOOST = 30.0  # the query is exactly a page's title or alias
_SYNONYM_BOOST = 0.9
_TERM_BOOST = 1.2  # glossary terms, over pages that match as well
_WORD = re.compile(r"\w+")
_QUERY_TOKEN = re.compile(r'"[^"]*"?|\(|\)|[^\s()"]+')
_PLAIN_WORD = re.compile(r"^[\w'\u2019-]+$")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


class SearchUnavailable(WikiError):
    status = 503
    title = "Search is not ready"


# -- values ---------------------------------------------------------------------


@dataclass(frozen=True)
class Crumb:
    title: str
    url: str


@dataclass(frozen=True)
class Hit:
    name: str
    title: str
    url: str
    type: str
    snippet: str  # HTML: escaped text with <mark> around matches
    summary: str
    breadcrumbs: tuple[Crumb, ...]
    tags: tuple[str, ...]
    resource_type: str
    organization: str
    updated: datetime | None
    score: float


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class Definition:
    name: str
    title: str
    url: str
    summary: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str
    type: str
    context: str  # where the page sits: its parent's title, or its section


@dataclass(frozen=True)
class SearchResults:
    query: str
    filters: Mapping[str, tuple[str, ...]]
    total: int
    page: int
    page_size: int
    hits: tuple[Hit, ...] = ()
    facets: tuple[Facet, ...] = ()
    suggestion: str | None = None  # "did you mean"
    corrected: bool = False  # the hits are for `suggestion`: the query found nothing
    definition: Definition | None = None
    synonyms: tuple[str, ...] = ()  # other words that were searched for too

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# -- analysis and schema ------------------------------------------------------------


class StemmingWords(Analyzer):  # type: ignore[misc]
    """Whoosh's StemmingAnalyzer (words, lowercase, stop words, Porter stems) in one pass.

    The same tokens as the chain of four generators, about twice as fast, which is most
    of the time a full reindex spends in whoosh.
    """

    is_morph = True

    def __init__(self) -> None:
        self.pattern = r"[\w\*]+(\.?[\w\*]+)*"
        self.minsize = 2
        self._setup()

    def _setup(self) -> None:
        self._finditer = re.compile(self.pattern).finditer
        self._stops = STOP_WORDS
        self._stems: dict[str, str] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "minsize": self.minsize}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._setup()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StemmingWords) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def has_morph(self) -> bool:
        return True

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stems, stops, minsize = self._stems, self._stops, self.minsize
        matches: Iterable[Any] = self._finditer(value) if tokenize else [_Whole(value)]
        pos = -1
        for index_, match in enumerate(matches):
            word = match.group(0).lower()
            stopped = len(word) < minsize or word in stops
            if stopped and removestops:
                continue
            token.stopped = stopped
            if keeporiginal:
                token.original = word
            if stopped:
                token.text = word
            else:
                text = stems.get(word)
                if text is None:
                    text = stems[word] = porter_stem(word)
                token.text = text
                # As whoosh's StopFilter: the first kept word keeps its position, the
                # next ones follow it; stopped words keep their own.
                pos = start_pos + index_ if pos < 0 else pos + 1
            token.boost = 1.0
            if positions:
                token.pos = start_pos + index_ if stopped else pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


class _Whole:
    """A stand-in for a regex match covering the whole value (`tokenize=False`)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def group(self, _index: int) -> str:
        return self.value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self.value)


def _plain_analyzer() -> Any:
    """Words as written (lowercased, no stemming): for spelling and prefix suggestions."""
    return RegexTokenizer() | LowercaseFilter() | StopFilter(minsize=2)


def make_schema() -> Any:
    stem = StemmingWords()

    def text(stored: bool = False) -> Any:
        return fields.TEXT(analyzer=stem, stored=stored, multitoken_query="phrase")

    return fields.Schema(
        path=fields.ID(stored=True, unique=True),
        title=text(stored=True),
        aliases=text(),
        names=fields.KEYWORD(commas=True, lowercase=True),
        headings=text(),
        summary=text(stored=True),
        body=text(stored=True),
        organization=text(stored=True),
        tags=fields.KEYWORD(commas=True, lowercase=True, scorable=True),
        tag_list=fields.COLUMN(columns.VarBytesColumn()),
        type=fields.ID(stored=True, sortable=True),
        section=fields.ID(stored=True, sortable=True),
        resource_type=fields.ID(stored=True, sortable=True),
        organization_type=fields.ID(stored=True, sortable=True),
        updated=fields.DATETIME(stored=True),
        spell=fields.TEXT(analyzer=_plain_analyzer(), phrase=False),
        complete=fields.TEXT(analyzer=_plain_analyzer(), phrase=False),
    )


def normalize(text: str) -> tuple[str, ...]:
    """The words of a name, for comparing names: 'Data-Backpack ' -> ('data', 'backpack')."""
    return tuple(_WORD.findall(text.casefold()))


def section_of(name: str) -> str:
    """The first segment of a page's path ('framework' for framework/grading-policy)."""
    return "" if name == names.ROOT else name.split("/", 1)[0]


def document(
    record: PageRecord, text: str, headings: Sequence[str], snapshot: Snapshot
) -> dict[str, Any]:
    """The index fields of one page."""
    fm = record.info.front_matter
    change = snapshot.changes.get(record.file)
    summary = record.summary or ""
    tags = tuple(fm.tags)
    return {
        "path": record.name,
        "title": record.title,
        "aliases": "\n".join(fm.aliases),
        "names": ",".join(" ".join(normalize(n)) for n in (record.title, *fm.aliases)),
        "headings": "\n".join(headings),
        "summary": summary,
        "body": text,
        "organization": fm.organization or "",
        "tags": ",".join(t.replace(",", " ") for t in tags),
        "tag_list": "\x1f".join(tags).encode(),
        "type": record.type,
        "section": section_of(record.name),
        "resource_type": fm.resource_type or "",
        "organization_type": fm.organization_type or "",
        "updated": change.date.replace(tzinfo=None) if change else None,
        "spell": " ".join([record.title, *fm.aliases, *headings, summary, *tags]),
        "complete": " ".join([record.title, *fm.aliases]),
    }


def _page_document(wiki: Wiki, snapshot: Snapshot, record: PageRecord) -> dict[str, Any]:
    rendered = wiki.rendered(record)
    return document(record, rendered.text, [h.text for h in rendered.headings], snapshot)


# -- synonyms ------------------------------------------------------------------------


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
        tokens = _QUERY_TOKEN.findall(text)
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
            if token in _OPERATORS or not _PLAIN_WORD.match(token):
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


# -- the index on disk ----------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    folder: str  # the index folder in use, under the search folder
    commit: str  # the commit it reflects ("" for an empty repository)


class _WriteLock:
    """An exclusive `fcntl` lock shared by every process using one search folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: Any = None

    def acquire(self, timeout: float) -> bool:
        """True once held; False if another process still holds it after `timeout` s."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    return False
                time.sleep(0.05)
                continue
            self._handle = handle
            return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    @contextlib.contextmanager
    def held(self, timeout: float) -> Iterator[bool]:
        got = self.acquire(timeout)
        try:
            yield got
        finally:
            if got:
                self.release()


@dataclass
class _Open:
    """One process's open index: a searcher kept between queries, and its bitmaps."""

    state: _State
    index: Any
    searcher: Any
    docs: _Docs | None = None


def _bitmap(ids: Iterable[int]) -> int:
    """A set of document numbers as the bits of an int: AND, OR and counts run in C."""
    found = bytearray()
    for docnum in ids:
        byte = docnum >> 3
        if byte >= len(found):
            found.extend(bytes(byte - len(found) + 1))
        found[byte] |= 1 << (docnum & 7)
    return int.from_bytes(found, "little")


def _members(bits: int, limit: int | None = None) -> Iterator[int]:
    """The document numbers in a bitmap, in order."""
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    found = 0
    for byte_index, byte in enumerate(data):
        if not byte:
            continue
        base = byte_index << 3
        for bit in range(8):
            if byte >> bit & 1:
                yield base + bit
                found += 1
                if limit is not None and found >= limit:
                    return


_HIGH_FIELDS = frozenset(_FIELD_BOOSTS) - {"body"}
_CHAMPIONS = 400  # best body documents kept per term, for ranking
_K1, _B = 1.2, 0.75


class _Docs:
    """One searcher generation's documents as bitmaps, for counting, facets and ranking.

    Whoosh's matchers step through postings one document at a time in Python, which costs
    hundreds of milliseconds when a word is on most of 10,000 pages. Here each term's
    postings are read a block at a time into a bitmap (cached), so a query's result set,
    its size and every facet count are a few big-integer operations. Ranking scores
    title, alias, heading, summary and tag matches exactly and body matches with BM25 over
    each term's best documents.
    """

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.segments = list(self.reader.leaf_readers())
        self.size: int = self.reader.doc_count_all()
        self.live: int = (1 << self.size) - 1
        for leaf, offset in self.segments:
            if leaf.has_deletions():
                for docnum in range(leaf.doc_count_all()):
                    if leaf.is_deleted(docnum):
                        self.live &= ~(1 << (docnum + offset))
        self._terms: dict[tuple[str, str], int] = {}
        self._champions: dict[str, tuple[dict[int, float], float]] = {}
        self._lengths: list[int] | None = None
        self._facets: dict[str, dict[str, int]] | None = None
        self._lock = threading.Lock()

    # -- postings ---------------------------------------------------------------------

    def _postings(self, field: str, text: str, weights: bool) -> Iterator[tuple[int, float]]:
        for leaf, offset in self.segments:
            if (field, text) not in leaf:
                continue
            matcher = leaf.postings(field, text)
            matcher = getattr(matcher, "child", matcher)  # unwrap the deletions filter
            if not hasattr(matcher, "_read_ids"):  # not whoosh's W3 codec: go slowly
                while matcher.is_active():
                    yield matcher.id() + offset, matcher.weight() if weights else 1.0
                    matcher.next()
                continue
            while matcher.is_active():
                matcher._read_ids()
                ids = matcher._ids
                if weights:
                    matcher._read_weights()
                    pairs = zip(ids, matcher._weights, strict=True)
                    yield from ((i + offset, w) for i, w in pairs)
                else:
                    yield from ((i + offset, 1.0) for i in ids)
                matcher._next_block()

    def term(self, field: str, text: str) -> int:
        key = (field, text)
        found = self._terms.get(key)
        if found is None:
            found = _bitmap(d for d, _ in self._postings(field, text, False)) & self.live
            with self._lock:
                if len(self._terms) > 50_000:
                    self._terms.clear()
                self._terms[key] = found
        return found

    def lengths(self) -> list[int]:
        if self._lengths is None:
            length = self.reader.doc_field_length
            self._lengths = [length(d, "body", 0) for d in range(self.size)]
        return self._lengths

    def champions(self, text: str) -> tuple[dict[int, float], float]:
        """BM25 body scores of a term's best documents, and a floor for the others."""
        found = self._champions.get(text)
        if found is not None:
            return found
        lengths = self.lengths()
        average = (sum(lengths) / len(lengths)) if lengths else 1.0
        postings = list(self._postings("body", text, True))
        df = len(postings)
        idf = math.log(1 + (self.size - df + 0.5) / (df + 0.5))
        norm = _K1 * (1 - _B) / 1.0, _K1 * _B / (average or 1.0)
        scored = (
            (idf * w * (_K1 + 1) / (w + norm[0] + norm[1] * lengths[d]), d)
            for d, w in postings
            if self.live >> d & 1
        )
        best = heapq.nlargest(_CHAMPIONS, scored)
        floor = best[-1][0] * 0.9 if len(best) == _CHAMPIONS else 0.0
        found = ({d: score for score, d in best}, floor)
        with self._lock:
            if len(self._champions) > 5_000:
                self._champions.clear()
            self._champions[text] = found
        return found

    def idf(self, bits: int) -> float:
        df = bits.bit_count()
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

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
            bits = self.live
            for word in q.words:
                bits &= self.term(q.fieldname, word)
            if not bits or len(q.words) < 2:
                return bits
            # Checking word positions is slow for common words: cache the answer too.
            key = (q.fieldname, "\x1f".join(q.words) + "\x1e")
            found = self._terms.get(key)
            if found is None:
                found = _bitmap(self.searcher.docs_for_query(q)) & self.live
                with self._lock:
                    self._terms[key] = found
            return found
        return _bitmap(self.searcher.docs_for_query(q)) & self.live

    def expand(self, q: Any, limit: int = 128) -> list[str]:
        field = self.searcher.schema[q.fieldname]
        texts = []
        for btext in q._btexts(self.reader):
            texts.append(field.from_bytes(btext) if isinstance(btext, bytes) else btext)
            if len(texts) >= limit:
                break
        return texts

    def leaves(self, q: Any, boost: float = 1.0) -> Iterator[tuple[str, str, float]]:
        """The (field, word, weight) a query looks for, leaving out negated parts."""
        boost *= getattr(q, "boost", 1.0)
        if isinstance(q, query.Term):
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
        """The best `wanted` documents of `matched`, with their scores."""
        scores: dict[int, float] = {}
        body: list[tuple[dict[int, float], float, int, float]] = []
        for field, text, boost in self.leaves(q):
            if field == "body":
                champions, floor = self.champions(text)
                body.append((champions, floor, self.term(field, text), boost))
                for docnum, score in champions.items():
                    if matched >> docnum & 1:
                        scores[docnum] = scores.get(docnum, 0.0) + boost * score
                continue
            bits = self.term(field, text) & matched
            if not bits:
                continue
            weight = boost * self.idf(self.term(field, text))
            for docnum in _members(bits, 2000):
                scores[docnum] = scores.get(docnum, 0.0) + weight
        if len(scores) < wanted:
            for docnum in _members(matched, wanted + len(scores)):
                scores.setdefault(docnum, 0.0)
        terms = self.facet_values()["type"].get("term", 0)
        for docnum in scores:
            for champions, floor, bits, boost in body:
                if docnum not in champions and bits >> docnum & 1:
                    scores[docnum] += boost * floor
            if terms >> docnum & 1:  # practitioners come for definitions
                scores[docnum] *= _TERM_BOOST
        return heapq.nlargest(wanted, scores.items(), key=lambda item: (item[1], -item[0]))

    # -- facets ----------------------------------------------------------------------

    def facet_values(self) -> dict[str, dict[str, int]]:
        """{facet: {value: documents with it}}, read from the index's value columns."""
        if self._facets is not None:
            return self._facets
        reader = self.reader
        found: dict[str, dict[str, list[int]]] = {f: {} for f in FACETS}
        for facet in ("type", "section", "resource_type", "organization_type"):
            if reader.has_column(facet):
                for docnum, value in enumerate(reader.column_reader(facet)):
                    if value:
                        found[facet].setdefault(value, []).append(docnum)
        if reader.has_column("tag_list"):
            for docnum, raw in enumerate(reader.column_reader("tag_list")):
                for value in raw.decode().split("\x1f") if raw else ():
                    found["tag"].setdefault(value, []).append(docnum)
        self._facets = {
            f: {v: _bitmap(docs) & self.live for v, docs in values.items()}
            for f, values in found.items()
        }
        return self._facets

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


# -- the service -------------------------------------------------------------------------


class _Marker:
    """Snippets: the passage around the first matching word, matches in <mark>.

    Faster than whoosh's highlighter, which re-analyzes the whole text: a regular
    expression finds words starting like a searched stem, and only those are stemmed.
    """

    def __init__(self, stems: Iterable[str], width: int = 240) -> None:
        self.stems = {s.casefold() for s in stems if s}
        # Porter stems are prefixes of their words but for a last e, i or y: grade(ing)
        prefixes = sorted({s[:-1] if s[-1:] in "eiy" and len(s) > 3 else s for s in self.stems})
        self.pattern = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, prefixes)) + r")\w*", re.IGNORECASE)
            if prefixes
            else None
        )
        self.width = width
        self._stem = StemmingWords()

    def _hits(self, text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
        if self.pattern is None:
            return
        for match in self.pattern.finditer(text, start, len(text) if end is None else end):
            word = match.group(0)
            stems = [t.text for t in self._stem(word)]
            if stems and (stems[0] in self.stems or word.casefold() in self.stems):
                yield match

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


class SearchService:
    """Search over one wiki, safe to share between the threads of one process."""

    def __init__(self, wiki: Wiki, folder: Path, *, wait: float = 20.0) -> None:
        self.wiki = wiki
        self.folder = Path(folder)
        self.wait = wait  # how long a search waits for an index that does not exist yet
        self.schema = make_schema()
        self._lock = threading.RLock()
        self._write_lock = _WriteLock(self.folder / "write.lock")
        self._open: _Open | None = None
        self._building: threading.Thread | None = None
        self._build_error: BaseException | None = None
        self._vocabulary: tuple[str, Synonyms, dict[tuple[str, ...], str]] | None = None

    # -- state file ------------------------------------------------------------

    def _state_file(self) -> Path:
        return self.folder / "state.json"

    def read_state(self) -> _State | None:
        try:
            data = json.loads(self._state_file().read_text())
            if data.get("format") != INDEX_FORMAT:
                return None
            return _State(str(data["folder"]), str(data["commit"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_state(self, state: _State) -> None:
        data = {"format": INDEX_FORMAT, "folder": state.folder, "commit": state.commit}
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".state-", suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(tmp, self._state_file())

    # -- building and updating (under the write lock) ------------------------------

    def rebuild(self, progress: Callable[[int], None] | None = None, processes: int = 1) -> int:
        """Index every page at HEAD into a new folder and switch to it; returns the count.

        With `processes` > 1, pages are rendered in forked worker processes (for the CLI:
        forking a threaded server is unsafe). Raises SearchUnavailable when another
        process holds the write lock for longer than the wait time.
        """
        with self._write_lock.held(max(self.wait, 60.0)) as got:
            if not got:
                raise SearchUnavailable("Another process is updating the search index.")
            return self._rebuild_locked(progress, processes)

    def _rebuild_locked(self, progress: Callable[[int], None] | None, processes: int) -> int:
        snapshot = self.wiki.refresh()
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"index-{secrets.token_hex(4)}"
        target = self.folder / name
        target.mkdir()
        try:
            ix = FileStorage(str(target)).create_index(self.schema)
            count = len(snapshot.catalog)
            if processes > 1 and count >= 200:
                _build_in_processes(ix, self.wiki, snapshot, processes, progress)
            else:
                _build_here(ix, self.wiki, snapshot, progress)
            ix.close()
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        self._write_state(_State(name, snapshot.commit or ""))
        for old in self.folder.glob("index-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
        log.info("search index rebuilt: %d pages at %s", count, snapshot.commit)
        return count

    def _update_locked(self, state: _State) -> None:
        """Bring the index from `state.commit` to HEAD. Raises on an unusable index."""
        snapshot = self.wiki.refresh()
        head = snapshot.commit or ""
        if state.commit == head:
            return
        if state.commit and head:
            changed = self.wiki.storage.changed_paths(state.commit, head)
        else:
            changed = set(snapshot.files) | {"index.md"}
        affected = {n for n in map(names.name_for_file, changed) if n is not None}
        if affected:
            ix = index.open_dir(str(self.folder / state.folder))
            writer = ix.writer(timeout=5.0)
            try:
                catalog = snapshot.catalog
                for name in sorted(affected):
                    record = catalog.get(name)
                    if record is None:
                        writer.delete_by_term("path", name)
                    else:
                        writer.update_document(**_page_document(self.wiki, snapshot, record))
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            finally:
                ix.close()
        self._write_state(_State(state.folder, head))

    def _bring_up_to_date(self, timeout: float) -> bool:
        """Update or rebuild the index under the write lock; False if the lock is busy."""
        with self._write_lock.held(timeout) as got:
            if not got:
                return False
            state = self.read_state()
            if state is None or not (self.folder / state.folder).is_dir():
                self._rebuild_locked(None, 1)
                return True
            try:
                self._update_locked(state)
            except RevisionNotFound:
                self._rebuild_locked(None, 1)  # the indexed commit is gone (history rewritten)
            except Exception:
                log.warning("search index unusable; rebuilding it", exc_info=True)
                self._rebuild_locked(None, 1)
            return True

    # -- freshness for readers ---------------------------------------------------------

    def refresh(self, wait: bool = True) -> None:
        """Make this process's searcher reflect HEAD.

        A reader never waits for another process's write: if the index exists but is
        behind and the lock is busy, the older index is used. Only when there is no
        index at all does this wait (up to `self.wait` s, then SearchUnavailable).
        """
        head = self.wiki.refresh().commit or ""
        with self._lock:
            if self._open is not None and self._open.state.commit == head:
                return
            state = self.read_state()
            if state is not None and state.commit != head:
                self._bring_up_to_date(timeout=0)
                state = self.read_state()
            if state is None:
                self._build_missing(wait)
                state = self.read_state()
                if state is None:
                    raise SearchUnavailable(
                        "The search index is being built. Try again in a moment."
                    )
            self._switch_to(state)

    def _build_missing(self, wait: bool) -> None:
        """Build the first index in a background thread, waiting for it up to `wait` s."""
        if self._building is None or not self._building.is_alive():
            self._build_error = None

            def build() -> None:
                try:
                    self._bring_up_to_date(timeout=max(self.wait, 60.0))
                except BaseException as error:  # reported to the waiting request
                    self._build_error = error
                    log.exception("building the search index failed")

            self._building = threading.Thread(target=build, name="search-index", daemon=True)
            self._building.start()
        if wait:
            self._building.join(self.wait)
        if self._build_error is not None:
            raise self._build_error

    def _switch_to(self, state: _State) -> None:
        current = self._open
        if current is not None and current.state.folder == state.folder:
            if not current.searcher.up_to_date():
                # Not `searcher.refresh()`: it reuses segment readers whose deletions
                # are out of date, so an edited page would be found twice.
                old, current.searcher = current.searcher, current.index.searcher()
                current.docs = None
                old.close()
            current.state = state
            return
        ix = index.open_dir(str(self.folder / state.folder))
        opened = _Open(state, ix, ix.searcher())
        self._open = opened
        if current is not None:
            with contextlib.suppress(Exception):
                current.searcher.close()
                current.index.close()

    def _searcher(self) -> tuple[Any, _Docs]:
        self.refresh()
        with self._lock:
            opened = self._open
            assert opened is not None
            if opened.docs is None:
                opened.docs = _Docs(opened.searcher)
            return opened.searcher, opened.docs

    def _healthy(self, state: _State) -> bool:
        """Whether the index in `state` opens and reads: a probe after a failed search."""
        try:
            ix = index.open_dir(str(self.folder / state.folder))
            with ix.searcher() as searcher:
                reader = searcher.reader()
                for docnum in range(min(reader.doc_count_all(), 50)):
                    if not reader.is_deleted(docnum):
                        searcher.stored_fields(docnum)
                for field in ("path", "title", "body"):
                    for _ in zip(range(50), reader.lexicon(field), strict=False):
                        pass
                list(searcher.docs_for_query(query.Term("type", "term")))
            ix.close()
            return True
        except Exception:
            return False

    def _reset(self) -> None:
        with self._lock:
            if self._open is not None:
                with contextlib.suppress(Exception):
                    self._open.searcher.close()
                    self._open.index.close()
            self._open = None

    def _with_recovery(self, run: Callable[[Any, _Docs], Any]) -> Any:
        """Run a search; if it fails, reopen the index, and rebuild it if it is corrupt."""
        try:
            searcher, docs = self._searcher()
            return run(searcher, docs)
        except SearchUnavailable:
            raise
        except Exception:
            log.warning("search failed; reopening the index", exc_info=True)
        self._reset()
        state = self.read_state()
        if state is None or not self._healthy(state):
            log.warning("the search index is unreadable; rebuilding it from git")
            with self._write_lock.held(max(self.wait, 60.0)) as got:
                if not got:
                    raise SearchUnavailable("The search index is being rebuilt.")
                current = self.read_state()
                if current is None or current == state or not self._healthy(current):
                    self._rebuild_locked(None, 1)
        searcher, docs = self._searcher()
        return run(searcher, docs)

    def close(self) -> None:
        with self._lock:
            if self._open is not None:
                with contextlib.suppress(Exception):
                    self._open.searcher.close()
                    self._open.index.close()
            self._open = None

    # -- vocabulary: synonyms and term names, per catalog version --------------------------

    def vocabulary(self) -> tuple[Synonyms, dict[tuple[str, ...], str]]:
        """(synonyms, {normalized term title or alias: term page name})."""
        snapshot = self.wiki.refresh()
        blob = snapshot.files.get(SYNONYMS_FILE, "")
        key = f"{snapshot.catalog.version}:{blob}"
        cached = self._vocabulary
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        groups: list[Sequence[str]] = []
        terms: dict[tuple[str, ...], str] = {}
        for record in snapshot.catalog.glossary():
            group = (record.title, *record.info.front_matter.aliases)
            groups.append(group)
            for entry in group:
                terms.setdefault(normalize(entry), record.name)
        if blob:
            with contextlib.suppress(WikiError):
                groups += parse_synonyms(decode(self.wiki.storage.read_blob(blob)))
        synonyms = Synonyms(groups)
        self._vocabulary = (key, synonyms, terms)
        return synonyms, terms

    # -- searching --------------------------------------------------------------------------

    def search(
        self,
        text: str,
        filters: Mapping[str, Sequence[str]] | None = None,
        page: int = 1,
        page_size: int = PAGE_SIZE,
    ) -> SearchResults:
        """Results for a query string. Raises SearchUnavailable if there is no index yet."""
        text = " ".join(text.split())[:500]
        chosen = {
            f: tuple(dict.fromkeys(v for v in (filters or {}).get(f, ()) if v)) for f in FACETS
        }
        chosen = {f: v for f, v in chosen.items() if v}
        page = max(1, page)
        if not text and not chosen:
            return SearchResults(text, chosen, 0, page, page_size)
        result: SearchResults = self._with_recovery(
            lambda searcher, docs: self._search(searcher, docs, text, chosen, page, page_size)
        )
        return result

    def _search(
        self,
        searcher: Any,
        docs: _Docs,
        text: str,
        chosen: dict[str, tuple[str, ...]],
        page: int,
        page_size: int,
    ) -> SearchResults:
        synonyms, terms = self.vocabulary()
        suggestion = self._correction(searcher, text) if text else None
        definition = self._definition(terms, text) or (
            self._definition(terms, suggestion) if suggestion else None
        )
        found = self._run(searcher, docs, text, chosen, page, page_size, synonyms)
        corrected = False
        if not found[0] and suggestion:
            found = self._run(searcher, docs, suggestion, chosen, page, page_size, synonyms)
            corrected = bool(found[0])
        total, hits, facets, used = found
        return SearchResults(
            query=text,
            filters=chosen,
            total=total,
            page=page,
            page_size=page_size,
            hits=hits,
            facets=facets,
            suggestion=suggestion,
            corrected=corrected,
            definition=definition,
            synonyms=tuple(used),
        )

    def parse(self, text: str, synonyms: Synonyms | None = None) -> tuple[Any, list[str]]:
        """The whoosh query for a query string, and the synonyms it was expanded with."""
        if synonyms is None:
            synonyms = self.vocabulary()[0]
        expanded, used = synonyms.expand(text)
        parser = qparser.MultifieldParser(
            list(_FIELD_BOOSTS), self.schema, fieldboosts=_FIELD_BOOSTS
        )
        parser.add_plugin(qparser.FuzzyTermPlugin())
        parsed = parser.parse(expanded)
        words = normalize(text)
        if words and _PLAIN_QUERY.match(text.strip('"')):
            exact = query.Term("names", " ".join(words), boost=_NAME_BOOST)
            parsed = query.AndMaybe(parsed, exact)
        return parsed, used

    def _run(
        self,
        searcher: Any,
        docs: _Docs,
        text: str,
        chosen: dict[str, tuple[str, ...]],
        page: int,
        page_size: int,
        synonyms: Synonyms,
    ) -> tuple[int, tuple[Hit, ...], tuple[Facet, ...], list[str]]:
        if text:
            parsed, used = self.parse(text, synonyms)
            base = 0 if parsed is query.NullQuery else docs.matching(parsed)
        else:
            parsed, used = query.Every(), []
            base = docs.live
        allowed = {f: docs.allowed(f, v) for f, v in chosen.items()}
        matched = base
        for bits in allowed.values():
            matched &= bits
        facets = self._facets(docs, base, allowed, chosen)
        total = matched.bit_count()
        start = (page - 1) * page_size
        if start >= total:
            return total, (), facets, used
        ranked = docs.rank(parsed, matched, start + page_size)[start:]
        words = [t for f, t, _ in docs.leaves(parsed) if f in ("body", "summary", "title")]
        marker = _Marker(words)
        hits = tuple(self._hit(searcher, d, score, marker) for d, score in ranked)
        return total, hits, facets, used

    def _facets(
        self,
        docs: _Docs,
        base: int,
        allowed: dict[str, int],
        chosen: dict[str, tuple[str, ...]],
    ) -> tuple[Facet, ...]:
        """Counts per facet value, each facet counted with the other facets' filters applied,
        so a count says how many results choosing that value (too) would give."""
        facets = []
        for facet in FACETS:
            scope = base
            for other, bits in allowed.items():
                if other != facet or facet == "tag":
                    scope &= bits
            counts = docs.counts(facet, scope)
            selected = chosen.get(facet, ())
            values = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
            shown = [FacetValue(v, n, v in selected) for v, n in values]
            shown += [FacetValue(v, 0, True) for v in selected if v not in counts]
            if shown:
                facets.append(Facet(facet, FACET_LABELS[facet], tuple(shown)))
        return tuple(facets)

    def _hit(self, searcher: Any, docnum: int, score: float, marker: _Marker) -> Hit:
        stored = searcher.stored_fields(docnum)
        name = str(stored["path"])
        summary = str(stored.get("summary") or "")
        body = str(stored.get("body") or "")
        title = str(stored.get("title") or name)
        if body.startswith(title):  # the page's own heading: the title is shown already
            body = body[len(title) :].lstrip()
        snippet = marker.snippet(body) or marker.snippet(summary) or marker.plain(summary or body)
        catalog = self.wiki.snapshot.catalog
        record = catalog.get(name)
        crumbs = tuple(Crumb(r.title, r.url) for r in catalog.ancestors(name))
        fm = record.info.front_matter if record else None
        return Hit(
            name=name,
            title=title,
            url=names.url_for_name(name),
            type=str(stored.get("type") or "page"),
            snippet=snippet,
            summary=summary,
            breadcrumbs=crumbs,
            tags=tuple(fm.tags) if fm else (),
            resource_type=str(stored.get("resource_type") or ""),
            organization=str(stored.get("organization") or ""),
            updated=cast(datetime | None, stored.get("updated")),
            score=round(score, 4),
        )

    # -- did you mean, definitions, suggestions ---------------------------------------------------

    def _known(self, searcher: Any, word: str) -> bool:
        if searcher.doc_frequency("spell", word):
            return True
        stems = [t.text for t in self.schema["body"].analyzer(word)]
        # No stems: a stop word, never "misspelled".
        return not stems or all(searcher.doc_frequency("body", s) for s in stems)

    def _correction(self, searcher: Any, text: str) -> str | None:
        """The query with unknown words replaced by the closest known ones, or None."""
        changed = False
        out: list[str] = []
        reader = searcher.reader()
        for token in _QUERY_TOKEN.findall(text):
            word = token.casefold()
            if (
                token in _OPERATORS
                or not re.fullmatch(r"[^\W\d_]{3,}", word)
                or self._known(searcher, word)
            ):
                out.append(token)
                continue
            best: tuple[int, int, str] | None = None
            for distance in (1, 2) if len(word) > 4 else (1,):
                for candidate in reader.terms_within("spell", word, distance, prefix=1):
                    rank = (distance, -searcher.doc_frequency("spell", candidate), candidate)
                    best = rank if best is None or rank < best else best
                if best is not None:
                    break
            if best is None:
                out.append(token)
            else:
                out.append(best[2])
                changed = True
        return " ".join(out) if changed else None

    def _definition(self, terms: dict[tuple[str, ...], str], text: str) -> Definition | None:
        name = terms.get(normalize(text.strip('"')))
        record = self.wiki.snapshot.catalog.get(name) if name else None
        if record is None:
            return None
        return Definition(
            name=record.name,
            title=record.title,
            url=record.url,
            summary=record.summary or "",
            aliases=tuple(record.info.front_matter.aliases),
        )

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Pages whose title or alias starts with the words typed so far (search as you type)."""
        words = list(normalize(text))
        if not words or (len(words[-1]) < 2 and len(words) == 1):
            return []

        def run(searcher: Any, docs: _Docs) -> list[Suggestion]:
            parts = [query.Term("complete", w) for w in words[:-1]]
            parts.append(query.Prefix("complete", words[-1]))
            wanted = query.And(parts)
            exact = query.Term("names", " ".join(words), boost=_NAME_BOOST)
            results = searcher.search(query.AndMaybe(wanted, exact), limit=limit)
            catalog = self.wiki.snapshot.catalog
            found = []
            for hit in results:
                name = str(hit["path"])
                parents = catalog.ancestors(name)
                context = parents[-1].title if parents else section_of(name)
                found.append(
                    Suggestion(
                        str(hit["title"]), names.url_for_name(name), str(hit["type"]), context
                    )
                )
            return found

        result: list[Suggestion] = self._with_recovery(run)
        return result


_PLAIN_QUERY = re.compile(r"^[\w\s'\u2019-]+$")


# -- full builds ---------------------------------------------------------------------------------


def _build_here(
    ix: Any, wiki: Wiki, snapshot: Snapshot, progress: Callable[[int], None] | None
) -> None:
    writer = ix.writer(limitmb=256)
    try:
        for name in sorted(snapshot.catalog.pages):
            writer.add_document(**_page_document(wiki, snapshot, snapshot.catalog.pages[name]))
            if progress is not None:
                progress(1)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def _segment_worker(
    ix: Any, wiki: Wiki, snapshot: Snapshot, share: list[str], results: Any
) -> None:
    """In a forked process: render and index `share` into a segment of its own."""
    try:
        writer = SegmentWriter(ix, _lk=False, limitmb=192, compound=False)
        done = 0
        for name in share:
            writer.add_document(**_page_document(wiki, snapshot, snapshot.catalog.pages[name]))
            done += 1
            if done % 20 == 0:
                results.put(("progress", 20))
        results.put(("progress", done % 20))
        results.put(("segment", writer._finalize_segment()))
    except BaseException as error:
        results.put(("error", f"{type(error).__name__}: {error}"))


def _build_in_processes(
    ix: Any,
    wiki: Wiki,
    snapshot: Snapshot,
    processes: int,
    progress: Callable[[int], None] | None,
) -> None:
    """Render and index in `processes` forked workers, one index segment each.

    Rendering and whoosh's analysis are pure Python, so this is the only way to use more
    than one core. The segments are joined into one index generation the way whoosh's
    own multi-segment writer does it.
    """
    names_ = sorted(snapshot.catalog.pages)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(
            target=_segment_worker,
            args=(ix, wiki, snapshot, names_[i::processes], results),
            daemon=True,
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    segments: list[Any] = []
    errors: list[str] = []
    try:
        while len(segments) + len(errors) < len(workers):
            try:
                kind, value = results.get(timeout=5)
            except queue.Empty:
                if not any(w.is_alive() for w in workers) and results.empty():
                    errors.append("an indexing process died")
                continue
            if kind == "progress" and progress is not None:
                progress(value)
            elif kind == "segment":
                segments.append(value)
            elif kind == "error":
                errors.append(value)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    if errors:
        raise SearchUnavailable(f"Indexing failed: {errors[0]}")
    writer = ix.writer()
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()
