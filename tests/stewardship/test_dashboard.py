"""The review dashboard's rows: states from front matter and last changes, filters by
owner, section and state, urgency order, counts and the most reported pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

from masterywiki.content.catalog import PageRecord
from masterywiki.content.docinfo import scan
from masterywiki.git.parse import Change
from masterywiki.stewardship.dashboard import NO_OWNER, Filters, dashboard, follow_moves, rows_of
from masterywiki.stewardship.reviews import Period

TODAY = date(2026, 12, 4)
PAGES = {
    "framework/grading": "owner: ada\nreview_every: 6 months\nreviewed: 2026-05-01",  # overdue
    "framework/tracking": "owner: [ada, bo]\nreview_by: 2026-12-20",  # due
    "framework/systems": "owner: bo\nreview_every: 1 year\nreviewed: 2026-11-01",  # ok
    "glossary/mastery": "review_every: 90 days",  # from its last change: due
    "glossary/rubric": "title: Rubric",  # unscheduled, no owner
    "index": "owner: ada\nreview_by: 2026-11-30",  # overdue, at the top
}


def records() -> list[PageRecord]:
    return [
        PageRecord(name, f"{name}.md", f"blob-{name}", scan(f"---\n{head}\n---\n# {name}\n"))
        for name, head in PAGES.items()
    ]


def rows(default: Period | None = None, reports: dict[str, int] | None = None) -> list:
    changed = {"glossary/mastery.md": date(2026, 9, 20), "glossary/rubric.md": date(2026, 1, 1)}
    changes = {path: change_on(day) for path, day in changed.items()}
    return rows_of(records(), TODAY, default, changes, reports)


def change_on(day: date) -> Change:
    return Change("0" * 40, "Ada", "ada@example.org", datetime(day.year, day.month, day.day, 9,
                  tzinfo=UTC), "Edit")  # fmt: skip


def names(board_rows: list) -> list[str]:
    return [row.name for row in board_rows]


def test_states_and_order() -> None:
    board = dashboard(rows(), Filters())
    assert [(r.name, r.state) for r in board.rows] == [
        ("framework/grading", "overdue"),  # due 1 November: longest overdue first
        ("index", "overdue"),
        ("glossary/mastery", "due"),  # 90 days after 20 September: 19 December
        ("framework/tracking", "due"),  # 20 December
        ("framework/systems", "ok"),
        ("glossary/rubric", "unscheduled"),
    ]
    assert board.counts == {"overdue": 2, "due": 2, "ok": 1, "unscheduled": 1,
                            "unowned": 2, "reported": 0, "all": 6}  # fmt: skip
    assert board.sections == ["framework", "glossary"] and board.owners == ["ada", "bo"]


def test_filters() -> None:
    every = rows()
    assert names(dashboard(every, Filters(owner="bo")).rows) == [
        "framework/tracking", "framework/systems",
    ]  # fmt: skip
    assert names(dashboard(every, Filters(owner=NO_OWNER)).rows) == [
        "glossary/mastery", "glossary/rubric",
    ]  # fmt: skip
    assert names(dashboard(every, Filters(section="glossary", state="due")).rows) == [
        "glossary/mastery"
    ]
    assert names(dashboard(every, Filters(owner="ada", state="ok")).rows) == []
    assert dashboard(every, Filters(owner="nobody")).counts["all"] == 6, "counts ignore filters"


def test_the_site_default_schedules_pages_without_a_period() -> None:
    board = dashboard(rows(default=Period(1, "month")), Filters())
    rubric = next(r for r in board.rows if r.name == "glossary/rubric")
    assert rubric.next_review == date(2026, 2, 1) and rubric.state == "overdue"


def test_reports_raise_a_page_and_fill_the_most_reported_list() -> None:
    board = dashboard(rows(reports={"glossary/rubric": 3, "framework/systems": 5}), Filters())
    assert [(r.name, r.reports) for r in board.most_reported] == [
        ("framework/systems", 5), ("glossary/rubric", 3),
    ]  # fmt: skip
    assert board.counts["reported"] == 2


def test_json_rows_follow_the_contract() -> None:
    (grading,) = [r for r in rows() if r.name == "framework/grading"]
    assert grading.as_json() == {
        "path": "framework/grading", "title": "framework/grading", "url": "/framework/grading",
        "owner": ["ada"], "reviewed": "2026-05-01", "review_by": "2026-11-01",
        "state": "overdue", "reports": 0,
    }  # fmt: skip


def test_counts_follow_moved_pages() -> None:
    moved = follow_moves({"old/a": 2, "new/a": 1, "b": 4}, {"old/a": "new/a", "gone": "b"})
    assert moved == {"new/a": 3, "b": 4}
