"""One process's open search index: the searcher kept between queries, its documents'
bitmaps, and the segment tables its generations share."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from masterywiki.search.docs import Docs
from masterywiki.search.store import State
from masterywiki.search.tables import SegmentTables


@dataclass
class Opened:
    """One process's open index: a searcher kept between queries, and its bitmaps."""

    state: State
    index: Any
    searcher: Any
    docs: Docs | None = None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.docs is not None:
                self.docs.close()
            self.searcher.close()
            self.index.close()


class Holder:
    """The open index, held apart from its service so that a service dropped without
    `close()` still closes whoosh's files (by `weakref.finalize`), rather than leaving
    them to the garbage collector."""

    def __init__(self) -> None:
        self.open: Opened | None = None
        # Segment tables loaded, by segment id, shared by an index's generations: after
        # a save only the new segment's are read (not every segment's again).
        self.tables: dict[str, SegmentTables] = {}

    def docs(self, folder: Path) -> Docs:
        """The open index's documents, made on first use (with the tables loaded)."""
        opened = self.open
        assert opened is not None
        if opened.docs is None:
            opened.docs = Docs(opened.searcher, folder / opened.state.folder, self.tables)
        return opened.docs

    def close(self) -> None:
        if self.open is not None:
            self.open.close()
        self.open = None
        for tables in self.tables.values():
            tables.close()
        self.tables.clear()
