"""Openings kept in the database (SQLite and PostgreSQL): one row per reader and page,
updated in place, repeated openings not written again for a while."""

from __future__ import annotations

from masterywiki.db.database import Database
from masterywiki.onboarding.paths import Opened
from masterywiki.onboarding.progress import REWRITE_AFTER, Openings
from tests.clock import Clock


def test_the_latest_opening_of_each_page_is_kept(database: Database) -> None:
    clock = Clock()
    openings = Openings(database, now=clock)
    assert openings.record("tina", "framework/grading", "v1")
    clock.now += 5
    assert not openings.record("tina", "framework/grading", "v1")  # nothing new
    assert openings.record("tina", "framework/grading", "v2")  # the page changed
    assert openings.record("tina", "glossary/rubric", "r9")
    assert openings.record("sam", "framework/grading", "v1")
    mine = sorted(openings.of_reader("tina"), key=lambda o: o.page)
    assert mine == [Opened("framework/grading", "v2", clock.now),
                    Opened("glossary/rubric", "r9", clock.now)]  # fmt: skip
    assert openings.of_reader("tina", ["glossary/rubric"]) == [mine[1]]
    assert openings.of_reader("tina", []) == []
    assert [o.version for o in openings.of_reader("sam")] == ["v1"]


def test_a_repeated_opening_is_written_again_after_a_while(database: Database) -> None:
    clock = Clock()
    openings = Openings(database, now=clock)
    openings.record("tina", "p", "v")
    clock.now += REWRITE_AFTER + 1
    assert openings.record("tina", "p", "v")
    assert openings.of_reader("tina")[0].at == clock.now


def test_another_server_sees_the_same_rows(database: Database) -> None:
    Openings(database).record("tina", "p", "v")
    assert [o.page for o in Openings(database).of_reader("tina")] == ["p"]
