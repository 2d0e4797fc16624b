"""Recorded searches on both databases: what a record holds (and never holds), opens,
counts per period, the three insights lists, the glossary-term rule, and expiry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from masterywiki.db.database import Database
from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki
from masterywiki.search import SearchService
from masterywiki.search.records import (
    DAY,
    EXPIRY_INTERVAL,
    MAX_QUERY,
    QueryStats,
    SearchRecords,
    Term,
    TermFinder,
    clean_query,
    normalize_query,
    summarize,
)
from tests.conftest import commit_files
from tests.search.test_search import PAGES

NOW = 1_800_000_000.0  # a fixed "now" for the records' clock


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def spawned() -> list[Callable[[], object]]:
    return []


@pytest.fixture
def records(database: Database, clock: Clock, spawned: list[Callable[[], object]]) -> SearchRecords:
    # Expiry work is collected instead of run in a thread, so tests decide when it runs.
    return SearchRecords(database, keep_days=180, clock=clock, spawn=spawned.append)


def rows(database: Database) -> list[dict[str, Any]]:
    with database.read() as db:
        return [dict(r) for r in db.all("SELECT * FROM search_records ORDER BY id")]


def search(records: SearchRecords, clock: Clock, query: str, results: int, *,
           days_ago: float = 0, opened: str | None = None, times: int = 1) -> None:  # fmt: skip
    """Record `times` searches made `days_ago` days ago, each opened at `opened` if given."""
    now = clock.now
    clock.now = now - days_ago * DAY
    try:
        for _ in range(times):
            found = records.record(query, results)
            assert found is not None
            if opened:
                assert records.opened(found, opened)
    finally:
        clock.now = now


def no_terms(_normalized: str) -> Term | None:
    return None


# -- what a record holds ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalized"),
    [
        ("Rubric", "rubric"),
        ("  Data-Backpack?!  ", "data backpack"),
        ("grading   policy", "grading policy"),
        ('"learning target"', "learning target"),
        ("reassess*", "reassess"),
        ("Élève ÉTÉ", "élève été"),
        ("rubric OR scale", "rubric or scale"),
        ("?!", ""),
    ],
)
def test_normalized_form(typed: str, normalized: str) -> None:
    assert normalize_query(typed) == normalized


def test_the_typed_query_is_trimmed_and_capped() -> None:
    assert clean_query("  grading \n  policy  ") == "grading policy"
    assert clean_query("x" * 500) == "x" * MAX_QUERY


def test_a_record_holds_the_query_its_form_and_count_and_nothing_about_who(
    records: SearchRecords, database: Database
) -> None:
    first = records.record("  Grading-Policy ", 3)
    second = records.record("word " * 100, 0)
    assert first is not None and second is not None and second > first
    stored = rows(database)
    # Exactly these columns: none could hold an account, address, session or browser.
    assert set(stored[0]) == {"id", "at", "query", "normalized", "results", "opened"}
    assert stored[0] == {
        "id": first, "at": NOW, "query": "Grading-Policy", "normalized": "grading policy",
        "results": 3, "opened": None,
    }  # fmt: skip
    assert len(stored[1]["query"]) == MAX_QUERY
    assert stored[1]["normalized"] == " ".join(["word"] * 40)  # the form of what is kept


def test_a_query_without_words_is_not_recorded(records: SearchRecords, database: Database) -> None:
    assert records.record("  ?! ** ", 0) is None
    assert rows(database) == []


def test_an_open_keeps_the_first_page_opened(records: SearchRecords, database: Database) -> None:
    found = records.record("rubric", 2)
    assert found is not None
    assert records.opened(found, "terms/rubric")
    assert not records.opened(found, "notes/retakes")  # a second open changes nothing
    assert not records.opened(found + 1000, "terms/rubric")  # no such record
    assert rows(database)[0]["opened"] == "terms/rubric"


def test_a_database_that_does_not_answer_never_fails_a_search(tmp_path: Path) -> None:
    gone = Database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    try:
        records = SearchRecords(gone, keep_days=180)
        assert records.record("rubric", 2) is None
        assert records.opened(1, "terms/rubric") is False
    finally:
        gone.close()


# -- counts per period and the three lists ------------------------------------------------


def test_counts_per_period(records: SearchRecords, clock: Clock) -> None:
    search(records, clock, "rubric", 2, days_ago=1, times=3)
    search(records, clock, "Rubric", 2, days_ago=20)
    search(records, clock, "rubric", 2, days_ago=60, times=2)
    search(records, clock, "seat time", 0, days_ago=100)
    counts = {d: {s.normalized: s.searches for s in records.stats(records.since(d))}
              for d in (7, 30, 90, 365)}  # fmt: skip
    assert counts == {
        7: {"rubric": 3},
        30: {"rubric": 4},
        90: {"rubric": 6},
        365: {"rubric": 6, "seat time": 1},
    }


def test_top_no_results_and_not_opened(records: SearchRecords, clock: Clock) -> None:
    search(records, clock, "rubric", 2, times=5, opened="terms/rubric")
    search(records, clock, "Rubric", 2, times=2)
    search(records, clock, "seat time", 0, times=4)
    search(records, clock, "Seat-Time", 1)  # found something once, opened nothing
    search(records, clock, "report card", 3, times=3)  # found, never opened
    search(records, clock, "zebra", 0, times=2)
    search(records, clock, "old gap", 0, days_ago=40, times=9)  # outside 30 days

    found = records.insights(30, 10, no_terms)
    assert found.searches == 17
    top = [(r.query, r.count, r.opens, r.misses) for r in found.top]
    assert top == [
        ("Rubric", 7, 5, 0),  # shown as last typed
        ("Seat-Time", 5, 0, 4),
        ("report card", 3, 0, 0),
        ("zebra", 2, 0, 2),
    ]
    assert [(r.normalized, r.count) for r in found.no_results] == [("seat time", 4), ("zebra", 2)]
    assert [(r.normalized, r.count, r.results) for r in found.not_opened] == [
        ("report card", 3, 3),
        ("seat time", 1, 1),
    ]
    assert found.found_under == ()


def test_each_list_keeps_its_limit_most_searched_first(
    records: SearchRecords, clock: Clock
) -> None:
    for n in range(1, 8):
        search(records, clock, f"gap {n}", 0, times=n)
    found = records.insights(30, 3, no_terms)
    assert [r.normalized for r in found.top] == ["gap 7", "gap 6", "gap 5"]
    assert [r.normalized for r in found.no_results] == ["gap 7", "gap 6", "gap 5"]


def test_summarize_counts_no_result_queries_under_their_term() -> None:
    rubric = Term("terms/rubric", "Rubric", "/terms/rubric")
    stats = [
        QueryStats("rubirc", 3, 3, 0, 0),
        QueryStats("scoring guid", 2, 2, 0, 0),
        QueryStats("zebra", 4, 4, 0, 0),
        QueryStats("rubric", 9, 0, 5, 2),  # found things: never asked about
    ]
    asked: list[str] = []

    def term_for(normalized: str) -> Term | None:
        asked.append(normalized)
        return rubric if normalized in ("rubirc", "scoring guid") else None

    summary = summarize(stats, 10, term_for)
    assert [s.normalized for s in summary.no_results] == ["zebra"]
    ((term, queries),) = summary.found_under
    assert term == rubric and [s.normalized for s in queries] == ["rubirc", "scoring guid"]
    assert sorted(asked) == ["rubirc", "scoring guid", "zebra"]


# -- the glossary-term rule, with the search's own typo fix --------------------------------


@pytest.fixture
def term_repo(repo_factory: Callable[..., Path]) -> Path:
    return repo_factory(PAGES)


@pytest.fixture
def terms_service(term_repo: Path, tmp_path: Path) -> Iterator[SearchService]:
    service = SearchService(Wiki(GitStorage(term_repo)), tmp_path / "search", wait=30)
    yield service
    service.close()
    service.wiki.storage.close()


def test_a_no_result_query_naming_a_term_after_a_typo_fix_is_found_under_it(
    records: SearchRecords, clock: Clock, terms_service: SearchService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # Searches made before the terms existed (or misspelled): all found nothing.
    search(records, clock, "rubirc", 0, times=3)  # a typo of a title
    search(records, clock, "Scoring Guied", 0, times=2)  # a typo of an alias
    search(records, clock, "competency-based learning", 0)  # an alias, as written
    search(records, clock, "zebra crossing", 0, times=4)  # names nothing
    searched: list[str] = []
    real_search = terms_service.search

    def spy(text: str, *args: Any, **kwargs: Any) -> Any:
        searched.append(text)
        return real_search(text, *args, **kwargs)

    monkeypatch.setattr(terms_service, "search", spy)
    found = records.insights(30, 10, TermFinder(terms_service))

    assert [(r.query, r.count) for r in found.no_results] == [("zebra crossing", 4)]
    under = {u.term.title: (u.count, [r.query for r in u.queries]) for u in found.found_under}
    assert under == {
        "Rubric": (5, ["rubirc", "Scoring Guied"]),
        "Mastery-Based Learning": (1, ["competency-based learning"]),
    }
    assert found.found_under[0].term.url == "/terms/rubric"
    # Only a query within a typo's reach of some term costs a search.
    assert sorted(searched) == ["rubirc", "scoring guied"]


def test_a_term_written_later_answers_its_old_gaps(
    records: SearchRecords, clock: Clock, term_repo: Path, terms_service: SearchService
) -> None:
    search(records, clock, "seat time", 0, times=2)
    finder = TermFinder(terms_service)
    assert [r.normalized for r in records.insights(30, 10, finder).no_results] == ["seat time"]
    seat_time = "---\ntitle: Seat Time\ntype: term\n---\n# Seat Time\n\nHours in class.\n"
    commit_files(term_repo, {"terms/seat-time.md": seat_time})
    terms_service.refresh()
    found = records.insights(30, 10, finder)
    assert found.no_results == ()
    assert [u.term.name for u in found.found_under] == ["terms/seat-time"]


# -- expiry ---------------------------------------------------------------------------------


def test_expiry_deletes_records_older_than_kept(
    records: SearchRecords, clock: Clock, database: Database
) -> None:
    search(records, clock, "ancient", 0, days_ago=400, times=3)
    search(records, clock, "old", 0, days_ago=181)
    search(records, clock, "kept", 0, days_ago=179)
    search(records, clock, "new", 0)
    assert records.expire() == 4
    assert [r["normalized"] for r in rows(database)] == ["kept", "new"]
    assert records.expire() == 0


def test_expiry_runs_off_the_search_path_at_most_once_an_hour(
    records: SearchRecords, clock: Clock, database: Database, spawned: list[Callable[[], object]]
) -> None:
    earlier = SearchRecords(database, 180, clock=Clock(NOW - 200 * DAY), spawn=lambda _: None)
    earlier.record("ancient", 0)
    records.record("rubric", 1)
    assert len(spawned) == 1  # the first search of a process schedules a round...
    assert len(rows(database)) == 2  # ...which has not run yet: the search did not wait
    spawned.pop()()
    assert [r["normalized"] for r in rows(database)] == ["rubric"]
    clock.now += EXPIRY_INTERVAL - 1
    records.record("rubric", 1)
    assert spawned == []
    clock.now += 1
    records.record("rubric", 1)
    assert len(spawned) == 1
