"""Read confirmations, pure: which version a page asks for (minor changes and moves do
not count), each reader's standing, the report's filters and its CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest

from masterywiki.content.model import parse_front_matter
from masterywiki.content.trailers import is_minor, minor_message
from masterywiki.onboarding.acknowledge import (
    AskingPage,
    Confirmation,
    Reader,
    as_csv,
    asks_confirmation,
    counts,
    filtered,
    standing_of,
    standings,
    version_to_confirm,
)


@dataclass(frozen=True)
class Change:
    commit: str
    trailer: str = ""
    moved_only: bool = False


@pytest.mark.parametrize(
    ("front_matter", "asks"),
    [("acknowledge: true", True), ("acknowledge: yes", True), ("acknowledge: false", False),
     ("acknowledge: 'true'", False), ("title: x", False)],
)  # fmt: skip
def test_only_a_true_acknowledge_asks(front_matter: str, asks: bool) -> None:
    assert asks_confirmation(parse_front_matter(front_matter)) is asks


def test_the_version_is_the_newest_change_that_is_neither_minor_nor_a_move() -> None:
    history = [Change("c4", "yes"), Change("c3", moved_only=True), Change("c2"), Change("c1")]
    assert version_to_confirm(history) == "c2"
    assert version_to_confirm([Change("c2", "Yes"), Change("c1", "yes")]) == "c1"  # the first
    assert version_to_confirm([Change("c1")]) == "c1"
    assert version_to_confirm([]) is None
    assert is_minor(" yes") and not is_minor("no") and not is_minor("")


def test_a_minor_message_keeps_the_summary_and_adds_the_trailer() -> None:
    assert minor_message("Fix a typo", "Update x") == "Fix a typo\n\nMinor-change: yes"
    assert minor_message("  ", "Update x") == "Update x\n\nMinor-change: yes"


def test_standing_current_older_none() -> None:
    old, new = Confirmation("tina", "p", "v1", 1.0), Confirmation("tina", "p", "v2", 2.0)
    assert standing_of([old, new], "v2") == ("current", new)
    assert standing_of([old], "v2") == ("older", old)
    assert standing_of([], "v2") == ("none", None)


def report() -> list:
    pages = [AskingPage("policy", "Grading Policy", "v2", ("old-policy",)),
             AskingPage("rules", "=Rules", "r1")]  # fmt: skip
    readers = [Reader("tina", "Tina Teacher", "reader"), Reader("ada", "Ada", "admin"),
               Reader("sam", "Sam", "editor")]  # fmt: skip
    confirmations = [
        Confirmation("tina", "policy", "v2", 20.0),
        Confirmation("sam", "old-policy", "v1", 10.0),  # before the page moved
        Confirmation("sam", "rules", "r1", 30.0),
        Confirmation("gone", "policy", "v2", 5.0),  # an account since removed: not listed
    ]
    return standings(pages, readers, confirmations)


def test_standings_list_every_reader_on_every_page_following_moves() -> None:
    rows = report()
    assert [(r.page, r.username, r.status) for r in rows] == [
        ("policy", "ada", "none"), ("policy", "sam", "older"), ("policy", "tina", "current"),
        ("rules", "ada", "none"), ("rules", "sam", "current"), ("rules", "tina", "none"),
    ]  # fmt: skip
    assert counts(rows) == {"policy": {"current": 1, "older": 1, "none": 1},
                            "rules": {"current": 1, "older": 0, "none": 2}}  # fmt: skip


def test_filters_by_page_status_and_person() -> None:
    rows = report()
    assert [r.username for r in filtered(rows, {"path": "policy", "status": "none"})] == ["ada"]
    assert [r.page for r in filtered(rows, {"user": "TEACH"})] == ["policy", "rules"]
    assert len(filtered(rows, {"path": "", "status": "", "user": ""})) == 6


def test_the_csv_has_a_header_a_row_each_and_no_formulas() -> None:
    text = as_csv(report())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "page",
        "title",
        "username",
        "name",
        "role",
        "status",
        "confirmed",
        "version",
    ]
    assert rows[3] == ["policy", "Grading Policy", "tina", "Tina Teacher", "reader", "current",
                       "1970-01-01T00:00:20+00:00", "v2"]  # fmt: skip
    assert rows[4][1] == "'=Rules"  # a spreadsheet would run =Rules as a formula
    assert len(rows) == 7 and text.endswith("\r\n")
