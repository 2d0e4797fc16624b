"""Pure values for wiki content: front matter (parsed with errors kept) and documents."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml

try:  # the C loader is ~10x faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PAGE_TYPES = ("page", "term", "resource", "event", "path")
_FENCE = "---"
_STRING_KEYS = (
    "title",
    "summary",
    "type",
    "resource_type",
    "organization",
    "organization_type",
    "source",
)
_LIST_KEYS = ("tags", "aliases", "related", "redirect_from")
# Values that repeat across pages, kept as one string each (a server keeps every page's),
# and a page's tags as one tuple with every page of the same tags.
_REPEATED_KEYS = frozenset(("type", "resource_type", "organization", "organization_type", "tags"))
_TAG_SETS: dict[tuple[str, ...], tuple[str, ...]] = {}
_TAG_SETS_KEPT = 50_000
_NO_EXTRA: Mapping[str, Any] = {}  # every page without other keys shares it (never changed)


class Compact:
    """A base for small frozen dataclasses with slots, which a server keeps for every
    page: pickled as a call with their fields in order, three times faster to load than
    dataclasses' own state functions for frozen slotted classes (the page cache file)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        slots: tuple[str, ...] = type(self).__slots__  # the dataclass's fields, in order
        return type(self), tuple(getattr(self, name) for name in slots)


@dataclass(frozen=True, slots=True)
class Problem(Compact):
    """Something wrong in a document; `line` is 1-based in the file itself."""

    line: int
    message: str
    kind: str = "front-matter"
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class FrontMatter(Compact):
    title: str | None = None
    summary: str | None = None
    type: str = "page"
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    redirect_from: tuple[str, ...] = ()
    resource_type: str | None = None
    organization: str | None = None
    organization_type: str | None = None
    source: str | None = None
    protected: bool = False  # only admins may change the page (protection.py)
    extra: Mapping[str, Any] = field(default_factory=lambda: _NO_EXTRA)
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Document:
    """A page file split into front matter and body; `body_line` is the body's first line."""

    front_matter: FrontMatter
    body: str
    body_line: int = 1


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float | date | datetime) and not isinstance(value, bool):
        return str(value)
    return None


def _as_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list) and all(_as_text(v) is not None for v in value):
        return tuple(_as_text(v) or "" for v in value)
    return None


def parse_front_matter(raw: str, first_line: int = 2) -> FrontMatter:
    """Parse YAML text into FrontMatter, keeping every problem instead of raising."""
    try:
        data = yaml.load(raw, Loader=_Loader) if raw.strip() else {}
    except yaml.YAMLError as exc:
        # The context mark points at the construct that was left open (say, an
        # unclosed '['), which is where a person has to look.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return FrontMatter(problems=(Problem(line, f"front matter is not valid YAML: {reason}"),))
    if not isinstance(data, dict):
        msg = "front matter must be a mapping of keys to values"
        return FrontMatter(problems=(Problem(first_line, msg),))

    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key in _STRING_KEYS:
        if key in data and data[key] is not None:
            text = _as_text(data[key])
            if text is None:
                problems.append(Problem(first_line, f"'{key}' must be a single line of text"))
            else:
                values[key] = sys.intern(text) if key in _REPEATED_KEYS else text
    for key in _LIST_KEYS:
        if key in data and data[key] is not None:
            items = _as_list(data[key])
            if items is None:
                problems.append(Problem(first_line, f"'{key}' must be a list of text values"))
            elif key in _REPEATED_KEYS:
                values[key] = _shared_tags(tuple(map(sys.intern, items)))
            else:
                values[key] = items
    if data.get("protected") is not None:
        if isinstance(data["protected"], bool):
            values["protected"] = data["protected"]
        else:
            problems.append(Problem(first_line, "'protected' must be true or false"))
    page_type = values.get("type", "page")
    if page_type not in PAGE_TYPES:
        allowed = ", ".join(PAGE_TYPES)
        problems.append(Problem(first_line, f"unknown type '{page_type}' (use one of {allowed})"))
        values["type"] = "page"
    known = {*_STRING_KEYS, *_LIST_KEYS, "protected"}
    extra = {str(k): v for k, v in data.items() if k not in known} or _NO_EXTRA
    return FrontMatter(**values, extra=extra, problems=tuple(problems))


def _shared_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    if len(_TAG_SETS) > _TAG_SETS_KEPT:  # bounded, whatever the pages say
        _TAG_SETS.clear()
    return _TAG_SETS.setdefault(tags, tags)


def parse_document(text: str) -> Document:
    """Split a page file into front matter and body. Never raises."""
    if not text.startswith(_FENCE):
        return Document(FrontMatter(), text)
    lines = text.split("\n")
    if lines[0].rstrip() != _FENCE:
        return Document(FrontMatter(), text)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (_FENCE, "..."):
            raw = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return Document(parse_front_matter(raw), body, body_line=index + 2)
    problem = Problem(1, "front matter starts with '---' but has no closing '---' line")
    return Document(FrontMatter(problems=(problem,)), text)


def decode(data: bytes) -> str:
    """Page bytes to text; invalid UTF-8 is replaced rather than hiding the page."""
    text = data.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").lstrip("\ufeff")
