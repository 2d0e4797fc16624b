"""The starter content's review dates follow the day of install: on that day a few
framework pages are due for review and none is overdue, whenever it is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.docinfo import scan
from masterywiki.repository.instance import create_wiki
from masterywiki.repository.starter import STARTER_DAY, dated
from masterywiki.resources import starter_files
from masterywiki.stewardship.dashboard import Filters, dashboard, rows_of


def board_on(day: date) -> dict[str, int]:
    files = dated(starter_files(), day)
    records = [
        PageRecord(path[:-3], path, path, scan(data.decode()))
        for path, data in files.items()
        if path.endswith(".md")
    ]
    return dashboard(rows_of(records, day), Filters()).counts


@pytest.mark.parametrize(
    "day", [STARTER_DAY, date(2027, 2, 28), date(2028, 2, 29), date(2031, 8, 31), date(2040, 1, 1)]
)
def test_on_the_day_of_install_some_pages_are_due_and_none_overdue(day: date) -> None:
    counts = board_on(day)
    assert counts["overdue"] == 0
    assert 2 <= counts["due"] <= 4
    assert counts["ok"] >= 5


def test_only_review_dates_change(tmp_path: Path) -> None:
    original = starter_files()
    moved = dated(original, date(2027, 3, 1))
    changed = {path for path in original if original[path] != moved[path]}
    assert changed and all(path.startswith("framework/") for path in changed)
    for path in changed:
        before, after = original[path].decode(), moved[path].decode()
        lines = zip(before.splitlines(), after.splitlines(), strict=True)
        differing = [pair for pair in lines if pair[0] != pair[1]]
        assert len(differing) == 1 and differing[0][1].startswith("reviewed: ")
    storage = create_wiki(str(tmp_path / "wiki"), date(2027, 3, 1))
    head = storage.head()
    assert head is not None
    text = storage.read_file(head, "framework/grading-policy.md")
    moved_day = date(2026, 8, 15) + (date(2027, 3, 1) - STARTER_DAY)  # 90 days later
    assert text is not None and f"reviewed: {moved_day.isoformat()}".encode() in text
    storage.close()


def test_the_catalog_sees_the_owners() -> None:
    files = dated(starter_files(), STARTER_DAY)
    records = {
        path[:-3]: PageRecord(path[:-3], path, path, scan(data.decode()))
        for path, data in files.items() if path.endswith(".md")
    }  # fmt: skip
    catalog = Catalog(records)
    assert catalog.get("framework/grading-policy") is not None
    owners = {row.name: row.owners for row in rows_of(records.values(), STARTER_DAY)}
    assert owners["framework/grading-policy"] == ("assessment-coach", "curriculum-lead")
