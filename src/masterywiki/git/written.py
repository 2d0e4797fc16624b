"""The commits this process wrote last, kept so that reading them back costs no git.

After a save, the wiki brings its snapshot to the new commit by asking git what
changed, whether the old commit is an ancestor, who last changed each path, and for
the new pages' text: four git processes, about 30 ms at 100,000 pages. The save has
just written all of that, so `GitStorage` keeps it here and answers from it; anything
not kept (another process's commits, a merge, a folder replaced whole) goes to git.
Commits never change, so a kept answer stays true whatever the branch does later.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from masterywiki.git.parse import Change

Entry = tuple[str, int]  # (blob sha, mode)
KEEP = 32  # commits kept: a burst of saves in one process, each read back once


@dataclass(frozen=True)
class Written:
    """One commit this process wrote on a single parent, with every file it changed
    as `git diff-tree -r` lists them: {path: (entry before, entry after)}."""

    commit: str
    parent: str | None
    files: Mapping[str, tuple[Entry | None, Entry | None]]
    change: Change | None  # as `git log` gives it; None when its subject is not plain


def plain_subject(message: str) -> str | None:
    """The message's subject as `git log --format=%s` gives it, when the first line
    alone is the first paragraph and has no surrounding space; else None (git's
    own rules for the rest are left to git)."""
    first, _, rest = message.partition("\n")
    if not first or first != first.strip() or (rest and rest.split("\n", 1)[0].strip()):
        return None
    return first


class _Diff(Protocol):
    files: dict[str, tuple[tuple[bytes, int] | None, tuple[bytes, int] | None]]


def written_commit(
    commit: str,
    parent: str | None,
    diff: _Diff,
    changes: Mapping[str, bytes | None],
    message: str,
    author: tuple[str, str],
    when: int,
) -> tuple[Written, dict[str, bytes]]:
    """What to remember of a commit just written (`objects.write_tree`'s exact diff,
    `author` as written in the commit): the commit, and its new blobs' text."""
    files = {path: (_hex(before), _hex(after)) for path, (before, after) in diff.files.items()}
    subject = plain_subject(message)
    stamp = datetime.fromtimestamp(when, tz=UTC)
    change = Change(commit, *author, stamp, subject) if subject is not None else None
    blobs = {
        after[0]: text
        for path, (_, after) in files.items()
        if after is not None and (text := changes.get(path)) is not None
    }
    return Written(commit, parent, files, change), blobs


def _hex(entry: tuple[bytes, int] | None) -> Entry | None:
    return None if entry is None else (entry[0].hex(), entry[1])


class WrittenCommits:
    """The last `KEEP` commits written here and the blobs they added; thread-safe."""

    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._commits: OrderedDict[str, Written] = OrderedDict()
        self._blobs: dict[str, tuple[str, bytes]] = {}  # blob -> (commit, text)
        self._lock = threading.Lock()

    def remember(self, written: Written, blobs: Mapping[str, bytes]) -> None:
        with self._lock:
            self._commits[written.commit] = written
            for sha, text in blobs.items():
                self._blobs[sha] = (written.commit, text)
            while len(self._commits) > self._keep:
                gone, _ = self._commits.popitem(last=False)
                self._blobs = {s: kept for s, kept in self._blobs.items() if kept[0] != gone}

    def _chain(self, old: str, new: str) -> list[Written] | None:
        """The commits from `new` back to (not including) `old`, newest first, when
        every one of them was written here; else None."""
        chain: list[Written] = []
        at: str | None = new
        with self._lock:
            while at != old:
                written = self._commits.get(at) if at is not None else None
                if written is None:
                    return None
                chain.append(written)
                at = written.parent
        return chain

    def changed_files(self, old: str, new: str) -> dict[str, str | None] | None:
        """`HistoryReads.changed_files(old, new)`, or None if not known here."""
        chain = self._chain(old, new)
        if chain is None:
            return None
        first: dict[str, Entry | None] = {}
        last: dict[str, Entry | None] = {}
        for written in chain:  # newest first: the first seen `after` is the newest
            for path, (before, after) in written.files.items():
                last.setdefault(path, after)
                first[path] = before  # the oldest commit's `before` is written last
        return {
            path: (after[0] if after else None)
            for path, after in last.items()
            if first[path] != after
        }

    def is_ancestor(self, old: str, new: str) -> bool | None:
        """True when `old` is known to be `new` or one of its ancestors; else None."""
        return True if self._chain(old, new) is not None else None

    def last_changes(self, commit: str, since: str) -> dict[str, Change] | None:
        """`HistoryReads.last_changes(commit, since=since)`, or None if not known here."""
        chain = self._chain(since, commit)
        if chain is None or any(written.change is None for written in chain):
            return None
        found: dict[str, Change] = {}
        for written in chain:
            assert written.change is not None
            for path in written.files:
                found.setdefault(path, written.change)
        return found

    def blobs(self, shas: Iterable[str]) -> dict[str, bytes] | None:
        """The text of every one of `shas` if all were written here; else None."""
        wanted = list(shas)
        with self._lock:
            found = {sha: self._blobs[sha][1] for sha in wanted if sha in self._blobs}
        return found if len(found) == len(set(wanted)) else None
