"""Owners and review dates: what a page's front matter promises, and whether it is kept.

Pure: dates in, dates out. A page names its `owner` (a username, or a list), how
often it is reviewed (`review_every`: `90 days`, `2 weeks`, `6 months`, `1 year`),
when it was last reviewed (`reviewed`) and, optionally, a fixed date (`review_by`,
which wins over the period). Without `reviewed`, the period counts from the page's
last change. A page is *overdue* once its review date has passed, *due* within
`DUE_SOON_DAYS` of it, *ok* before that, and *unscheduled* with no date at all.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from masterywiki.errors import ConfigError
from masterywiki.people.accounts import USERNAME

DUE_SOON_DAYS = 30
STATES = ("overdue", "due", "ok", "unscheduled")
MAX_COUNT = 100  # "100 years" is already a promise nobody keeps
PERIOD = re.compile(r"\s*(\d{1,3})\s*(day|week|month|year)s?\s*", re.IGNORECASE)
KEYS = ("owner", "review_every", "reviewed", "review_by")


@dataclass(frozen=True)
class Period:
    count: int
    unit: str  # 'day', 'week', 'month' or 'year'

    def after(self, start: date) -> date:
        if self.unit == "day":
            return start + timedelta(days=self.count)
        if self.unit == "week":
            return start + timedelta(weeks=self.count)
        months = self.count * (12 if self.unit == "year" else 1)
        return add_months(start, months)

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter
    (31 January + 1 month is 28 or 29 February; 29 February + 1 year, 28 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def parse_period(text: str) -> Period:
    """`90 days`, `1 week`, `6 months`, `1 year`. Raises ValueError saying what is wanted."""
    found = PERIOD.fullmatch(text)
    if found is None or not 0 < int(found.group(1)) <= MAX_COUNT:
        raise ValueError(
            f"'{text[:40]}' is not a review period: write a number (1 to {MAX_COUNT}) and"
            " days, weeks, months or years, like `90 days` or `1 year`"
        )
    return Period(int(found.group(1)), found.group(2).lower())


def site_period(setting: str) -> Period | None:
    """The `review_every` setting: a period, or None when empty. Raises ConfigError."""
    if not setting.strip():
        return None
    try:
        return parse_period(setting)
    except ValueError as error:
        raise ConfigError(f"setting 'review_every': {error}") from None


@dataclass(frozen=True)
class Stewardship:
    """What a page's front matter says about its care."""

    owners: tuple[str, ...] = ()
    review_every: Period | None = None
    reviewed: date | None = None
    review_by: date | None = None
    problems: tuple[str, ...] = ()


def read_stewardship(front_matter: Mapping[str, Any]) -> Stewardship:
    """The stewardship keys of a page's front matter (its `extra` mapping); a value
    that cannot be read is left out and described in `problems`, never raised."""
    problems: list[str] = []
    owners = _owners(front_matter.get("owner"), problems)
    period = None
    if (every := front_matter.get("review_every")) is not None:
        try:
            period = parse_period(str(every))
        except ValueError as error:
            problems.append(f"review_every: {error}")
    reviewed = _day(front_matter, "reviewed", problems)
    review_by = _day(front_matter, "review_by", problems)
    return Stewardship(owners, period, reviewed, review_by, tuple(problems))


def _owners(value: Any, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    owners = tuple(str(item).strip().lower() for item in items if str(item).strip())
    if not all(USERNAME.fullmatch(owner) for owner in owners):
        problems.append("owner: give usernames, like `owner: ada` or `owner: [ada, bo]`")
        return ()
    return owners


def _day(front_matter: Mapping[str, Any], key: str, problems: list[str]) -> date | None:
    value = front_matter.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        problems.append(f"{key}: '{str(value)[:40]}' is not a date like 2026-09-01")
        return None


@dataclass(frozen=True)
class Review:
    """Where a page stands today."""

    owners: tuple[str, ...]
    reviewed: date | None  # the last review, as written
    next_review: date | None
    state: str  # one of STATES
    days_left: int | None  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def review_of(
    care: Stewardship, today: date, default: Period | None = None, changed: date | None = None
) -> Review:
    """The review state of a page with `care`, on `today`. `default` is the site's
    period for pages that set none; `changed` the day the page last changed."""
    next_review = care.review_by
    period = care.review_every or default
    if next_review is None and period is not None:
        start = care.reviewed or changed
        next_review = period.after(start) if start is not None else None
    if next_review is None:
        return Review(care.owners, care.reviewed, None, "unscheduled", None)
    left = (next_review - today).days
    state = "overdue" if left < 0 else "due" if left <= DUE_SOON_DAYS else "ok"
    return Review(care.owners, care.reviewed, next_review, state, left)


def mark_reviewed(text: str, day: date) -> str:
    """The page file `text` with `reviewed: <day>` in its front matter (replaced,
    or added as the header's last line; a page without a header gets one)."""
    line = f"reviewed: {day.isoformat()}"
    if text.startswith("---\n"):
        lines = text.split("\n")
        for end in range(1, len(lines)):
            if lines[end].rstrip() in ("---", "..."):
                header = lines[1:end]
                kept = [row for row in header if not re.match(r"reviewed\s*:", row)]
                return "\n".join(["---", *kept, line, *lines[end:]])
    return f"---\n{line}\n---\n\n{text}"
