"""The review dashboard's rows: every page's owners, review dates, state and open
reports, filtered and ordered so the pages that need care come first. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from masterywiki.content.catalog import PageRecord
from masterywiki.git.parse import Change
from masterywiki.stewardship.reviews import STATES, Period, read_stewardship, review_of

NO_OWNER = "-"  # the owner filter's value for pages nobody owns
MOST_REPORTED = 10
_ORDER = {state: number for number, state in enumerate(STATES)}


@dataclass(frozen=True)
class Row:
    name: str
    title: str
    url: str
    section: str  # the page's top folder ('' at the top)
    owners: tuple[str, ...]
    reviewed: date | None
    next_review: date | None
    state: str
    days_left: int | None
    reports: int  # open reader reports

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.name,
            "title": self.title,
            "url": self.url,
            "owner": list(self.owners),
            "reviewed": self.reviewed.isoformat() if self.reviewed else None,
            "review_by": self.next_review.isoformat() if self.next_review else None,
            "state": self.state,
            "reports": self.reports,
        }


@dataclass(frozen=True)
class Filters:
    owner: str = ""  # a username, NO_OWNER, or '' for all
    section: str = ""
    state: str = ""  # one of STATES, or '' for all

    def keeps(self, row: Row) -> bool:
        if self.owner == NO_OWNER and row.owners:
            return False
        if self.owner not in ("", NO_OWNER) and self.owner not in row.owners:
            return False
        if self.section and row.section != self.section:
            return False
        return not self.state or row.state == self.state


@dataclass(frozen=True)
class Dashboard:
    rows: list[Row]  # the filtered rows, most urgent first
    counts: dict[str, int]  # per state, 'unowned', 'reported' and 'all', over all pages
    sections: list[str]
    owners: list[str]
    most_reported: list[Row]


def rows_of(
    records: Iterable[PageRecord],
    today: date,
    default: Period | None = None,
    changes: Mapping[str, Change] | None = None,
    reports: Mapping[str, int] | None = None,
) -> list[Row]:
    """One row per page; `changes` holds each page file's last change (a page never
    reviewed counts its period from there), `reports` each page's open reports."""
    changes, reports = changes or {}, reports or {}
    found = []
    for record in records:
        care = read_stewardship(record.info.front_matter.extra)
        change = changes.get(record.file)
        review = review_of(care, today, default, change.date.date() if change else None)
        section = record.name.split("/", 1)[0] if "/" in record.name else ""
        found.append(Row(record.name, record.title, record.url, section, review.owners,
                         review.reviewed, review.next_review, review.state, review.days_left,
                         reports.get(record.name, 0)))  # fmt: skip
    return found


def follow_moves(counts: Mapping[str, int], redirects: Mapping[str, str]) -> dict[str, int]:
    """Counts kept under the names pages had (reports outlive a move), summed under
    the names they have now."""
    found: dict[str, int] = {}
    for name, count in counts.items():
        now = redirects.get(name, name)
        found[now] = found.get(now, 0) + count
    return found


def urgency(row: Row) -> tuple[int, int, int, str]:
    """Overdue first (longest overdue on top), then due, ok and unscheduled pages;
    more reports first among equals."""
    days = row.days_left if row.days_left is not None else 1 << 30
    return (_ORDER[row.state], days, -row.reports, row.name)


def dashboard(rows: list[Row], filters: Filters) -> Dashboard:
    counts = {state: 0 for state in STATES} | {"unowned": 0, "reported": 0, "all": len(rows)}
    for row in rows:
        counts[row.state] += 1
        counts["unowned"] += not row.owners
        counts["reported"] += row.reports > 0
    kept = sorted((row for row in rows if filters.keeps(row)), key=urgency)
    reported = sorted((row for row in rows if row.reports), key=lambda r: (-r.reports, r.name))
    return Dashboard(
        rows=kept,
        counts=counts,
        sections=sorted({row.section for row in rows if row.section}),
        owners=sorted({owner for row in rows for owner in row.owners}),
        most_reported=reported[:MOST_REPORTED],
    )
