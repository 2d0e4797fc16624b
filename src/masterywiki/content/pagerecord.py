"""One page as the catalog knows it, and what other pages depend on in it. Pure.

The catalog compares these facts between two commits to redo only what a change
touches: the cross facts (terms, labels, redirects) decide whether other pages' links
resolve differently, the nav facts whether the toctree tree changed, and each
record's digest is its share of the catalog's version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from masterywiki.content import names
from masterywiki.content.docinfo import DocInfo
from masterywiki.content.model import Compact


# Slots: a large wiki keeps 100,000 of these in each worker (a __dict__ each took
# 9 MB more there).
@dataclass(frozen=True, slots=True)
class PageRecord(Compact):
    name: str
    file: str
    blob: str
    info: DocInfo

    @property
    def title(self) -> str:
        fm = self.info.front_matter
        return fm.title or self.info.heading_title or names.title_from_name(self.name)

    @property
    def summary(self) -> str | None:
        return self.info.front_matter.summary or self.info.first_paragraph

    @property
    def type(self) -> str:
        return self.info.front_matter.type

    @property
    def url(self) -> str:
        return names.url_for_name(self.name)


def changed_names(before: Mapping[str, PageRecord], after: Mapping[str, PageRecord]) -> set[str]:
    """Pages added, removed or changed (records are reused while their blob is the same)."""
    changed = {name for name, record in after.items() if before.get(name) is not record}
    return changed | (before.keys() - after.keys())


def cross_facts(record: PageRecord | None) -> object:
    """What other pages' links and terms depend on, besides titles and summaries."""
    if record is None:
        return None
    fm = record.info.front_matter
    labels = tuple((lb.name, lb.title) for lb in record.info.labels)
    return (record.type, record.title if record.type == "term" else "", fm.aliases, labels,
            fm.redirect_from)  # fmt: skip


def nav_facts(record: PageRecord | None) -> object:
    return None if record is None else (record.file, record.info.toctrees)


def digest_of(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "big")


def record_digest(record: PageRecord | None) -> int:
    """One page's share of the catalog version: changes when anything another
    page's rendering shows of it (title, summary, type, aliases, labels) changes.
    Combined by XOR, so one page's change updates the version in O(1)."""
    if record is None:
        return 0
    labels = ",".join(f"{lb.name}={lb.title}" for lb in record.info.labels)
    aliases = ",".join(record.info.front_matter.aliases)
    return digest_of(
        f"{record.name}\x1f{record.type}\x1f{record.title}\x1f{record.summary}\x1f"
        f"{aliases}\x1f{labels}"
    )
