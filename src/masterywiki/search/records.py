"""Recorded searches and the gaps they show: what readers look for, what finds nothing,
and what finds results nobody opens. No Flask here.

A record holds the query (as typed, trimmed and capped), its normalized form (the one
counted), how many results it found and which one a reader opened, if any. Nothing about
who searched is ever stored: no account, address, session or browser.

A search never waits for the database: `record()` only queues the record and hands back
its key (its time to the microsecond, unique in this process, and its normalized form),
which the results page puts in its links; a thread of each process writes the queue in
one transaction a moment later, and once an hour deletes the records older than the
`search_record_days` setting. A crash loses at most that moment's records.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from masterywiki.db.database import Database
from masterywiki.errors import DatabaseUnavailable
from masterywiki.search.schema import normalize
from masterywiki.search.service import SearchService
from masterywiki.search.values import SearchUnavailable
from masterywiki.support.background import BackgroundThread
from masterywiki.support.lru import LRU

log = logging.getLogger(__name__)

MAX_QUERY = 200  # characters of a query kept as typed
DAY = 86_400.0
EXPIRY_INTERVAL = 3_600.0  # seconds between two expiry rounds in one process
EXPIRY_BATCH = 5_000  # rows deleted per transaction: a short hold on SQLite's writer
WRITE_DELAY = 0.25  # seconds a record waits, so that a moment's searches share a commit
MAX_QUEUED = 10_000  # records kept while the database does not answer; then the oldest go
INSERT = (
    "INSERT INTO search_records (at, query, normalized, results)"
    " VALUES (:at, :query, :normalized, :results)"
)

Clock = Callable[[], float]
Counted = Callable[["QueryStats"], int]  # which of its counts a list shows


def clean_query(text: str) -> str:
    """The query as typed, for showing: runs of whitespace made one space, capped."""
    return " ".join(text.split())[:MAX_QUERY]


def normalize_query(text: str) -> str:
    """The form searches are counted under: lowercase words joined by single spaces,
    punctuation dropped ('  Data-Backpack? ' -> 'data backpack'). The search's own
    notion of a name's words, so that a query and a glossary term compare alike."""
    return " ".join(normalize(text))


@dataclass(frozen=True)
class SearchKey:
    """Names one recorded search, for noting the result opened from it."""

    micros: int  # its time in microseconds since the epoch: unique in one process
    normalized: str

    @property
    def at(self) -> float:
        return self.micros / 1_000_000  # the same float on both sides of the database


@dataclass(frozen=True)
class QueryStats:
    """One normalized query's searches in a period."""

    normalized: str
    searches: int
    misses: int  # searches that found nothing
    opens: int  # searches from which a reader opened a result

    @property
    def found(self) -> int:
        """Searches that found something."""
        return self.searches - self.misses


@dataclass(frozen=True)
class Term:
    """A glossary term that a query names."""

    name: str
    title: str
    url: str


@dataclass(frozen=True)
class QueryCount:
    """A row of the insights lists: a query, shown as last typed, and its count."""

    query: str
    normalized: str
    count: int  # what the list counts: searches, those that found nothing, or found some
    searches: int
    misses: int
    opens: int
    results: int  # what its latest search found


@dataclass(frozen=True)
class FoundUnder:
    """No-result queries that now name a glossary term (directly or after a typo fix)."""

    term: Term
    count: int
    queries: tuple[QueryCount, ...]


@dataclass(frozen=True)
class Insights:
    days: int
    since: float
    searches: int  # all recorded searches in the period
    top: tuple[QueryCount, ...] = ()
    no_results: tuple[QueryCount, ...] = ()
    not_opened: tuple[QueryCount, ...] = ()
    found_under: tuple[FoundUnder, ...] = ()


@dataclass(frozen=True)
class Summary:
    """The lists of insights as normalized queries, before their typed forms are read."""

    top: list[QueryStats] = field(default_factory=list)
    no_results: list[QueryStats] = field(default_factory=list)
    not_opened: list[QueryStats] = field(default_factory=list)
    found_under: list[tuple[Term, list[QueryStats]]] = field(default_factory=list)


def summarize(
    stats: Iterable[QueryStats], limit: int, term_for: Callable[[str], Term | None]
) -> Summary:
    """The top `limit` queries of each list, most searched first (ties by name).

    A query that found nothing but names a glossary term (`term_for`) is not a gap: it
    is counted under its term instead, and each term's queries are listed together.
    """
    rows = sorted(stats, key=lambda s: (-s.searches, s.normalized))
    gaps: list[QueryStats] = []
    under: dict[str, tuple[Term, list[QueryStats]]] = {}
    for row in sorted((s for s in rows if s.misses), key=lambda s: (-s.misses, s.normalized)):
        term = term_for(row.normalized)
        if term is not None:
            under.setdefault(term.name, (term, []))[1].append(row)
        elif len(gaps) < limit:
            gaps.append(row)
    unopened = sorted(
        (s for s in rows if s.found and not s.opens), key=lambda s: (-s.found, s.normalized)
    )
    terms = sorted(
        under.values(), key=lambda item: (-sum(s.misses for s in item[1]), item[0].title)
    )
    return Summary(rows[:limit], gaps, unopened[:limit], terms[:limit])


class SearchRecords:
    """The `search_records` table: recording searches and opens, expiry, insights.

    With `background` (the app's case), a thread per process writes the queue and
    expires old records; without it (tests), `tick()` does that when called."""

    def __init__(
        self, database: Database, keep_days: int, clock: Clock = time.time, background: bool = True
    ) -> None:
        self.database = database
        self.keep_days = keep_days
        self.clock = clock
        self._queue: list[dict[str, object]] = []
        self._lock = threading.Lock()
        self._last_micros = 0
        self._expired_at = -math.inf
        self._wake = threading.Event()
        self._writer = BackgroundThread(self._write_loop, "search-records", self._wake)
        self._background = background

    # -- recording ----------------------------------------------------------------------

    def record(self, query: str, results: int) -> SearchKey | None:
        """Queue one search's record; returns its key, or None for a query with no words.
        Never touches the database, so a search never waits for it or fails with it."""
        typed = clean_query(query)
        normalized = normalize_query(typed)
        if not normalized:
            return None
        with self._lock:
            # Strictly increasing in this process: the time names the search.
            micros = self._last_micros = max(int(self.clock() * 1e6), self._last_micros + 1)
            key = SearchKey(micros, normalized)
            self._queue.append(
                {"at": key.at, "query": typed, "normalized": normalized, "results": max(0, results)}
            )
            del self._queue[:-MAX_QUEUED]
        if self._background:
            self._writer.start()
            self._wake.set()
        return key

    def write_queued(self) -> int:
        """Write the queued records in one transaction; returns how many. Raises
        DatabaseUnavailable, keeping them queued for the next try."""
        with self._lock:
            rows, self._queue = self._queue, []
        if not rows:
            return 0
        try:
            with self.database.write(serialised=False) as db:
                db.run_many(INSERT, rows)
        except BaseException:
            with self._lock:
                self._queue[:0] = rows
                del self._queue[:-MAX_QUEUED]
            raise
        return len(rows)

    def opened(self, key: SearchKey, page: str) -> bool:
        """Note that a reader opened `page` from the results of search `key`; the first
        page opened is kept. False if nothing changed: an unknown or expired search, an
        open noted already, a database that does not answer (the reader still goes to
        the page). A search made by another process a split second before may not be
        written yet: an open that quick is not noted."""
        try:
            self.write_queued()  # this process's searches are in the table before their opens
            with self.database.write(serialised=False) as db:
                changed = db.run(
                    "UPDATE search_records SET opened = :page"
                    " WHERE at = :at AND normalized = :normalized AND opened IS NULL",
                    page=page,
                    at=key.at,
                    normalized=key.normalized,
                )
        except DatabaseUnavailable as error:
            log.warning("opened result not recorded: %s", error.message)
            return False
        return changed > 0

    # -- the writer: queued records, then old ones ----------------------------------------

    def _write_loop(self) -> None:
        stopped = self._writer.stopped
        while True:
            self._wake.wait()
            stopped.wait(WRITE_DELAY)
            self._wake.clear()
            try:
                self.tick()
            except Exception:  # the writer outlives any one round's failure
                log.warning("search records not written", exc_info=True)
            if stopped.is_set():
                return

    def tick(self) -> None:
        """Write the queue; expire old records if an hour has passed since the last time.
        Logs what fails rather than raise: both are tried again on the next round."""
        try:
            self.write_queued()
        except DatabaseUnavailable as error:
            log.warning("search records not written yet: %s", error.message)
        now = self.clock()
        if now - self._expired_at >= EXPIRY_INTERVAL:
            self._expired_at = now
            try:
                self.expire()
            except DatabaseUnavailable as error:
                log.warning("old search records not deleted: %s", error.message)

    def close(self) -> None:
        """Stop this process's writer, once it has written what is queued."""
        self._writer.stop()
        if self._queue:
            self.write_queued()

    def expire(self) -> int:
        """Delete the records older than `keep_days`, in short batches; returns how many."""
        cutoff = self.clock() - self.keep_days * DAY
        deleted = 0
        while True:
            with self.database.write(serialised=False) as db:
                count = db.run(
                    "DELETE FROM search_records WHERE id IN (SELECT id FROM search_records"
                    f" WHERE at < :cutoff ORDER BY at LIMIT {EXPIRY_BATCH})",
                    cutoff=cutoff,
                )
            deleted += count
            if count < EXPIRY_BATCH:
                return deleted

    # -- reading --------------------------------------------------------------------------

    def since(self, days: int) -> float:
        """The time `days` days ago: the start of a period that ends now."""
        return self.clock() - days * DAY

    def stats(self, since: float) -> list[QueryStats]:
        """Each normalized query searched since `since`, with its counts.

        The one query that reads every record of the period: it reads only columns that
        an index on (normalized, at, results, opened) holds, and as few aggregates as the
        lists need."""
        with self.database.read() as db:
            rows = db.all(
                "SELECT normalized, COUNT(*) AS searches,"
                " SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END) AS misses,"
                " COUNT(opened) AS opens"
                " FROM search_records WHERE at >= :since GROUP BY normalized",
                since=since,
            )
        return [
            QueryStats(str(r["normalized"]), int(r["searches"]), int(r["misses"]), int(r["opens"]))
            for r in rows
        ]

    def latest(self, normalized: Iterable[str], since: float) -> dict[str, tuple[str, int]]:
        """The latest search of each normalized query: (as typed, results). One index
        read per query, all in one statement per hundred (one round trip)."""
        keys = list(dict.fromkeys(normalized))
        found: dict[str, tuple[str, int]] = {}
        with self.database.read() as db:
            for start in range(0, len(keys), 100):
                chunk = keys[start : start + 100]
                sql = " UNION ALL ".join(
                    f"SELECT * FROM (SELECT normalized, query, results FROM search_records"
                    f" WHERE normalized = :k{n} AND at >= :since ORDER BY at DESC LIMIT 1) AS t{n}"
                    for n in range(len(chunk))
                )
                params = {f"k{n}": key for n, key in enumerate(chunk)}
                for row in db.all(sql, since=since, **params):
                    found[str(row["normalized"])] = (str(row["query"]), int(row["results"]))
        return found

    def insights(self, days: int, limit: int, term_for: Callable[[str], Term | None]) -> Insights:
        """Top queries, no-result queries (those naming a term apart), and queries whose
        results nobody opened, in the last `days` days, `limit` of each. Raises
        DatabaseUnavailable."""
        self.write_queued()  # with this process's latest searches
        since = self.since(days)
        stats = self.stats(since)
        summary = summarize(stats, limit, term_for)
        shown = [*summary.top, *summary.no_results, *summary.not_opened]
        shown += [s for _, queries in summary.found_under for s in queries]
        latest = self.latest((s.normalized for s in shown), since)

        def rows(items: Sequence[QueryStats], count: Counted) -> tuple[QueryCount, ...]:
            found = []
            for s in items:
                typed, results = latest.get(s.normalized, (s.normalized, 0))
                found.append(
                    QueryCount(
                        typed, s.normalized, count(s), s.searches, s.misses, s.opens, results
                    )
                )
            return tuple(found)

        return Insights(
            days=days,
            since=since,
            searches=sum(s.searches for s in stats),
            top=rows(summary.top, lambda s: s.searches),
            no_results=rows(summary.no_results, lambda s: s.misses),
            not_opened=rows(summary.not_opened, lambda s: s.found),
            found_under=tuple(
                FoundUnder(term, sum(s.misses for s in queries), rows(queries, lambda s: s.misses))
                for term, queries in summary.found_under
            ),
        )


class TermFinder:
    """Which glossary term a query names: its title or an alias, as typed or after the
    search's own typo fix (the query's "did you mean"). Answers are cached for as long
    as the glossary's names stay the same, so a term written since is found at once,
    while edits elsewhere keep the cache."""

    def __init__(self, service: SearchService, capacity: int = 10_000) -> None:
        self.service = service
        self._cache: LRU[str] = LRU(capacity)  # "" for "no term"
        self._glossary: _Glossary | None = None

    def __call__(self, normalized: str) -> Term | None:
        glossary = self._current()
        key = (glossary.signature, normalized)
        name = self._cache.get(key)
        if name is None:
            try:
                name = self._find(normalized, glossary)
            except SearchUnavailable:
                return None  # the index is being built: ask again next time
            self._cache.put(key, name)
        record = self.service.wiki.snapshot.catalog.get(name) if name else None
        return Term(record.name, record.title, record.url) if record else None

    def _current(self) -> _Glossary:
        terms = self.service.vocabulary().terms  # the same dict while the catalog is the same
        if self._glossary is None or self._glossary.terms is not terms:
            self._glossary = _Glossary(terms)
        return self._glossary

    def _find(self, normalized: str, glossary: _Glossary) -> str:
        words = tuple(normalized.split())
        name = glossary.terms.get(words)
        if name is None and glossary.within_a_typo(words):
            definition = self.service.search(normalized, page_size=1).definition
            name = definition.name if definition else None
        return name or ""


class _Glossary:
    """The glossary's names ({words: term page}), their signature, and an index of them
    by word count and first letters."""

    def __init__(self, terms: dict[tuple[str, ...], str]) -> None:
        self.terms = terms
        self.signature = hash(frozenset(terms.items()))
        self._near: dict[tuple[int, str], list[tuple[str, ...]]] = {}
        for name in terms:
            self._near.setdefault(self._shape(name), []).append(name)

    @staticmethod
    def _shape(words: tuple[str, ...]) -> tuple[int, str]:
        return len(words), "".join(w[:1] for w in words)

    def within_a_typo(self, words: tuple[str, ...]) -> bool:
        """Whether some term's name is within the typo fix's reach of `words`: as many
        words, each equal or starting alike and at most two letters longer or shorter
        (the fix changes a word into one at most two edits away, with the same first
        letter). Most queries are not, and skip the search."""
        return any(
            all(abs(len(w) - len(t)) <= 2 for w, t in zip(words, name, strict=True))
            for name in self._near.get(self._shape(words), [])
        )
