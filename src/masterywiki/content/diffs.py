"""Readable inline diffs with word-level highlights. Pure: texts in, rows out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_WORDS = re.compile(r"\s+|\w+|[^\w\s]")
CONTEXT = 3


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool = False


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "same", "add", "del" or "skip" (unchanged lines folded away)
    old_line: int | None
    new_line: int | None
    segments: tuple[Segment, ...]
    skipped: int = 0


@dataclass(frozen=True)
class Diff:
    rows: tuple[DiffRow, ...]
    added: int
    removed: int

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed)


def _word_diff(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    old_parts: list[Segment] = []
    new_parts: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            old_parts.append(Segment("".join(a[i1:i2])))
            new_parts.append(Segment("".join(b[j1:j2])))
            continue
        if i2 > i1:
            old_parts.append(Segment("".join(a[i1:i2]), changed=True))
        if j2 > j1:
            new_parts.append(Segment("".join(b[j1:j2]), changed=True))
    return tuple(old_parts), tuple(new_parts)


def diff_texts(old: str, new: str, context: int = CONTEXT) -> Diff:
    """Line diff of two texts; changed line pairs carry word-level highlights."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    added = removed = 0
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                rows.append(DiffRow("same", i1 + k + 1, j1 + k + 1, (Segment(a[i1 + k]),)))
            continue
        removed += i2 - i1
        added += j2 - j1
        pairs = min(i2 - i1, j2 - j1) if op == "replace" else 0
        deleted: list[DiffRow] = []
        inserted: list[DiffRow] = []
        for k in range(i2 - i1):
            if k < pairs:
                old_parts, _ = _word_diff(a[i1 + k], b[j1 + k])
            else:
                old_parts = (Segment(a[i1 + k], changed=True),)
            deleted.append(DiffRow("del", i1 + k + 1, None, old_parts))
        for k in range(j2 - j1):
            if k < pairs:
                _, new_parts = _word_diff(a[i1 + k], b[j1 + k])
            else:
                new_parts = (Segment(b[j1 + k], changed=True),)
            inserted.append(DiffRow("add", None, j1 + k + 1, new_parts))
        rows.extend(deleted + inserted)
    return Diff(_fold(rows, context), added, removed)


def _fold(rows: list[DiffRow], context: int) -> tuple[DiffRow, ...]:
    """Keep `context` unchanged lines around each change; fold longer runs."""
    keep = [row.kind != "same" for row in rows]
    for index, row in enumerate(rows):
        if row.kind != "same":
            for near in range(max(0, index - context), min(len(rows), index + context + 1)):
                keep[near] = True
    folded: list[DiffRow] = []
    run = 0
    for row, kept in zip(rows, keep, strict=True):
        if kept:
            if run:
                folded.append(DiffRow("skip", None, None, (), skipped=run))
                run = 0
            folded.append(row)
        else:
            run += 1
    if run:
        folded.append(DiffRow("skip", None, None, (), skipped=run))
    return tuple(folded)
