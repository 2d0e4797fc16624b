"""Comment threads as values: the `<page>.comments.jsonl` event log, parsed and folded.

Pure: no clock, disk or Flask. The file is an append-only log, one JSON object a
line (see docs/comments.md): a `comment` record creates a comment, and `edit`,
`resolve`, `reopen` and `delete` records change it by naming its `id`. Nothing is
ever rewritten, so every change is an append and two branches merge by keeping
both sides' lines. A line that cannot be read is reported with its 1-based line
number and skipped; every good line still counts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from masterywiki.content.markup import sanitize
from masterywiki.content.model import Problem
from masterywiki.discussion import mentions

EVENT_TYPES = ("comment", "edit", "resolve", "reopen", "delete")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
ANCHOR_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_:.-]{0,199}")
PROBLEM_KIND = "comments"


@dataclass(frozen=True)
class Event:
    """One line of the log. `id` is always the comment the line is about; `at` is
    written as `created` on a comment record. `line` is where it was read from."""

    type: str
    id: str
    author: str
    at: datetime
    name: str = ""
    body: str | None = None  # comment and edit records
    parent: str | None = None  # comment records: the comment this replies to
    anchor: str | None = None  # comment records: a heading id of the page
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Version:
    """A comment's text as written or edited by someone at some time."""

    body: str
    author: str
    name: str
    at: datetime


@dataclass(frozen=True)
class Mark:
    """Who resolved or deleted a comment, and when."""

    author: str
    name: str
    at: datetime


@dataclass(frozen=True)
class Comment:
    id: str
    author: str  # the username; "" for an anonymous comment
    name: str  # the display name when it was written
    created: datetime
    versions: tuple[Version, ...]  # the original first, then each edit
    parent: str | None = None
    anchor: str | None = None
    resolved: Mark | None = None
    deleted: Mark | None = None
    line: int = field(default=0, compare=False)

    @property
    def body(self) -> str:
        return self.versions[-1].body

    @property
    def edited(self) -> bool:
        return len(self.versions) > 1

    @property
    def display_name(self) -> str:
        return self.name or self.author or "Anonymous"


@dataclass(frozen=True)
class Thread:
    """A top-level comment and every reply below it (replies to replies included),
    in the order they were written."""

    root: Comment
    replies: tuple[Comment, ...] = ()

    @property
    def comments(self) -> tuple[Comment, ...]:
        return (self.root, *self.replies)

    @property
    def resolved(self) -> bool:
        return self.root.resolved is not None

    @property
    def visible_count(self) -> int:
        return sum(1 for c in self.comments if c.deleted is None)


@dataclass(frozen=True)
class Discussion:
    """All comments of one page, as threads."""

    comments: tuple[Comment, ...] = ()
    problems: tuple[Problem, ...] = ()

    # Computed once per value: a Discussion is cached per blob and shared.
    @cached_property
    def threads(self) -> tuple[Thread, ...]:
        return build_threads(self.comments)

    @cached_property
    def by_id(self) -> dict[str, Comment]:
        return {c.id: c for c in self.comments}

    @property
    def count(self) -> int:
        """Comments a reader sees (deleted ones are not counted)."""
        return sum(1 for c in self.comments if c.deleted is None)

    def get(self, comment_id: str) -> Comment | None:
        return self.by_id.get(comment_id)

    def root_of(self, comment_id: str) -> Comment | None:
        """The top-level comment of the thread `comment_id` is in."""
        for thread in self.threads:
            if any(c.id == comment_id for c in thread.comments):
                return thread.root
        return None

    def anchor_counts(self) -> dict[str, tuple[int, str]]:
        """{heading id: (visible comments in threads on it, first such thread's id)}."""
        counts: dict[str, tuple[int, str]] = {}
        for thread in self.threads:
            anchor = thread.root.anchor
            if anchor is None or not thread.visible_count:
                continue
            count, first = counts.get(anchor, (0, thread.root.id))
            counts[anchor] = (count + thread.visible_count, first)
        return counts


EMPTY = Discussion()


# -- reading ---------------------------------------------------------------------


class _BadLine(ValueError):
    pass


def _text(record: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = record.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise _BadLine(f"'{key}' must be a string")
    return value


def _time(record: dict[str, Any], key: str) -> datetime:
    value = _text(record, key)
    assert value is not None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise _BadLine(f"'{key}' is not an ISO 8601 time: {value[:40]!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _event(record: Any, line: int) -> Event:
    if not isinstance(record, dict):
        raise _BadLine("a line must be a JSON object")
    kind = record.get("type", "comment")  # the minimal DESIGN.md record has no type
    if kind not in EVENT_TYPES:
        raise _BadLine(f"unknown record type {str(kind)[:40]!r}")
    comment_id = _text(record, "id")
    assert comment_id is not None
    if not ID_PATTERN.fullmatch(comment_id):
        raise _BadLine(f"'id' must be 1-64 letters, digits, '-' or '_' (got {comment_id[:40]!r})")
    author = _text(record, "author") if "author" in record else ""
    name = _text(record, "name", required=False) or ""
    at = _time(record, "created" if kind == "comment" else "at")
    body = _text(record, "body") if kind in ("comment", "edit") else None
    parent = anchor = None
    if kind == "comment":
        parent = _text(record, "parent", required=False)
        anchor = _text(record, "anchor", required=False)
        if anchor is not None and not ANCHOR_PATTERN.fullmatch(anchor):
            raise _BadLine(f"'anchor' is not a heading id: {anchor[:40]!r}")
    assert author is not None
    return Event(kind, comment_id, author, at, name, body, parent, anchor, line)


def parse_events(data: bytes | str) -> tuple[tuple[Event, ...], tuple[Problem, ...]]:
    """Every readable line as an Event, and a Problem for each line that is not."""
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    events: list[Event] = []
    problems: list[Problem] = []
    for number, chunk in enumerate(raw.split(b"\n"), start=1):
        if not chunk.strip():
            continue
        try:
            text = chunk.decode("utf-8")
            events.append(_event(json.loads(text), number))
        except UnicodeDecodeError:
            problems.append(_problem(number, "not valid UTF-8"))
        except json.JSONDecodeError as exc:
            problems.append(_problem(number, f"not valid JSON ({exc.msg})"))
        except _BadLine as exc:
            problems.append(_problem(number, str(exc)))
    return tuple(events), tuple(problems)


def _problem(line: int, message: str, severity: str = "error") -> Problem:
    prefix = "comment record skipped: " if severity == "error" else ""
    return Problem(line, prefix + message, kind=PROBLEM_KIND, severity=severity)


def fold(events: Iterable[Event]) -> tuple[tuple[Comment, ...], tuple[Problem, ...]]:
    """Apply the log in order: the comments as they stand now, and what did not apply."""
    comments: dict[str, Comment] = {}
    problems: list[Problem] = []
    pending = list(events)
    # Comments first, so a change read before its comment (a hand-edited or merged
    # file) still applies; changes then apply in file order.
    for event in pending:
        if event.type != "comment":
            continue
        if event.id in comments:
            problems.append(_problem(event.line, f"a comment with id '{event.id}' already exists"))
            continue
        assert event.body is not None
        version = Version(event.body, event.author, event.name, event.at)
        comments[event.id] = Comment(event.id, event.author, event.name, event.at, (version,),
                                     event.parent, event.anchor, line=event.line)  # fmt: skip
    for event in pending:
        if event.type == "comment":
            continue
        found = comments.get(event.id)
        if found is None:
            problems.append(_problem(event.line, f"no comment with id '{event.id}'", "warning"))
            continue
        comments[event.id] = _apply(found, event)
    for comment in comments.values():
        if comment.parent is not None and comment.parent not in comments:
            message = f"'{comment.id}' replies to a missing comment '{comment.parent}'"
            problems.append(_problem(comment.line, message, "warning"))
    problems.sort(key=lambda p: p.line)
    return tuple(comments.values()), tuple(problems)


def _apply(comment: Comment, event: Event) -> Comment:
    mark = Mark(event.author, event.name, event.at)
    if event.type == "edit":
        assert event.body is not None
        version = Version(event.body, event.author, event.name, event.at)
        return _replace(comment, versions=(*comment.versions, version))
    if event.type == "resolve":
        return _replace(comment, resolved=mark)
    if event.type == "reopen":
        return _replace(comment, resolved=None)
    return _replace(comment, deleted=mark)


def _replace(comment: Comment, **changes: Any) -> Comment:
    return replace(comment, **changes)


def parse(data: bytes | str) -> tuple[tuple[Comment, ...], tuple[Problem, ...]]:
    """A comments file's comments and its problems (1-based line numbers), for
    the page view and for `masterywiki check`. Never raises on bad content."""
    events, bad_lines = parse_events(data)
    comments, unapplied = fold(events)
    return comments, tuple(sorted(bad_lines + unapplied, key=lambda p: p.line))


def discussion(data: bytes | str) -> Discussion:
    comments, problems = parse(data)
    return Discussion(comments, problems)


def build_threads(comments: Sequence[Comment]) -> tuple[Thread, ...]:
    """Group comments into threads; a reply whose parent is missing starts its own."""
    by_id = {c.id: c for c in comments}

    def root_id(comment: Comment) -> str:
        seen = {comment.id}
        top = comment
        while top.parent in by_id:
            if top.parent in seen:  # a loop of replies (a hand edit): show it on its own
                return comment.id
            top = by_id[top.parent]
            seen.add(top.id)
        return top.id

    replies: dict[str, list[Comment]] = {}
    roots: list[Comment] = []
    for comment in comments:
        top = root_id(comment)
        if top == comment.id:
            roots.append(comment)
        else:
            replies.setdefault(top, []).append(comment)
    return tuple(Thread(root, tuple(replies.get(root.id, ()))) for root in roots)


# -- writing ---------------------------------------------------------------------


def format_time(when: datetime) -> str:
    """UTC, to the second, with a Z: `2025-03-01T09:30:00Z`."""
    return when.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_record(event: Event) -> dict[str, Any]:
    """The JSON object for one log line, keys in a fixed, readable order."""
    record: dict[str, Any] = {"type": event.type, "id": event.id, "author": event.author}
    if event.name:
        record["name"] = event.name
    record["created" if event.type == "comment" else "at"] = format_time(event.at)
    if event.parent is not None:
        record["parent"] = event.parent
    if event.anchor is not None:
        record["anchor"] = event.anchor
    if event.body is not None:
        record["body"] = event.body
    return record


def dump_event(event: Event) -> bytes:
    """One line of the file, newline included (JSON escapes any newline in a body)."""
    text = json.dumps(to_record(event), ensure_ascii=False, separators=(", ", ": "))
    return text.encode("utf-8") + b"\n"


def dump(events: Iterable[Event]) -> bytes:
    return b"".join(dump_event(event) for event in events)


def append(data: bytes, event: Event) -> bytes:
    """The file with `event` added as its last line (a missing final newline is fixed)."""
    if data and not data.endswith(b"\n"):
        data += b"\n"
    return data + dump_event(event)


# -- rendering -------------------------------------------------------------------


class _CommentRenderer(RendererHTML):
    def link_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        # Links in what visitors write carry no endorsement (and no referrer).
        tokens[idx].attrSet("rel", "nofollow ugc noopener noreferrer")
        env["links"] = env.get("links", 0) + 1
        return self.renderToken(tokens, idx, options, env)

    def link_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        env["links"] = env.get("links", 0) - 1
        return self.renderToken(tokens, idx, options, env)

    def text(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        people = env.get("people")
        if not people or env.get("links", 0) > 0:  # a link's text is the writer's own
            return super().text(tokens, idx, options, env)
        return mentions.mark_up(tokens[idx].content, people)


def _comment_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}, renderer_cls=_CommentRenderer)
    md.enable(["table", "strikethrough"])
    renderer: Any = md.renderer
    for rule in ("link_open", "link_close", "text"):
        renderer.rules[rule] = getattr(renderer, rule)
    return md


_COMMENT_MD = _comment_parser()


def render_body(body: str, people: Mapping[str, str] | None = None) -> str:
    """A comment's markdown as safe HTML: raw HTML is shown as text, and the page
    sanitizer removes anything that could run script or use an unsafe URL. Mentions
    of the accounts in `people` (username -> name) are marked (see mentions.py)."""
    return sanitize(_COMMENT_MD.render(body, {"people": people or {}}))


def mentioned(body: str) -> tuple[str, ...]:
    """The usernames `body` mentions outside code and links, each once, in order."""
    found: list[str] = []
    for block in _COMMENT_MD.parse(body):
        links = 0
        for token in block.children or ():
            links += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type == "text" and not links:
                found.extend(mentions.names_in(token.content))
    return mentions.unique(found)
