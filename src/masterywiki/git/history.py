"""Reading history: what changed between commits, and the log of a page or the wiki.

A part of `GitStorage` (its base class), kept apart so each module stays small; it
runs git through the storage's own `_run` and `_try`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from masterywiki.git import parse as gitparse
from masterywiki.git.packmemory import MANY_TREES_OPTIONS
from masterywiki.git.parse import LOG_FORMAT, Change, Revision
from masterywiki.git.written import WrittenCommits


class HistoryReads:
    path: Path
    written: WrittenCommits  # this process's newest commits: answered without git

    def head(self) -> str | None:
        raise NotImplementedError

    def _try(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        raise NotImplementedError

    def _run(self, *args: str, input: bytes | None = None) -> bytes:
        raise NotImplementedError

    # -- history -------------------------------------------------------------

    def changed_paths(self, old: str, new: str) -> set[str]:
        """Paths that differ between two commits."""
        return set(self.changed_files(old, new))

    def changed_files(self, old: str, new: str) -> dict[str, str | None]:
        """{path: blob at `new`, or None if deleted} for files that differ."""
        known = self.written.changed_files(old, new)
        if known is not None:
            return known
        out = self._run("diff-tree", "-r", "-z", "--no-renames", old, new)
        return gitparse.parse_changed_files(out)

    def is_ancestor(self, old: str, new: str) -> bool:
        if self.written.is_ancestor(old, new):
            return True
        return self._try("merge-base", "--is-ancestor", old, new).returncode == 0

    def last_changes(
        self, commit: str, since: str | None = None, paths: set[str] | None = None
    ) -> dict[str, Change]:
        """The newest commit touching each path, over `since..commit` (or all history).

        With `paths`, stops reading history once each of them has been seen.
        """
        known = self.written.last_changes(commit, since) if since and paths is None else None
        if known is not None:
            return known
        spec = f"{since}..{commit}" if since else commit
        cmd = [
            "git", "-C", str(self.path), "-c", "core.quotePath=false", "log",
            "--no-renames", "--name-only", f"--format={LOG_FORMAT}", spec,
        ]  # fmt: skip
        found: dict[str, Change] = {}
        remaining = set(paths) if paths is not None else None
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
            assert proc.stdout is not None
            for path, change in gitparse.newest_changes(proc.stdout):
                found[path] = change
                if remaining is not None:
                    remaining.discard(path)
                    if not remaining:
                        proc.kill()
                        break
        return found

    def log(
        self,
        paths: Iterable[str] = (),
        *,
        rev: str | None = None,
        skip: int = 0,
        limit: int = 50,
        follow: bool = False,
        author: str | None = None,
        diff_filter: str | None = None,
    ) -> list[Revision]:
        """History rows, newest first. `follow` tracks one path across renames."""
        start = rev or self.head()
        if start is None:
            return []
        paths = list(paths)
        # Without a path, each commit's trees are compared: they share delta bases.
        args = [
            *(() if paths else MANY_TREES_OPTIONS), "-c", "core.quotePath=false", "log",
            "--name-status", "-M", f"--format={LOG_FORMAT}", f"--skip={max(skip, 0)}",
            f"--max-count={max(limit, 0)}",
        ]  # fmt: skip
        if follow:
            args.append("--follow")
        if author:
            args += ["--fixed-strings", f"--author={author}"]
        if diff_filter:
            args.append(f"--diff-filter={diff_filter}")
        args += [start, "--", *paths]
        return gitparse.parse_log(self._run(*args).decode("utf-8", "replace"))

    def follow_log(
        self, path: str, *, rev: str | None = None, skip: int = 0, limit: int = 50
    ) -> list[Revision]:
        """`log([path], follow=True, ...)` made of path-limited logs, which git answers
        from its commit-graph's changed-path filters without reading every commit's tree
        as `--follow` does (a third of a second a page at 100,000 pages). At the commit
        that added the file, that commit alone is asked whether it renamed another one;
        if so, the log goes on with that file from before it."""
        start = rev or self.head()
        found: list[Revision] = []
        wanted = max(skip, 0) + max(limit, 0)
        while start is not None and len(found) < wanted:
            rows = self.log([path], rev=start, limit=wanted - len(found))
            found += rows
            added = rows[-1] if rows and rows[-1].files[:1] == (("A", path),) else None
            parent = self._parent(added.commit) if added is not None else None
            old = self._renamed_to(parent, added.commit, path) if added and parent else None
            if added is None or old is None:
                break
            found[-1] = replace(added, files=(("R", f"{old} -> {path}"),))
            start, path = parent, old
        return found[max(skip, 0) :]

    def _parent(self, commit: str) -> str | None:
        """The first parent of `commit`; None for a first commit (it renamed nothing)."""
        found = self._try("rev-parse", "--verify", "--quiet", f"{commit}^")
        return found.stdout.decode().strip() if found.returncode == 0 else None

    def _renamed_to(self, parent: str, commit: str, path: str) -> str | None:
        """The file `commit` renamed to `path`, if it did (git's rename detection)."""
        out = self._run("diff-tree", "-r", "-M", "--name-status", "-z", parent, commit)
        fields = [field.decode("utf-8", "surrogateescape") for field in out.split(b"\0")]
        at = 0
        while at < len(fields) - 1:
            status = fields[at]
            if status.startswith(("R", "C")):  # these name two files
                if status.startswith("R") and fields[at + 2] == path:
                    return fields[at + 1]
                at += 3
            else:
                at += 2
        return None

    def write_commit_graph(self) -> bool:
        """Bring git's commit-graph, with its changed-path filters, up to date (new
        commits as a new layer): path-limited logs then pass over the commits that did
        not touch the path without reading their trees. A cache of git's own: failing to
        write it only leaves logs slower. Returns whether it was written."""
        done = self._try(
            *MANY_TREES_OPTIONS,
            "commit-graph", "write", "--reachable", "--changed-paths", "--split",
        )  # fmt: skip
        return done.returncode == 0
