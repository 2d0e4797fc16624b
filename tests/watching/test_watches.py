"""Which changes concern which watches, and one digest per watcher (pure: no git, no Flask)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from masterywiki.discussion.comments import Event, dump
from masterywiki.watching.watches import (
    Change,
    Note,
    Touch,
    Watch,
    Watcher,
    burst_ready,
    digests,
    excerpt,
    follow,
    is_own,
    log_paths,
    new_notes,
    relevant,
    touch_link,
    touches,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def change(
    files: list[tuple[str, str]],
    email: str = "ada@example.org",
    minutes: int = 0,
    commit: str = "c0",
    summary: str = "change",
) -> Change:
    when = T0 + timedelta(minutes=minutes)
    return Change(commit, "Ada Coach", email, when, summary, touches(files))


@pytest.mark.parametrize(
    ("watch", "name", "covered"),
    [
        (Watch("framework", "page"), "framework", True),
        (Watch("framework", "page"), "framework/grading", False),
        (Watch("framework", "section"), "framework", True),
        (Watch("framework", "section"), "framework/grading", True),
        (Watch("framework", "section"), "framework/a/b", True),
        (Watch("framework", "section"), "frameworks", False),
        (Watch("framework", "section"), "frameworks/x", False),
        (Watch("index", "page"), "index", True),
        (Watch("index", "page"), "guide", False),
        (Watch("index", "section"), "guide/first", True),
    ],
)
def test_a_watch_covers_its_page_or_section(watch: Watch, name: str, covered: bool) -> None:
    assert watch.covers(name) is covered


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([("M", "guide/first.md")], [Touch("guide/first", "edit")]),
        ([("A", "guide/new.md")], [Touch("guide/new", "new")]),
        ([("D", "guide/old.md")], [Touch("guide/old", "deleted")]),
        ([("M", "guide/index.md")], [Touch("guide", "edit")]),
        ([("M", "index.md")], [Touch("index", "edit")]),
        ([("M", "guide/first.comments.jsonl")], [Touch("guide/first", "comment")]),
        ([("A", "guide/index.comments.jsonl")], [Touch("guide", "comment")]),
        ([("A", "guide/first.files/plan.pdf")], [Touch("guide/first", "attachment")]),
        ([("R", "guide/first.md -> chapters/one.md")],
         [Touch("chapters/one", "moved", "guide/first")]),
        ([("R", "guide.md -> guide/index.md")], [Touch("guide", "edit")]),
        ([("M", "README.txt"), ("M", ".gitignore"), ("M", "Guide/Bad Name.md")], []),
        (
            [("M", "a.md"), ("M", "a.comments.jsonl"), ("M", "a.md")],
            [Touch("a", "edit"), Touch("a", "comment")],
        ),
    ],
)  # fmt: skip
def test_touches_reads_a_commits_files(files: list[tuple[str, str]], expected: list[Touch]) -> None:
    assert list(touches(files)) == expected


def test_touches_keep_the_file_for_reading_comments_later() -> None:
    (touch,) = touches([("M", "guide/index.comments.jsonl")])
    assert touch.path == "guide/index.comments.jsonl"


def test_follow_adds_the_new_names_of_renamed_pages() -> None:
    redirects = {"a": "b", "b": "c", "loop1": "loop2", "loop2": "loop1"}
    assert follow([Watch("a", "page")], redirects) == (
        Watch("a", "page"), Watch("b", "page"), Watch("c", "page"),
    )  # fmt: skip
    assert follow([Watch("loop1", "section")], redirects) == (
        Watch("loop1", "section"), Watch("loop2", "section"),
    )  # fmt: skip
    assert follow([Watch("x", "page")], redirects) == (Watch("x", "page"),)


def test_relevant_keeps_only_the_watched_pages() -> None:
    both = change([("M", "guide/first.md"), ("M", "glossary/rubric.md")])
    narrowed = relevant(both, [Watch("guide", "section")])
    assert narrowed is not None and narrowed.touches == (Touch("guide/first", "edit"),)
    assert relevant(both, [Watch("other", "page")]) is None


def test_a_move_away_from_a_watched_name_is_shown() -> None:
    moved = change([("R", "guide/first.md -> chapters/one.md")])
    assert relevant(moved, [Watch("guide/first", "page")]) is not None


@pytest.mark.parametrize(
    ("email", "username", "account_email", "own"),
    [
        ("edna@users.masterywiki.invalid", "edna", "", True),
        ("EDNA@example.org", "edna", "edna@example.org", True),
        ("ada@example.org", "edna", "edna@example.org", False),
        ("edna@users.masterywiki.invalid", "ednab", "", False),
        ("", "edna", "", False),
    ],
)
def test_is_own_recognises_the_users_commits(
    email: str, username: str, account_email: str, own: bool
) -> None:
    assert is_own(change([("M", "a.md")], email=email), username, account_email) is own


def test_digests_group_a_burst_per_watcher_without_their_own_changes() -> None:
    edna = Watcher("edna", "Edna", "edna@example.org", (Watch("guide", "section"),))
    bo = Watcher("bo", "Bo", "bo@example.org", (Watch("guide/first", "page"),))
    cy = Watcher("cy", "Cy", "cy@example.org", (Watch("glossary", "section"),))
    burst = [
        change([("M", "guide/second.md")], minutes=2, commit="c2"),
        change([("M", "guide/first.md")], minutes=1, commit="c1"),
        change([("M", "guide/first.md")], email="edna@example.org", minutes=3, commit="c3"),
        change([("M", "index.md")], minutes=4, commit="c4"),
    ]
    found = digests(burst, [edna, bo, cy], {})
    by_user = {d.watcher.username: [c.commit for c in d.changes] for d in found}
    assert by_user == {"edna": ["c1", "c2"], "bo": ["c1", "c3"]}  # oldest first; cy: nothing


def test_digests_follow_renames() -> None:
    bo = Watcher("bo", "Bo", "bo@example.org", (Watch("guide/first", "page"),))
    after_move = [change([("M", "chapters/one.md")], commit="c9")]
    assert digests(after_move, [bo], {}) == []
    (digest,) = digests(after_move, [bo], {"guide/first": "chapters/one"})
    assert [c.commit for c in digest.changes] == ["c9"]


def test_log_paths_cover_every_file_of_a_watched_page() -> None:
    paths = log_paths([Watch("guide", "page"), Watch("glossary", "section")])
    assert paths is not None
    expected = ["guide.md", "guide/index.md", "guide.comments.jsonl", "guide/index.comments.jsonl",
                "guide.files/", "glossary/", "glossary.md"]  # fmt: skip
    assert set(expected) <= set(paths)
    assert "guide/" not in paths
    assert log_paths([Watch("index", "section")]) is None
    assert log_paths([]) == []


def test_new_notes_are_the_lines_a_commit_added() -> None:
    first = Event("comment", "c1", "bo", T0, "Bo", "First!")
    second = Event("comment", "c2", "cy", T0, "Cy", "Second,\nwith   spaces.", parent="c1")
    resolve = Event("resolve", "c1", "bo", T0, "Bo")
    before = dump([first])
    after = dump([first, second, resolve])
    assert new_notes(before, after) == (
        Note("comment", "c2", "Cy", "Second, with spaces."),
        Note("resolve", "c1", "Bo", ""),
    )
    assert new_notes(None, before) == (Note("comment", "c1", "Bo", "First!"),)
    assert new_notes(after, b"") == ()
    assert new_notes(b"not json\n", b"not json\n{broken\n") == ()


def test_excerpt_cuts_long_text_at_a_word() -> None:
    assert excerpt("short") == "short"
    cut = excerpt("word " * 100, limit=22)
    assert cut == "word word word word…"
    assert len(excerpt("x" * 500, limit=10)) == 11


@pytest.mark.parametrize(
    ("newest", "oldest", "now", "ready"),
    [
        (100, 100, 150, False),  # still inside the quiet window
        (100, 100, 160, True),  # quiet for the whole window
        (650, 100, 660, False),  # a long burst, still short of the limit
        (695, 100, 700, True),  # the oldest waited long enough (longest=600)
    ],
)
def test_burst_ready(newest: float, oldest: float, now: float, ready: bool) -> None:
    assert burst_ready(newest, oldest, now, quiet=60, longest=600) is ready


def test_touch_link_points_where_to_read() -> None:
    c = change([], commit="abc")
    assert touch_link(c, Touch("guide/first", "edit")) == "/guide/first/-/diff?to=abc"
    assert touch_link(c, Touch("index", "new")) == "/index/-/diff?to=abc"
    assert touch_link(c, Touch("gone", "deleted")) == "/gone/-/history"
    assert touch_link(c, Touch("b", "moved", "a")) == "/b"
    assert touch_link(c, Touch("b", "comment")) == "/b#comments"
    noted = Touch("b", "comment", notes=(Note("comment", "x1", "Bo", "hi"),))
    assert touch_link(c, noted) == "/b#comment-x1"
