"""The few pages of some kinds (terms, resources, translations), kept up to date from the
changed pages alone. Pure.

The glossary, the resources and the translations then cost what they hold, not what
the wiki holds: one pass over 100,000 records took 80-150 ms after every save.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from masterywiki.content.docinfo import DocInfo

TERMS, RESOURCES, TRANSLATED = "terms", "resources", "translated"


class _Record(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def info(self) -> DocInfo: ...


KINDS: dict[str, Callable[[_Record], bool]] = {
    TERMS: lambda record: record.type == "term",
    RESOURCES: lambda record: record.type == "resource",
    TRANSLATED: lambda record: "translation_of" in record.info.front_matter.extra,
}
Kinds = dict[str, frozenset[str]]  # kind -> page names


def kinds_of(
    pages: Mapping[str, _Record], previous: Kinds | None, changed: Iterable[str] | None
) -> Kinds:
    """Each kind's pages among `pages`; from `previous` and the `changed` names when given."""
    if previous is None or changed is None:
        return {
            kind: frozenset(n for n, r in pages.items() if test(r)) for kind, test in KINDS.items()
        }
    found: Kinds = {}
    changed = list(changed)
    for kind, test in KINDS.items():
        members = set(previous[kind])
        for name in changed:
            record = pages.get(name)
            (members.add if record is not None and test(record) else members.discard)(name)
        found[kind] = frozenset(members)
    return found


def source_named(record: _Record) -> str:
    """The page a translation's `translation_of` names ('' if none)."""
    source = record.info.front_matter.extra.get("translation_of")
    return source.strip().strip("/").removesuffix(".md") if isinstance(source, str) else ""
