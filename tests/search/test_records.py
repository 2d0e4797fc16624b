"""Recorded searches on both databases: what a record holds (and never holds), the
queue that keeps searches from waiting, opens, counts per period, the three insights
lists, the glossary-term rule, and expiry."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from masterywiki.db.database import Database
from masterywiki.errors import DatabaseUnavailable
from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki
from masterywiki.search import SearchService
from masterywiki.search.records import (
    DAY,
    EXPIRY_INTERVAL,
    MAX_QUERY,
    QueryStats,
    SearchKey,
    SearchRecords,
    Term,
    TermFinder,
    clean_query,
    normalize_query,
    summarize,
)
from tests.clock import Clock
from tests.conftest import commit_files
from tests.search.test_search import PAGES

NOW = 1_800_000_000.0  # a fixed "now" for the records' clock


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def records(database: Database, clock: Clock) -> SearchRecords:
    # No writer thread: the tests write the queue (`write_queued`, `tick`) when they mean to.
    return SearchRecords(database, keep_days=180, clock=clock, background=False)


def rows(records: SearchRecords) -> list[dict[str, Any]]:
    """What the table holds once the queue is written."""
    records.write_queued()
    with records.database.read() as db:
        return [dict(r) for r in db.all("SELECT * FROM search_records ORDER BY id")]


def search(records: SearchRecords, clock: Clock, query: str, results: int, *,
           days_ago: float = 0, opened: str | None = None, times: int = 1) -> None:  # fmt: skip
    """Record `times` searches made `days_ago` days ago, each opened at `opened` if given."""
    made = records
    if days_ago:  # a process of that time (one process's search times only go forward)
        made = SearchRecords(records.database, 180, Clock(clock.now - days_ago * DAY), False)
    for _ in range(times):
        key = made.record(query, results)
        assert key is not None
        made.write_queued()
        if opened:
            assert records.opened(key, opened)


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
    records: SearchRecords,
) -> None:
    first = records.record("  Grading-Policy ", 3)
    second = records.record("word " * 100, 0)
    assert first is not None and second is not None
    assert (first.micros, first.normalized) == (int(NOW * 1e6), "grading policy")
    assert second.micros == first.micros + 1  # one clock tick: still two searches apart
    stored = rows(records)
    # Exactly these columns: none could hold an account, address, session or browser.
    assert set(stored[0]) == {"id", "at", "query", "normalized", "results", "opened"}
    assert {k: v for k, v in stored[0].items() if k != "id"} == {
        "at": NOW, "query": "Grading-Policy", "normalized": "grading policy", "results": 3,
        "opened": None,
    }  # fmt: skip
    assert stored[1]["at"] == second.at
    assert len(stored[1]["query"]) == MAX_QUERY
    assert stored[1]["normalized"] == " ".join(["word"] * 40)  # the form of what is kept


def test_a_query_without_words_is_not_recorded(records: SearchRecords) -> None:
    assert records.record("  ?! ** ", 0) is None
    assert rows(records) == []


def test_recording_only_queues_until_the_queue_is_written(
    records: SearchRecords, database: Database
) -> None:
    records.record("rubric", 2)
    records.record("scale", 1)
    with database.read() as db:
        assert db.value("SELECT COUNT(*) FROM search_records") == 0  # the search did not wait
    assert records.write_queued() == 2
    assert records.write_queued() == 0
    assert [r["normalized"] for r in rows(records)] == ["rubric", "scale"]


def test_the_writer_thread_writes_a_moment_later(database: Database) -> None:
    records = SearchRecords(database, keep_days=180)
    try:
        records.record("rubric", 2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with database.read() as db:
                if db.value("SELECT COUNT(*) FROM search_records"):
                    break
            time.sleep(0.05)
        with database.read() as db:
            assert db.value("SELECT normalized FROM search_records") == "rubric"
    finally:
        records.close()


def test_an_open_keeps_the_first_page_opened(records: SearchRecords) -> None:
    key = records.record("rubric", 2)
    other = records.record("rubric", 2)
    assert key is not None and other is not None
    assert records.opened(key, "terms/rubric")  # (its search still queued: written first)
    assert not records.opened(key, "notes/retakes")  # a second open changes nothing
    assert not records.opened(SearchKey(key.micros + 1000, "rubric"), "terms/rubric")
    assert not records.opened(SearchKey(key.micros, "scale"), "terms/rubric")
    assert [r["opened"] for r in rows(records)] == ["terms/rubric", None]


def test_a_database_that_does_not_answer_never_fails_a_search(tmp_path: Path) -> None:
    gone = Database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    try:
        records = SearchRecords(gone, keep_days=180, background=False)
        key = records.record("rubric", 2)
        assert key is not None
        with pytest.raises(DatabaseUnavailable):
            records.write_queued()
        records.tick()  # the writer's round: logged, not raised
        assert records.opened(key, "terms/rubric") is False
        assert len(records._queue) == 1  # kept for when the database is back
    finally:
        gone.close()


def test_the_queue_keeps_the_newest_records_when_it_is_full(
    records: SearchRecords, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("masterywiki.search.records.MAX_QUEUED", 3)
    for n in range(5):
        records.record(f"query {n}", 1)
    assert [r["normalized"] for r in rows(records)] == ["query 2", "query 3", "query 4"]


# -- counts per period and the three lists ------------------------------------------------


def test_counts_per_period(records: SearchRecords, clock: Clock) -> None:
    search(records, clock, "rubric", 2, days_ago=1, times=3)
    search(records, clock, "Rubric", 2, days_ago=20)
    search(records, clock, "rubric", 2, days_ago=60, times=2)
    search(records, clock, "seat time", 0, days_ago=100)
    records.write_queued()
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
    search(records, clock, "report card", 3, times=2)  # found, never opened
    search(records, clock, "Report card", 2)  # shown as last typed, with what it found
    search(records, clock, "zebra", 0, times=2)
    search(records, clock, "old gap", 0, days_ago=40, times=9)  # outside 30 days

    found = records.insights(30, 10, no_terms)
    assert found.searches == 17
    top = [(r.query, r.count, r.opens, r.misses) for r in found.top]
    assert top == [
        ("Rubric", 7, 5, 0),  # shown as last typed
        ("Seat-Time", 5, 0, 4),
        ("Report card", 3, 0, 0),
        ("zebra", 2, 0, 2),
    ]
    assert [(r.normalized, r.count) for r in found.no_results] == [("seat time", 4), ("zebra", 2)]
    assert [(r.normalized, r.count, r.results) for r in found.not_opened] == [
        ("report card", 3, 2),
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
        QueryStats("rubirc", 3, 3, 0),
        QueryStats("scoring guid", 2, 2, 0),
        QueryStats("zebra", 4, 4, 0),
        QueryStats("rubric", 9, 0, 5),  # found things: never asked about
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


def test_expiry_deletes_records_older_than_kept(records: SearchRecords, clock: Clock) -> None:
    search(records, clock, "ancient", 0, days_ago=400, times=3)
    search(records, clock, "old", 0, days_ago=181)
    search(records, clock, "kept", 0, days_ago=179)
    search(records, clock, "new", 0)
    records.write_queued()
    assert records.expire() == 4
    assert [r["normalized"] for r in rows(records)] == ["kept", "new"]
    assert records.expire() == 0


def test_the_writer_expires_old_records_at_most_once_an_hour(
    records: SearchRecords, clock: Clock
) -> None:
    search(records, clock, "ancient", 0, days_ago=200)
    records.tick()  # the first round of a process writes the queue, then expires
    assert rows(records) == []
    search(records, clock, "old", 0, days_ago=180.5)
    clock.now += EXPIRY_INTERVAL - 1
    records.tick()
    assert [r["normalized"] for r in rows(records)] == ["old"]
    clock.now += 1
    records.tick()
    assert rows(records) == []
