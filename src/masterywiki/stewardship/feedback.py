"""Reader feedback: "Was this page helpful?" votes and problem reports, kept in the database.

No Flask. A row is a vote (`helpful` yes or no), a report (a `reason`, with an
optional note), or both at once. Reports stay open until an owner or an editor
resolves them; votes are only counted. Rows live in the instance's database, so
they survive restarts and every server sharing a PostgreSQL sees the same ones.
Senders are rate-limited like comments (same settings, separate counts).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from masterywiki.content import names
from masterywiki.db.database import Database, Row
from masterywiki.discussion.service import RateLimiter
from masterywiki.errors import (
    CommentRateLimited,
    InvalidInput,
    TooManyAttempts,
    WikiError,
    wait_text,
)
from masterywiki.people.accounts import User

REASONS = ("outdated", "unclear", "missing", "other")
REASON_LABELS = {  # what a reader chooses from, and what owners read
    "outdated": "Out of date",
    "unclear": "Unclear or confusing",
    "missing": "Something is missing",
    "other": "Something else",
}
MAX_NOTE = 2000  # characters, after line ends are made plain LF
HELPFUL = {"yes": True, "no": False}
OPEN = "reason IS NOT NULL AND resolved IS NULL"  # a report nobody resolved yet


class ReportNotFound(WikiError):
    status = 404
    title = "Report not found"


class FeedbackRateLimited(TooManyAttempts):
    title = "Too much feedback"


@dataclass(frozen=True)
class Report:
    """One row of feedback: a vote, a report, or both."""

    id: int
    page: str
    helpful: bool | None
    reason: str | None
    note: str
    username: str | None  # None: a reader who was not logged in
    created: float
    resolved: float | None
    resolved_by: str | None

    @property
    def is_report(self) -> bool:
        return self.reason is not None


def _report(row: Row) -> Report:
    helpful = row["helpful"]  # SQLite hands back 0/1, PostgreSQL a bool
    return Report(
        int(row["id"]), row["page"], None if helpful is None else bool(helpful),
        row["reason"], row["note"] or "", row["username"], float(row["created"]),
        row["resolved"], row["resolved_by"],
    )  # fmt: skip


def parse_helpful(value: str | bool | None) -> bool | None:
    """A form's `helpful` field: `yes`, `no`, or empty (not said). Raises InvalidInput."""
    if isinstance(value, bool):  # a JSON true or false
        return value
    if not value or not value.strip():
        return None
    found = HELPFUL.get(value.strip().lower())
    if found is None:
        raise InvalidInput(f"'helpful' must be 'yes' or 'no', not '{value[:40]}'.")
    return found


def check(helpful: bool | None, reason: str | None, note: str) -> tuple[str | None, str]:
    """The reason and note as they are stored. Raises InvalidInput saying what is wrong."""
    reason = (reason or "").strip() or None
    if reason is not None and reason not in REASONS:
        raise InvalidInput(
            f"'{reason[:40]}' is not a reason to report: choose outdated, unclear,"
            " missing or other."
        )
    if helpful is None and reason is None:
        raise InvalidInput("Say whether the page helped you, or choose what is wrong with it.")
    # Browsers send CRLF; PostgreSQL text cannot hold NUL. Neither is the reader's point.
    text = note.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(
            f"The note is {len(text):,} characters; the limit is {MAX_NOTE:,}."
            " Shorten it and send it again."
        )
    return reason, text


def can_review(user: User | None, owners: Collection[str]) -> bool:
    """Who sees a page's reports and votes, and resolves reports: its owners, editors
    and admins."""
    return user is not None and (user.can("editor") or user.username in owners)


class Feedback:
    def __init__(
        self,
        database: Database,
        *,
        now: Callable[[], float] = time.time,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.database, self.now, self.limiter = database, now, limiter

    # -- sending --------------------------------------------------------------------

    def send(
        self,
        page: str,
        helpful: bool | None,
        reason: str | None,
        note: str,
        username: str | None,
        *,
        address: str = "",
    ) -> Report:
        """Store a vote and/or a report on `page` (the caller checked that it exists).
        `address` stands for a reader who is not logged in, for the rate limit.
        Raises InvalidPagePath, InvalidInput, FeedbackRateLimited."""
        names.validate(page)
        reason, text = check(helpful, reason, note)
        self._limit(username, address)  # after the checks: a mistake costs no turn
        now = self.now()
        with self.database.write() as db:
            new_id = db.value(
                "INSERT INTO feedback (page, helpful, reason, note, username, created)"
                " VALUES (:page, :helpful, :reason, :note, :username, :now) RETURNING id",
                page=page, helpful=helpful, reason=reason, note=text, username=username, now=now,
            )  # fmt: skip
        return Report(int(new_id), page, helpful, reason, text, username, now, None, None)

    def _limit(self, username: str | None, address: str) -> None:
        if self.limiter is None:
            return
        # Prefixed, so feedback and comments each have their own allowance.
        who = f"feedback:user:{username}" if username else f"feedback:address:{address}"
        try:
            self.limiter.take(who)
        except CommentRateLimited as error:
            raise FeedbackRateLimited(
                f"You have sent feedback {self.limiter.limit} times in a short time."
                f" Please wait {wait_text(error.retry_after)} before sending more.",
                retry_after=error.retry_after,
            ) from None

    # -- reading --------------------------------------------------------------------

    def get(self, report_id: int) -> Report:
        """One report (a row with a reason). Raises ReportNotFound."""
        with self.database.read() as db:
            row = db.one(
                "SELECT * FROM feedback WHERE id = :id AND reason IS NOT NULL", id=report_id
            )
        if row is None:
            raise ReportNotFound(f"There is no report {report_id} on this wiki.")
        return _report(row)

    def open_reports(self, page: str | None = None) -> list[Report]:
        """Reports nobody resolved yet, on `page` (or every page), newest first."""
        where = f"{OPEN} AND page = :page" if page is not None else OPEN
        with self.database.read() as db:
            rows = db.all(
                f"SELECT * FROM feedback WHERE {where} ORDER BY created DESC, id DESC", page=page
            )
        return [_report(row) for row in rows]

    def open_counts(self) -> dict[str, int]:
        """{page: how many open reports}, for pages that have any."""
        return self._counts(OPEN)

    def open_outdated(self) -> dict[str, int]:
        """{page: how many open reports say it is out of date}."""
        return self._counts(f"{OPEN} AND reason = 'outdated'")

    def _counts(self, where: str) -> dict[str, int]:
        with self.database.read() as db:
            rows = db.all(f"SELECT page, COUNT(*) AS n FROM feedback WHERE {where} GROUP BY page")
        return {row["page"]: int(row["n"]) for row in rows}

    def helpful_counts(self, page: str) -> tuple[int, int]:
        """(yes, no): how many readers said `page` helped them, and how many not."""
        with self.database.read() as db:
            row = db.one(
                "SELECT SUM(CASE WHEN helpful THEN 1 ELSE 0 END) AS yes,"
                " SUM(CASE WHEN NOT helpful THEN 1 ELSE 0 END) AS no"
                " FROM feedback WHERE page = :page",
                page=page,
            )
        return (int(row["yes"] or 0), int(row["no"] or 0)) if row else (0, 0)

    # -- changing -------------------------------------------------------------------

    def resolve(self, report_id: int, username: str) -> Report:
        """Close a report; resolving it again changes nothing (the first resolver is
        kept). Who may do it is the caller's question (`can_review`).
        Raises ReportNotFound."""
        self.get(report_id)
        with self.database.write() as db:
            db.run(
                "UPDATE feedback SET resolved = :now, resolved_by = :who"
                " WHERE id = :id AND resolved IS NULL",
                now=self.now(), who=username, id=report_id,
            )  # fmt: skip
        return self.get(report_id)

    def rename(self, old: str, new: str) -> int:
        """Move the feedback of page `old` to `new` (a moved page keeps its reports and
        votes); returns how many rows moved."""
        with self.database.write() as db:
            return db.run("UPDATE feedback SET page = :new WHERE page = :old", old=old, new=new)
