"""The comment file format as pure values: parse, fold into threads, write, render."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masterywiki.discussion import comments
from masterywiki.discussion.comments import Event, append, dump, dump_event, parse, parse_events

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def comment(
    cid: str,
    body: str = "text",
    minutes: int = 0,
    *,
    author: str = "cora",
    parent: str | None = None,
    anchor: str | None = None,
) -> Event:
    return Event("comment", cid, author, at(minutes), author.title(), body, parent, anchor)


def change(kind: str, cid: str, minutes: int, body: str | None = None, author: str = "ed") -> Event:
    return Event(kind, cid, author, at(minutes), author.title(), body)


def lines(*events: Event) -> bytes:
    return dump(events)


# -- the format -------------------------------------------------------------------------


def test_a_comment_line_has_the_documented_fields() -> None:
    line = dump_event(comment("a1", "Hi *there*", parent="p0", anchor="grading"))
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    record = json.loads(line)
    assert record == {
        "type": "comment",
        "id": "a1",
        "author": "cora",
        "name": "Cora",
        "created": "2025-03-01T09:30:00Z",
        "parent": "p0",
        "anchor": "grading",
        "body": "Hi *there*",
    }
    edit = json.loads(dump_event(change("edit", "a1", 5, "new")))
    assert edit == {"type": "edit", "id": "a1", "author": "ed", "name": "Ed",
                    "at": "2025-03-01T09:35:00Z", "body": "new"}  # fmt: skip


def test_a_body_with_newlines_stays_on_one_line() -> None:
    data = dump_event(comment("a1", "line one\nline two\n\n```\ncode\n```"))
    assert data.count(b"\n") == 1
    events, problems = parse_events(data)
    assert problems == () and events[0].body == "line one\nline two\n\n```\ncode\n```"


_ids = st.from_regex(comments.ID_PATTERN, fullmatch=True)
_times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
_events = st.one_of(
    st.builds(Event, st.just("comment"), _ids, _text, _times, _text, _text,
              st.none() | _ids, st.none() | st.from_regex(comments.ANCHOR_PATTERN, fullmatch=True)),
    st.builds(Event, st.just("edit"), _ids, _text, _times, _text, _text),
    st.builds(Event, st.sampled_from(["resolve", "reopen", "delete"]), _ids, _text, _times, _text),
)  # fmt: skip


@given(st.lists(_events, max_size=12))
def test_round_trip(events: list[Event]) -> None:
    parsed, problems = parse_events(dump(events))
    assert problems == ()
    assert list(parsed) == events
    assert [e.line for e in parsed] == list(range(1, len(events) + 1))


def test_the_minimal_design_record_is_a_comment() -> None:
    data = b'{"id": "x1", "author": "ada", "created": "2025-03-01T09:30:00+01:00", "body": "Hi"}\n'
    found, problems = parse(data)
    assert problems == ()
    assert found[0].author == "ada" and found[0].created == datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    assert found[0].display_name == "ada"


def test_append_adds_a_missing_final_newline() -> None:
    data = dump_event(comment("a1")).rstrip(b"\n")
    both = append(data, comment("a2"))
    assert [c.id for c in parse(both)[0]] == ["a1", "a2"]
    assert append(b"", comment("a1")) == dump_event(comment("a1"))


# -- threads ----------------------------------------------------------------------------


def test_replies_join_their_thread_in_order() -> None:
    data = lines(
        comment("r1", "first question"),
        comment("r2", "other topic", 1),
        comment("a1", "answer", 2, parent="r1"),
        comment("a2", "answer to the answer", 3, parent="a1"),
    )
    discussion = comments.discussion(data)
    threads = discussion.threads
    assert [t.root.id for t in threads] == ["r1", "r2"]
    assert [c.id for c in threads[0].replies] == ["a1", "a2"]
    assert discussion.root_of("a2") == threads[0].root
    assert discussion.count == 4


def test_anchor_counts_give_section_markers() -> None:
    data = lines(
        comment("r1", anchor="grading"),
        comment("a1", parent="r1", minutes=1),
        comment("r2", anchor="grading", minutes=2),
        comment("r3", anchor="habits", minutes=3),
        comment("r4", minutes=4),
        change("delete", "r3", 5),
    )
    counts = comments.discussion(data).anchor_counts()
    assert counts == {"grading": (3, "r1")}


def test_edits_keep_every_earlier_version() -> None:
    data = lines(
        comment("c1", "first", author="cora"),
        change("edit", "c1", 1, "second", author="cora"),
        change("edit", "c1", 2, "third", author="cora"),
    )
    (found,), _ = parse(data)
    assert found.body == "third" and found.edited
    assert [v.body for v in found.versions] == ["first", "second", "third"]
    assert found.versions[1].at == at(1)


def test_resolve_and_reopen_toggle_the_thread() -> None:
    base = [comment("c1"), change("resolve", "c1", 1)]
    (resolved,), _ = parse(lines(*base))
    assert resolved.resolved is not None and resolved.resolved.name == "Ed"
    assert comments.discussion(lines(*base)).threads[0].resolved
    (reopened,), _ = parse(lines(*base, change("reopen", "c1", 2)))
    assert reopened.resolved is None


def test_delete_hides_but_keeps_the_record_and_its_replies() -> None:
    data = lines(comment("c1", "secret"), comment("c2", parent="c1"), change("delete", "c1", 2))
    discussion = comments.discussion(data)
    first = discussion.get("c1")
    assert first is not None and first.deleted is not None
    assert first.body == "secret", "the text stays in the record"
    assert discussion.count == 1
    assert [c.id for c in discussion.threads[0].comments] == ["c1", "c2"]


def test_a_change_read_before_its_comment_still_applies() -> None:
    data = lines(change("resolve", "c1", 1), comment("c1"))
    (found,), problems = parse(data)
    assert found.resolved is not None and problems == ()


def test_a_loop_of_replies_still_shows_every_comment() -> None:
    data = lines(comment("a", parent="b"), comment("b", parent="a", minutes=1))
    threads = comments.discussion(data).threads
    assert sorted(c.id for t in threads for c in t.comments) == ["a", "b"]


# -- broken files -------------------------------------------------------------------------


def test_broken_lines_are_reported_and_good_ones_kept() -> None:
    good = [dump_event(comment(f"c{n}", f"comment {n}", n)) for n in range(4)]
    data = b"".join(
        [
            good[0],
            b'{"id": "x", "author": "a", "created": "2025-03-01T09:30:00Z", "body": "tru\n',
            good[1],
            b"<<<<<<< HEAD\n",
            b"\n",
            good[2],
            b'{"type": "comment", "id": "bad id!", "author": "a", "created": "x", "body": "b"}\n',
            b'{"type": "shout", "id": "c9"}\n',
            b'["not", "an", "object"]\n',
            b'{"type": "comment", "id": "c8", "author": "a", "created": "today", "body": "b"}\n',
            b'{"type": "comment", "id": "c7", "author": "a", "created": "2025-03-01", "body": 5}\n',
            b"\xff\xfe not utf-8\n",
            dump_event(comment("c1", "again")),
            dump_event(change("edit", "nope", 1, "x")),
            dump_event(comment("c5", parent="gone")),
            good[3].rstrip(b"\n"),
        ]
    )
    found, problems = parse(data)
    assert [c.id for c in found] == ["c0", "c1", "c2", "c5", "c3"]
    assert found[1].body == "comment 1", "a duplicate id does not replace the first"
    by_line = {p.line: p for p in problems}
    assert sorted(by_line) == [2, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    assert "not valid JSON" in by_line[2].message
    assert "not valid JSON" in by_line[4].message
    assert "'id' must be" in by_line[7].message
    assert "unknown record type 'shout'" in by_line[8].message
    assert "must be a JSON object" in by_line[9].message
    assert "not an ISO 8601 time" in by_line[10].message
    assert "'body' must be a string" in by_line[11].message
    assert "UTF-8" in by_line[12].message
    assert "already exists" in by_line[13].message
    assert by_line[14].severity == "warning" and "no comment with id 'nope'" in by_line[14].message
    assert by_line[15].severity == "warning" and "missing comment 'gone'" in by_line[15].message
    assert all(p.kind == "comments" for p in problems)
    assert by_line[2].severity == "error"
    # the reply to a missing comment starts its own thread, so it is still shown
    assert "c5" in [t.root.id for t in comments.discussion(data).threads]


@given(st.binary(max_size=300))
def test_parse_never_raises(data: bytes) -> None:
    found, problems = parse(data)
    assert all(p.line >= 1 for p in problems)
    assert len(found) <= data.count(b"\n") + 1


# -- rendering -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "absent"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[x](javascript:alert(1))", 'href="javascript'),
        ('<img src=x onerror="alert(1)">', "<img"),
        ("<a href='https://x.org' onclick='go()'>x</a>", "<a href"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", 'href="data'),
    ],
)
def test_bodies_cannot_run_script(body: str, absent: str) -> None:
    assert absent not in comments.render_body(body)


def test_markdown_renders_and_links_are_nofollow() -> None:
    html = comments.render_body("**Yes**, see [the guide](https://example.org/g) and\n\n- one\n")
    assert "<strong>Yes</strong>" in html and "<li>one</li>" in html
    assert '<a href="https://example.org/g" rel="nofollow ugc noopener noreferrer">' in html
