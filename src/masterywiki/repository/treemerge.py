"""Merging another server's commits into ours, file by file. No Flask here.

Git sync meets another server's work here: `plan()` compares both tips with
their common ancestor and says what to change in the other side's tree. Pages
merge three-way with the same `git merge-file` as edit conflicts; comment logs
(append-only JSON lines) merge by the union of their records; a file moved on
one side and changed on the other gets the change at its new place. A true
conflict never loses either text: the page keeps both versions of each
conflicting part in a clearly marked block and gets `sync_conflict: true` in its
front matter, which `masterywiki check` reports until an editor combines them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from masterywiki.content import names
from masterywiki.git import textmerge
from masterywiki.git.storage import GitStorage

log = logging.getLogger(__name__)

COMMENTS_SUFFIX = ".comments.jsonl"
CONFLICT_FLAG = "sync_conflict"
BASE_LABEL = "common ancestor"
HUNK_NOTE = (
    ":::{warning}\n"
    "Sync conflict: two servers changed this part of the page at the same time. Both"
    " versions are kept in the block below. An editor should combine them, then remove"
    " this note, the block and `sync_conflict: true` from the front matter.\n"
    ":::\n"
)
DELETE_NOTE = (
    ":::{warning}\n"
    "Sync conflict: this page was deleted on one server while it was changed on another,"
    " so the changed page is kept. Delete it again if it should go; otherwise remove this"
    " note and `sync_conflict: true` from the front matter.\n"
    ":::\n"
)
FRONT_MATTER_NOTE = (
    ":::{warning}\n"
    "Sync conflict: two servers changed this page's front matter at the same time. The"
    " front matter above is one version; the other is in the block below.\n"
    ":::\n"
)


@dataclass(frozen=True)
class Plan:
    """What to change in `theirs`' tree; `conflicts` are the files flagged for an editor."""

    changes: dict[str, bytes | None] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()

    def message(self, theirs: str) -> str:
        text = f"Merge changes from the central repository ({theirs[:10]})"
        if self.conflicts:
            text += "\n\n" + "\n".join(f"Sync-Conflict: {path}" for path in self.conflicts)
        return text


# -- pure text helpers --------------------------------------------------------------


def union_lines(theirs: bytes, ours: bytes) -> bytes:
    """Every record of both comment logs: theirs in order, then ours they lack.

    The other side's lines are already published, so they keep their order and
    ours are appended, as if posted after them; identical lines appear once.
    """
    seen: set[bytes] = set()
    out: list[bytes] = []
    for data in (theirs, ours):
        for line in data.splitlines():
            if line.strip() and line not in seen:
                seen.add(line)
                out.append(line + b"\n")
    return b"".join(out)


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(the front matter's lines without fences, or None; the body)."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None, text
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            inner = "\n".join(lines[1:index])
            return (inner + "\n" if inner else ""), "\n".join(lines[index + 1 :])
    return None, text


def join_front_matter(front: str | None, body: str) -> str:
    if front is None:
        return body
    return "---\n" + front + ("" if front.endswith("\n") or not front else "\n") + "---\n" + body


def flag(text: str, note: str = "") -> str:
    """`text` with `sync_conflict: true` in its front matter and `note` atop its body."""
    front, body = split_front_matter(text)
    front = front or ""
    if not re.search(rf"^{CONFLICT_FLAG}\s*:", front, re.M):
        front += ("" if front.endswith("\n") or not front else "\n") + f"{CONFLICT_FLAG}: true\n"
    if note:
        body = note + "\n" + body.lstrip("\n")
    return join_front_matter(front, body)


def _fence_for(lines: list[str]) -> str:
    longest = max((len(m.group(0)) for ln in lines if (m := re.match(r" {0,3}`+", ln))), default=0)
    return "`" * max(3, longest + 1)


def fence_conflicts(text: str, ours_label: str, theirs_label: str) -> str:
    """Each `git merge-file` conflict in `text` shown as a warning and a literal
    block holding both versions, so the page still renders and nothing is lost."""
    start, end = "<<<<<<< " + ours_label, ">>>>>>> " + theirs_label
    out: list[str] = []
    hunk: list[str] | None = None
    for line in text.split("\n"):
        if hunk is None and line == start:
            hunk = [line]
        elif hunk is not None:
            hunk.append(line)
            if line == end:
                fence = _fence_for(hunk)
                if out and out[-1].strip():
                    out.append("")
                out += [*HUNK_NOTE.rstrip("\n").split("\n"), "", fence + "text", *hunk, fence, ""]
                hunk = None
        else:
            out.append(line)
    out += hunk or []
    return "\n".join(out)


def literal_block(text: str, title: str) -> str:
    lines = text.rstrip("\n").split("\n")
    fence = _fence_for(lines)
    return "\n".join([fence + "text", title, *lines, fence, ""]) + "\n"


# -- the plan --------------------------------------------------------------------------


class _Planner:
    def __init__(self, storage: GitStorage, ours: str, theirs: str) -> None:
        self.storage = storage
        self.ours, self.theirs = ours, theirs
        self.base = storage.merge_base(ours, theirs)
        self.trees = {
            "base": storage.tree(self.base) if self.base else {},
            "ours": storage.tree(ours),
            "theirs": storage.tree(theirs),
        }
        self.result = dict(self.trees["theirs"])
        self.written: dict[str, bytes | None] = {}
        self.conflicts: list[str] = []
        self._renames: dict[str, dict[str, str]] = {}
        self.labels = (f"version A (commit {ours[:10]})", BASE_LABEL,
                       f"version B (commit {theirs[:10]})")  # fmt: skip

    def read(self, side: str, path: str) -> bytes | None:
        blob = self.trees[side].get(path)
        return self.storage.read_blob(blob) if blob else None

    def exists(self, path: str) -> bool:
        """Whether `path` is in the merge result as planned so far."""
        return self.written[path] is not None if path in self.written else path in self.result

    def renamed(self, side: str, path: str) -> str | None:
        """Where `side` moved `path` (git's rename detection), if it did."""
        if side not in self._renames:
            tip = self.ours if side == "ours" else self.theirs
            self._renames[side] = self.storage.renames(self.base, tip) if self.base else {}
        return self._renames[side].get(path)

    def put(self, path: str, data: bytes | None) -> None:
        self.written[path] = data

    def run(self) -> Plan:
        base, ours, theirs = self.trees["base"], self.trees["ours"], self.trees["theirs"]
        both: list[str] = []
        only_ours: dict[str, str | None] = {}
        for path in sorted(set(base) | set(ours) | set(theirs)):
            b, o, t = base.get(path), ours.get(path), theirs.get(path)
            if o in (t, b):
                continue  # the same on both sides, or only theirs changed it
            if t == b:
                only_ours[path] = o
            else:
                both.append(path)
        blobs = self.storage.read_blobs(b for b in only_ours.values() if b)
        for path, blob in only_ours.items():
            self.put(path, blobs[blob] if blob else None)
        for path in both:
            self.resolve(path)
        changes = {p: d for p, d in self.written.items() if self._differs(p, d)}
        return Plan(changes, tuple(sorted(set(self.conflicts))))

    def _differs(self, path: str, data: bytes | None) -> bool:
        blob = self.trees["theirs"].get(path)
        if data is None:
            return blob is not None
        return blob is None or self.storage.read_blob(blob) != data

    def resolve(self, path: str) -> None:
        """`path` changed on both sides, differently."""
        base, mine, other = (self.read(s, path) for s in ("base", "ours", "theirs"))
        if mine is not None and other is not None:
            self.put(path, self.merge_file(path, base, mine, other))
            return
        # Changed on one side, deleted (or moved away) on the other.
        deleting = "ours" if mine is None else "theirs"
        changed = other if mine is None else mine
        assert changed is not None
        target = self.renamed(deleting, path)
        if target is not None:  # moved there: bring the change along
            side_text = self.read(deleting, target)
            if side_text is not None:
                pair = (side_text, changed) if deleting == "ours" else (changed, side_text)
                self.put(target, self.merge_file(target, base, *pair))
                self.put(path, None)
                return
        self.put(path, changed)  # nothing is lost: the changed file stays
        if path.endswith(COMMENTS_SUFFIX):
            page = path[: -len(COMMENTS_SUFFIX)] + names.PAGE_SUFFIX
            if not self.exists(page):
                kept = self.read("base", page)  # someone commented on a deleted page
                if kept is not None:
                    self.put(page, flag(kept.decode("utf-8", "replace"), DELETE_NOTE).encode())
                    self.conflicts.append(page)
        elif path.endswith(names.PAGE_SUFFIX):
            self.put(path, flag(changed.decode("utf-8", "replace"), DELETE_NOTE).encode())
            self.conflicts.append(path)

    def merge_file(self, path: str, base: bytes | None, mine: bytes, other: bytes) -> bytes:
        if path.endswith(COMMENTS_SUFFIX):
            return union_lines(other, mine)
        if not (_is_text(mine) and _is_text(other) and (base is None or _is_text(base))):
            aside = f"{path}.sync-{self.ours[:10]}"
            log.warning("binary file %s changed on two servers; ours kept as %s", path, aside)
            self.put(aside, mine)
            self.conflicts.append(path)
            return other
        texts = [d.decode() if d is not None else "" for d in (base, mine, other)]
        if path.endswith(names.PAGE_SUFFIX):
            return self.merge_page(path, *texts).encode()
        merged = textmerge.merge(texts[0], texts[1], texts[2], self.labels)
        if merged.conflicts:
            log.warning("conflict in %s kept with markers", path)
            self.conflicts.append(path)
        return merged.text.encode()

    def merge_page(self, path: str, base: str, mine: str, other: str) -> str:
        (fb, bb), (fm, bm), (ft, bt) = map(split_front_matter, (base, mine, other))
        front = textmerge.merge(fb or "", fm or "", ft or "", self.labels)
        body = textmerge.merge(bb, bm, bt, self.labels)
        if not front.conflicts and not body.conflicts:
            return join_front_matter(front.text or None, body.text)
        self.conflicts.append(path)
        text = fence_conflicts(body.text, self.labels[0], self.labels[2])
        if front.conflicts:  # keep theirs above, ours in a block below
            title = f"front matter of {self.labels[0]}:"
            text = FRONT_MATTER_NOTE + "\n" + literal_block(fm or "", title) + "\n" + text
            return flag(join_front_matter(ft or "", text))
        return flag(join_front_matter(front.text or None, text))


def _is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def plan(storage: GitStorage, ours: str, theirs: str) -> Plan:
    """How to merge commit `theirs` into `ours`: changes to apply to `theirs`' tree."""
    return _Planner(storage, ours, theirs).run()
