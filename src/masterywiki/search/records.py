"""Recorded searches and the gaps they show: what readers look for, what finds nothing,
and what finds results nobody opens. No Flask here.

A record holds the query (as typed, trimmed and capped), its normalized form (the one
counted), how many results it found and which one a reader opened, if any. Nothing about
who searched is ever stored: no account, address, session or browser. Records older than
the `search_record_days` setting are deleted in a background thread, at most once an
hour per process, never on a search's own path.
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
from masterywiki.support.lru import LRU

log = logging.getLogger(__name__)

MAX_QUERY = 200  # characters of a query kept as typed
DAY = 86_400.0
EXPIRY_INTERVAL = 3_600.0  # seconds between two expiry rounds in one process
EXPIRY_BATCH = 5_000  # rows deleted per transaction: a short hold on SQLite's writer

Clock = Callable[[], float]
Spawn = Callable[[Callable[[], object]], None]
Counted = Callable[["QueryStats"], int]  # which of its counts a list shows


def clean_query(text: str) -> str:
    """The query as typed, for showing: runs of whitespace made one space, capped."""
    return " ".join(text.split())[:MAX_QUERY]


def normalize_query(text: str) -> str:
    """The form searches are counted under: lowercase words joined by single spaces,
    punctuation dropped ('  Data-Backpack? ' -> 'data backpack'). The search's own
    notion of a name's words, so that a query and a glossary term compare alike."""
    return " ".join(normalize(text))


def _in_thread(work: Callable[[], object]) -> None:
    threading.Thread(target=work, name="search-records-expiry", daemon=True).start()


@dataclass(frozen=True)
class QueryStats:
    """One normalized query's searches in a period."""

    normalized: str
    searches: int
    misses: int  # searches that found nothing
    opens: int  # searches from which a reader opened a result
    results: int  # the most results one of its searches found

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
    results: int
    opens: int


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
    """The `search_records` table: recording searches and opens, expiry, insights."""

    def __init__(
        self,
        database: Database,
        keep_days: int,
        clock: Clock = time.time,
        spawn: Spawn = _in_thread,
    ) -> None:
        self.database = database
        self.keep_days = keep_days
        self.clock = clock
        self._spawn = spawn  # runs the expiry off the search's path (a thread)
        self._expired_at = -math.inf
        self._lock = threading.Lock()

    # -- recording ----------------------------------------------------------------------

    def record(self, query: str, results: int) -> int | None:
        """Record one search; returns its id, or None when nothing was recorded (a query
        with no words, or a database that does not answer: a search never fails for
        want of its record)."""
        typed = clean_query(query)
        normalized = normalize_query(typed)
        if not normalized:
            return None
        now = self.clock()
        try:
            with self.database.write(serialised=False) as db:
                found = db.value(
                    "INSERT INTO search_records (at, query, normalized, results)"
                    " VALUES (:at, :query, :normalized, :results) RETURNING id",
                    at=now,
                    query=typed,
                    normalized=normalized,
                    results=max(0, results),
                )
        except DatabaseUnavailable as error:
            log.warning("search not recorded: %s", error.message)
            return None
        self._expire_soon(now)
        return int(found)

    def opened(self, record_id: int, page: str) -> bool:
        """Note that a reader opened `page` from the results of search `record_id`; the
        first page opened is kept. False if nothing changed (an unknown or expired
        record, an open noted already, or a database that does not answer)."""
        try:
            with self.database.write(serialised=False) as db:
                changed = db.run(
                    "UPDATE search_records SET opened = :page WHERE id = :id AND opened IS NULL",
                    page=page,
                    id=record_id,
                )
        except DatabaseUnavailable as error:
            log.warning("opened result not recorded: %s", error.message)
            return False
        return changed > 0

    # -- expiry -------------------------------------------------------------------------

    def _expire_soon(self, now: float) -> None:
        with self._lock:
            if now - self._expired_at < EXPIRY_INTERVAL:
                return
            self._expired_at = now
        self._spawn(self._expire_quietly)

    def _expire_quietly(self) -> None:
        try:
            self.expire()
        except Exception:  # retried in an hour; searches go on meanwhile
            log.warning("could not delete old search records", exc_info=True)

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

        Reads only columns that an index on (normalized, at, results, opened) covers."""
        with self.database.read() as db:
            rows = db.all(
                "SELECT normalized, COUNT(*) AS searches,"
                " SUM(CASE WHEN results = 0 THEN 1 ELSE 0 END) AS misses,"
                " COUNT(opened) AS opens, MAX(results) AS results"
                " FROM search_records WHERE at >= :since GROUP BY normalized",
                since=since,
            )
        return [
            QueryStats(
                str(r["normalized"]),
                int(r["searches"]),
                int(r["misses"]),
                int(r["opens"]),
                int(r["results"]),
            )
            for r in rows
        ]

    def typed_forms(self, normalized: Iterable[str], since: float) -> dict[str, str]:
        """The latest typed form of each normalized query (one short index read each)."""
        found: dict[str, str] = {}
        with self.database.read() as db:
            for key in dict.fromkeys(normalized):
                typed = db.value(
                    "SELECT query FROM search_records WHERE normalized = :key"
                    " AND at >= :since ORDER BY at DESC LIMIT 1",
                    key=key,
                    since=since,
                )
                found[key] = str(typed or key)
        return found

    def insights(self, days: int, limit: int, term_for: Callable[[str], Term | None]) -> Insights:
        """Top queries, no-result queries (those naming a term apart), and queries whose
        results nobody opened, in the last `days` days, `limit` of each."""
        since = self.since(days)
        stats = self.stats(since)
        summary = summarize(stats, limit, term_for)
        shown = [*summary.top, *summary.no_results, *summary.not_opened]
        shown += [s for _, queries in summary.found_under for s in queries]
        typed = self.typed_forms((s.normalized for s in shown), since)

        def rows(items: Sequence[QueryStats], count: Counted) -> tuple[QueryCount, ...]:
            return tuple(
                QueryCount(
                    typed[s.normalized],
                    s.normalized,
                    count(s),
                    s.searches,
                    s.misses,
                    s.results,
                    s.opens,
                )
                for s in items
            )

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
    search's own typo fix (the query's "did you mean"). Answers are cached per catalog
    version, so a term written since is found at once."""

    def __init__(self, service: SearchService, capacity: int = 10_000) -> None:
        self.service = service
        self._cache: LRU[str] = LRU(capacity)  # "" for "no term"
        self._near: tuple[object, dict[tuple[int, str], list[tuple[str, ...]]]] | None = None

    def __call__(self, normalized: str) -> Term | None:
        catalog = self.service.wiki.snapshot.catalog
        key = (catalog.version, normalized)
        name = self._cache.get(key)
        if name is None:
            try:
                name = self._find(normalized)
            except SearchUnavailable:
                return None  # the index is being built: ask again next time
            self._cache.put(key, name)
        record = catalog.get(name) if name else None
        return Term(record.name, record.title, record.url) if record else None

    def _find(self, normalized: str) -> str:
        _, terms = self.service.vocabulary()
        words = tuple(normalized.split())
        name = terms.get(words)
        if name is None and self._could_be_a_typo(words, terms):
            definition = self.service.search(normalized, page_size=1).definition
            name = definition.name if definition else None
        return name or ""

    def _could_be_a_typo(self, words: tuple[str, ...], terms: dict[tuple[str, ...], str]) -> bool:
        """Whether some term's name is within the typo fix's reach of `words`: as many
        words, each equal or starting alike and at most two letters longer or shorter
        (the fix changes a word into one at most two edits away, with the same first
        letter). Most queries are not, and skip the search."""
        if self._near is None or self._near[0] is not terms:
            near: dict[tuple[int, str], list[tuple[str, ...]]] = {}
            for name in terms:
                near.setdefault((len(name), "".join(w[:1] for w in name)), []).append(name)
            self._near = (terms, near)
        candidates = self._near[1].get((len(words), "".join(w[:1] for w in words)), [])
        return any(
            all(abs(len(w) - len(t)) <= 2 for w, t in zip(words, name, strict=True))
            for name in candidates
        )
