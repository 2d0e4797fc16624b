"""What `masterywiki check` says about pages' care: unreadable owner and review keys
(always), and with `--stale` every overdue page and every page readers report as
outdated. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from masterywiki.content.catalog import PageRecord
from masterywiki.content.check import WARNING, Diagnostic
from masterywiki.stewardship.dashboard import Row
from masterywiki.stewardship.reviews import read_stewardship


def care_findings(records: Iterable[PageRecord]) -> list[Diagnostic]:
    """A warning for each owner or review key that cannot be read."""
    found = []
    for record in records:
        line = 2 if record.info.body_line > 1 else 1
        for problem in read_stewardship(record.info.front_matter.extra).problems:
            found.append(Diagnostic(record.file, line, WARNING, "front-matter", problem))
    return found


def stale_findings(
    rows: Iterable[Row], files: Mapping[str, str], outdated: Mapping[str, int]
) -> list[Diagnostic]:
    """A warning for each overdue page and each page with open "outdated" reports;
    `files` maps page names to their files, `outdated` counts the open reports."""
    found = []
    for row in rows:
        path = files[row.name]
        if row.state == "overdue" and row.next_review is not None:
            since = row.reviewed.isoformat() if row.reviewed else "never"
            owners = ", ".join(row.owners) or "nobody"
            message = (
                f"review was due {row.next_review.isoformat()}"
                f" (last reviewed: {since}; owner: {owners})"
            )
            found.append(Diagnostic(path, 1, WARNING, "stale", message))
        if reports := outdated.get(row.name, 0):
            plural = "s say" if reports != 1 else " says"
            message = f"{reports} open reader report{plural} it is outdated"
            found.append(Diagnostic(path, 1, WARNING, "stale", message))
    return sorted(found)
