"""Review dates: periods, month arithmetic (short months, leap days), `review_by`
over `review_every`, the states, and writing `reviewed` into a page's front matter."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from masterywiki.content.model import parse_document
from masterywiki.stewardship.reviews import (
    Period,
    Stewardship,
    add_months,
    mark_reviewed,
    parse_period,
    read_stewardship,
    review_of,
)

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "period"),
    [("90 days", Period(90, "day")), ("1 Year", Period(1, "year")),
     (" 6 months ", Period(6, "month")), ("2 weeks", Period(2, "week")),
     ("1 day", Period(1, "day"))],
)  # fmt: skip
def test_periods_are_read(text: str, period: Period) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["", "yearly", "0 days", "101 years", "6 fortnights", "-1 year"])
def test_unreadable_periods_say_what_is_wanted(text: str) -> None:
    with pytest.raises(ValueError, match="like `90 days` or `1 year`"):
        parse_period(text)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [(date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2028, 1, 31), 1, date(2028, 2, 29)),
     (date(2028, 2, 29), 12, date(2029, 2, 28)), (date(2028, 2, 29), 48, date(2032, 2, 29)),
     (date(2026, 8, 31), 6, date(2027, 2, 28)), (date(2026, 11, 15), 3, date(2027, 2, 15)),
     (date(2026, 12, 31), 1, date(2027, 1, 31))],
)  # fmt: skip
def test_months_end_on_the_last_day_of_a_shorter_month(
    start: date, months: int, expected: date
) -> None:
    assert add_months(start, months) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)), st.integers(0, 1200))
def test_adding_months_lands_in_the_right_month_never_past_the_day(
    start: date, months: int
) -> None:
    found = add_months(start, months)
    assert (found.year * 12 + found.month) - (start.year * 12 + start.month) == months
    assert found.day <= start.day


def test_a_year_after_a_leap_day() -> None:
    assert Period(1, "year").after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert Period(365, "day").after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert Period(366, "day").after(date(2027, 3, 1)) == date(2028, 3, 1)


def care(text: str) -> Stewardship:
    return read_stewardship(parse_document(f"---\n{text}\n---\n# P\n").front_matter.extra)


def test_front_matter_is_read() -> None:
    found = care("owner: [Ada, bo]\nreview_every: 6 months\nreviewed: 2026-06-01")
    assert found == Stewardship(("ada", "bo"), Period(6, "month"), date(2026, 6, 1), None, ())
    assert care("owner: ada").owners == ("ada",)
    assert care("review_by: '2027-01-15'").review_by == date(2027, 1, 15)


def test_unreadable_values_are_problems_not_errors() -> None:
    found = care("owner: 'Ada Lovelace!'\nreview_every: often\nreviewed: last spring")
    assert found.owners == () and found.review_every is None and found.reviewed is None
    assert [p.split(":")[0] for p in found.problems] == ["owner", "review_every", "reviewed"]


def test_the_next_review_and_its_state() -> None:
    every = Stewardship(review_every=Period(6, "month"), reviewed=date(2026, 6, 1))
    assert review_of(every, TODAY).next_review == date(2026, 12, 1)
    assert review_of(every, TODAY).state == "overdue" and review_of(every, TODAY).days_left == -3
    assert review_of(every, date(2026, 11, 1)).state == "due"
    assert review_of(every, date(2026, 10, 31)).state == "ok"
    assert review_of(every, date(2026, 12, 1)).state == "due", "due on the day itself"


def test_review_by_wins_over_the_period() -> None:
    both = Stewardship(review_every=Period(1, "year"), reviewed=date(2026, 6, 1),
                       review_by=date(2026, 12, 20))  # fmt: skip
    assert review_of(both, TODAY).next_review == date(2026, 12, 20)


def test_without_a_review_the_period_counts_from_the_last_change() -> None:
    page = Stewardship(review_every=Period(90, "day"))
    assert review_of(page, TODAY, changed=date(2026, 9, 1)).next_review == date(2026, 11, 30)
    assert review_of(page, TODAY).state == "unscheduled", "no change date, no review date"


def test_the_site_default_applies_only_where_a_page_sets_no_period() -> None:
    own = Stewardship(review_every=Period(1, "year"), reviewed=date(2026, 1, 1))
    bare = Stewardship(reviewed=date(2026, 1, 1))
    assert review_of(own, TODAY, Period(1, "month")).next_review == date(2027, 1, 1)
    assert review_of(bare, TODAY, Period(1, "month")).next_review == date(2026, 2, 1)
    assert review_of(bare, TODAY).state == "unscheduled"


def test_marking_reviewed_replaces_or_adds_the_line_and_keeps_the_rest() -> None:
    page = "---\ntitle: Grading\nreviewed: 2025-01-01\nowner: ada\n---\n\n# Grading\n\nBody.\n"
    marked = mark_reviewed(page, TODAY)
    assert (
        marked
        == "---\ntitle: Grading\nowner: ada\nreviewed: 2026-12-04\n---\n\n# Grading\n\nBody.\n"
    )
    assert yaml.safe_load(marked.split("---")[1])["reviewed"] == TODAY
    assert mark_reviewed("# Bare\n", TODAY) == "---\nreviewed: 2026-12-04\n---\n\n# Bare\n"
    assert mark_reviewed(marked, TODAY) == marked, "marking twice changes nothing more"
