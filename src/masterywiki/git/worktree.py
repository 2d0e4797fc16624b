"""Keeping a checked-out repository's index and work tree in step with its branch.

The wiki writes commits without git's index or work tree (see `objects`), so a
person's clone with files on disk would fall behind, and the next `git commit` made
there would commit the old index: it would undo the wiki's changes. So after each
commit a background thread brings git's index up to the branch for every path the
wiki changed, and writes those files to disk where they have no local change. A
file with a local change (edited, staged, or in the way of a new page) is left as
it is on disk: its index entry still follows the branch, so `git commit` cannot undo
the web edit, and `git diff` shows the local change against it. Such files are
listed in `masterywiki-worktree.json` in the git folder, logged, and shown in
`/-/healthz`; the same file records the commit the index was last brought to, so
that a later update can tell the wiki's changes from what the person staged.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from masterywiki.git.parse import (
    Entry,
    parse_index,
    parse_names,
    parse_raw_changes,
    parse_tree_entries,
)
from masterywiki.git.worktree_state import Record, WorkTreeStatus, read_record, write_record

log = logging.getLogger(__name__)
INDEX_LOCK_GRACE = 1.0  # seconds a person's git command may hold index.lock
PATHS_PER_COMMAND = 1000  # paths named on one git command line (far below its limit)


def remove_if_stale(lock: Path, grace: float) -> None:
    """Remove git's `lock` file unless it goes away within `grace` seconds.

    Call only while holding our own lock for what it guards: git's commands hold
    their locks for a moment, so one that stays was left by a process that died.
    A lock that cannot be removed (a folder, a read-only directory) is logged and
    left: the git command that needs it then fails and says why.
    """
    deadline = time.monotonic() + grace
    while lock.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    if lock.exists():
        log.warning("removing stale git lock %s", lock)
        try:
            lock.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove stale git lock %s: %s", lock, exc)


class WorkTreeError(Exception):
    """A git command of the update failed; the update is tried again after the next
    commit, from the commit the index was last brought to."""


@dataclass
class _Plan:
    """What one update changes: index lines for `update-index --index-info`, files to
    write from the new index and files to delete, and the paths to check after."""

    index_info: list[str] = field(default_factory=list)
    checkout: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    check: set[str] = field(default_factory=set)
    unstaged: dict[str, str] = field(default_factory=dict)  # path -> staged blob dropped


class WorkTree:
    """The work tree of the repository at `path` (none to keep for a bare one)."""

    def __init__(
        self, path: Path, git_dir: Path, bare: bool, head: Callable[[], str | None]
    ) -> None:
        self.path = path
        self.git_dir = git_dir
        self.bare = bare
        self._head = head  # reads the commit HEAD is at, from the ref files
        self._lock = threading.Lock()
        self._updates: list[threading.Thread] = []

    def update_soon(self, old: str | None) -> None:
        """Bring the index and work tree up to the branch in a background thread.

        `old` is the commit the branch moved from, used as the starting point when
        no update has been recorded yet. The commit already stands and readers never
        use the work tree, so a save does not wait for this; updates are serialized
        by their own file lock.
        """
        if self.bare:
            return
        thread = threading.Thread(
            target=self._update, args=(old,), name="masterywiki-sync", daemon=True
        )
        with self._lock:
            self._updates = [t for t in self._updates if t.is_alive()] + [thread]
        thread.start()

    def _update(self, old: str | None) -> None:
        with self._update_lock():
            record = read_record(self.git_dir)
            try:
                self._update_locked(record, old)
            except (WorkTreeError, OSError) as exc:
                log.warning("could not bring the work tree of %s up to date: %s", self.path, exc)
                previous = record or Record(None)
                write_record(self.git_dir, Record(previous.commit, previous.diverged, str(exc)))

    def _update_locked(self, record: Record | None, old: str | None) -> None:
        head = self._head()
        if head is None or (record and record.commit == head and not record.diverged):
            return
        start = record.commit if record else old
        if start and not (record and (record.diverged or record.error)):
            # Most often nothing stands in the way: git's own two-tree merge (what
            # `git checkout` does) moves index and files from where they were, and
            # refuses, changing nothing, when a changed path has a local change.
            remove_if_stale(self.git_dir / "index.lock", INDEX_LOCK_GRACE)
            moved = self._run(os.environ, "read-tree", "-m", "-u", start, head)
            if moved.returncode == 0:
                if record is None and self._index_differs(head):
                    # The first update here: look for entries an older version left behind.
                    self._update_carefully(None, head)
                else:
                    write_record(self.git_dir, Record(head))
                return
        self._update_carefully(record, old)

    def _index_differs(self, commit: str) -> bool:
        """Whether git's index differs from `commit` (staged changes, or entries left
        behind). Not from HEAD: another process's save may have moved it since."""
        found = self._run(os.environ, "diff-index", "--cached", "--quiet", commit)
        return found.returncode != 0

    def _update_carefully(self, record: Record | None, old: str | None) -> None:
        """Path by path: index entries follow the branch, and files with local changes
        stay as they are on disk."""
        # Where the index was last in step: the record, else the commit the branch
        # moved from (None: an empty repository, so every file is new).
        head, start = self._commits(record.commit if record else None, old)
        if head is None:
            return
        carried = set(record.diverged) if record else set()
        with self._index_lock(), self._scratch_index() as env:
            if record is not None and start is not None:
                # The index was in step at `start`: only the paths the branch changed
                # since matter, so only their entries are read (at 100,000 pages the
                # whole index took 60 MB to hold).
                changes = self._branch_changes(env, start, head)
                index = self._index(env, list(changes))
            else:
                index = self._index(env)
                changes = self._changes(env, start, head, index)
            stale = [p for p, (_, now) in changes.items() if p in index and index[p] != now]
            # An index entry the branch did not start from may still be a committed
            # version (the person committed, reset or checked out here): safe to replace.
            odd = [p for p in stale if index[p] not in (None, changes[p][0])]
            committed = set(self._committed_before(env, head, odd, index))
            modified = self._modified(env, stale)
            plan = _plan(index, changes, modified, committed, self._on_disk, head)
            self._apply(env, plan)
            written = {*plan.checkout, *plan.delete}
            diverged = self._differing(env, (plan.check - written) | carried)
            if os.path.exists(env["GIT_INDEX_FILE"]):  # (an empty repository may have none)
                os.replace(env["GIT_INDEX_FILE"], self.git_dir / "index")
        for path, blob in plan.unstaged.items():
            log.warning("unstaged %s: the wiki changed it (the staged text is blob %s)", path, blob)
        new = sorted(set(diverged) - carried)
        if new:
            log.warning("the wiki changed files that have local changes in %s; left them "
                        "on disk as they are: %s", self.path, ", ".join(new))  # fmt: skip
        write_record(self.git_dir, Record(head, tuple(diverged)))

    def _branch_changes(
        self, env: Mapping[str, str], start: str, head: str
    ) -> dict[str, tuple[Entry | None, Entry | None]]:
        """{path: (entry at `start`, entry at `head`)} for each path that differs."""
        out = self._git(env, "diff-tree", "-r", "-z", "--no-renames", start, head)
        return {path: (before, after) for path, before, after in parse_raw_changes(out)}

    def _changes(
        self,
        env: Mapping[str, str],
        start: str | None,
        head: str,
        index: Mapping[str, Entry | None],
    ) -> dict[str, tuple[Entry | None, Entry | None]]:
        """`_branch_changes` when there is no record of an earlier update (an upgrade
        from a version that let the index fall behind): then an index entry holding an
        older committed version of its file is also out of date, the wiki's change not
        yet applied. Other differences between the index and HEAD are the person's
        staged changes."""
        changes = self._branch_changes(env, start, head) if start is not None else {}
        tree = self._tree(env, head)
        if start is None:
            changes = {path: (None, entry) for path, entry in tree.items()}
        differing = [p for p, e in index.items() if e is not None and tree.get(p) != e]
        for path in self._committed_before(env, head, differing, index):
            changes.setdefault(path, (index[path], tree.get(path)))
        return changes

    def _committed_before(
        self, env: Mapping[str, str], head: str, paths: list[str], index: Mapping[str, Entry | None]
    ) -> list[str]:
        """Those of `paths` whose index entry is a version of that file in HEAD's history."""
        if not paths:
            return []
        out = self._git(env, "log", "--format=", "--raw", "-z", "--no-abbrev", "--no-renames",
                        head, "--", *paths)  # fmt: skip
        seen = {(path, e) for path, *entries in parse_raw_changes(out) for e in entries if e}
        return [p for p in paths if (p, index[p]) in seen]

    def _apply(self, env: Mapping[str, str], plan: _Plan) -> None:
        if plan.index_info:
            self._git(env, "update-index", "-z", "--index-info",
                      input="".join(plan.index_info).encode())  # fmt: skip
        if plan.checkout:
            self._git(env, "checkout-index", "-u", "-f", "-z", "--stdin",
                      input="".join(f"{p}\0" for p in plan.checkout).encode())  # fmt: skip
        for relative in plan.delete:
            target = self.path / relative
            target.unlink(missing_ok=True)
            for folder in target.parents:  # and the folders that leaves empty, as git does
                if folder == self.path or not folder.is_dir() or any(folder.iterdir()):
                    break
                folder.rmdir()

    # -- reading -------------------------------------------------------------------

    def _commits(self, *wanted: str | None) -> tuple[str | None, str | None]:
        """(HEAD, the first of `wanted` that is a commit here), in one `git cat-file`."""
        names = ["HEAD", *(w for w in wanted if w)]
        query = "".join(f"{name}^{{commit}}\n" for name in names).encode()
        out = self._git(os.environ, "cat-file", "--batch-check", input=query)
        rows = [line.split() for line in out.decode().splitlines()]
        found = [row[0] if row[1:2] == ["commit"] else None for row in rows]
        return found[0], next((c for c in found[1:] if c), None)

    def _index(
        self, env: Mapping[str, str], paths: list[str] | None = None
    ) -> dict[str, Entry | None]:
        """The index's entries, all of them or those of `paths`; an unmerged path's is
        None."""
        if paths is None:
            return parse_index(self._git(env, "ls-files", "-s", "-z"))
        if not paths:
            return {}
        found: dict[str, Entry | None] = {}
        for start in range(0, len(paths), PATHS_PER_COMMAND):
            wanted = paths[start : start + PATHS_PER_COMMAND]
            found |= parse_index(self._git(env, "ls-files", "-s", "-z", "--", *wanted))
        return found

    def _tree(self, env: Mapping[str, str], commit: str) -> dict[str, Entry]:
        return parse_tree_entries(self._git(env, "ls-tree", "-r", "-z", "--full-tree", commit))

    def _modified(self, env: Mapping[str, str], paths: list[str]) -> set[str]:
        """Those of `paths` in the index whose file on disk differs from it (or is gone)."""
        if not paths:
            return set()
        out = self._git(env, "--no-optional-locks", "diff", "--no-ext-diff", "--name-only",
                        "-z", "--", *paths)  # fmt: skip
        return parse_names(out)

    def _on_disk(self, relative: str) -> bool:
        return os.path.lexists(self.path / relative)

    # -- status, for /-/healthz ---------------------------------------------------------

    def status(self) -> WorkTreeStatus:
        """The work tree's state after the last update; listed files are checked again,
        so one the person has since committed, reset or checked out is not shown."""
        if self.bare:
            return WorkTreeStatus("bare")
        record = read_record(self.git_dir)
        if record is None:
            return WorkTreeStatus("ok")
        env = {**os.environ, "GIT_LITERAL_PATHSPECS": "1"}
        try:
            files = tuple(self._differing(env, set(record.diverged)))
        except WorkTreeError:  # e.g. a HEAD that no longer resolves
            files = record.diverged
        if record.error:
            return WorkTreeStatus("failing", files, record.error)
        return WorkTreeStatus("diverged" if files else "ok", files)

    def _differing(self, env: Mapping[str, str], paths: set[str]) -> list[str]:
        """Those of `paths` whose file on disk is not what HEAD has (present or not)."""
        if not paths:
            return []
        wanted = sorted(paths)
        result = self._run(env, "--no-optional-locks", "diff", "--no-ext-diff", "--name-only",
                           "-z", "HEAD", "--", *wanted)  # fmt: skip
        if result.returncode != 0:
            return wanted
        differing = parse_names(result.stdout)
        tracked = parse_names(
            self._git(env, "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", *wanted)
        )
        return [p for p in wanted if p in differing or (p not in tracked and self._on_disk(p))]

    # -- locks and git -----------------------------------------------------------------

    @contextmanager
    def _update_lock(self) -> Iterator[None]:
        """Held while an update of ours runs, across the processes of a server."""
        fd = os.open(self.git_dir / "masterywiki-sync.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def _index_lock(self) -> Iterator[None]:
        """Git's own index.lock, taken as git takes it, so that no person's git command
        changes the index while an update reads, changes and replaces it.

        A stale lock a killed process left is cleared here, in the background, so that
        a save never waits on the work tree.
        """
        lock = self.git_dir / "index.lock"
        for _attempt in range(5):
            remove_if_stale(lock, INDEX_LOCK_GRACE)
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            os.close(fd)
            break
        else:
            raise WorkTreeError(f"{lock} stays taken by another git command")
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)

    @contextmanager
    def _scratch_index(self) -> Iterator[dict[str, str]]:
        """A copy of the index to change; the caller moves it into place when done."""
        scratch = self.git_dir / "masterywiki-index"
        scratch.unlink(missing_ok=True)
        if (self.git_dir / "index").exists():
            shutil.copyfile(self.git_dir / "index", scratch)
        env = {**os.environ, "GIT_INDEX_FILE": str(scratch), "GIT_LITERAL_PATHSPECS": "1"}
        try:
            yield env
        finally:
            scratch.unlink(missing_ok=True)

    def _run(
        self, env: Mapping[str, str], *args: str, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=input, capture_output=True, env=dict(env), check=False,
        )  # fmt: skip

    def _git(
        self, env: Mapping[str, str], *args: str, input: bytes | None = None, check: bool = True
    ) -> bytes:
        result = self._run(env, *args, input=input)
        if check and result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip()
            raise WorkTreeError(f"git {args[0]} failed: {message}")
        return result.stdout

    def wait(self, timeout: float = 30.0) -> None:
        """Block until the updates this process started are done."""
        with self._lock:
            pending = list(self._updates)
        for thread in pending:
            thread.join(timeout)


def _plan(
    index: Mapping[str, Entry | None],
    changes: Mapping[str, tuple[Entry | None, Entry | None]],
    modified: set[str],
    committed: set[str],
    on_disk: Callable[[str], bool],
    head: str,
) -> _Plan:
    """What to change for the paths the branch changed since the index was in step.

    Each such path's index entry becomes the branch's. Its file is written (or
    deleted) only when it is clean: the index held the version the branch started
    from, or another committed version (`committed`), and the disk holds the index's
    version. Otherwise the disk keeps the person's text, and the path is checked
    after the update.
    """
    plan = _Plan()
    null = "0" * len(head)
    for path, (before, now) in sorted(changes.items()):
        staged = index.get(path)
        if path in index and staged is None:  # unmerged: the person is in a merge
            plan.check.add(path)
            continue
        if staged == now:
            continue
        plan.check.add(path)
        mode, sha = now or ("0", null)
        plan.index_info.append(f"{mode} {sha}\t{path}\0")
        unchanged = path not in modified if staged is not None else not on_disk(path)
        known = staged == before or path in committed
        if known and unchanged:
            (plan.checkout if now else plan.delete).append(path)
        elif staged is not None and not known and not unchanged:
            plan.unstaged[path] = staged[1]  # staged text found nowhere else: say where it is
    return plan
