"""Reading history: what changed between commits, and the log of a page or the wiki.

A part of `GitStorage` (its base class), kept apart so each module stays small; it
runs git through the storage's own `_run` and `_try`.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from masterywiki.git import parse as gitparse
from masterywiki.git.parse import LOG_FORMAT, Change, Revision


class HistoryReads:
    path: Path

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
        out = self._run("diff-tree", "-r", "-z", "--no-renames", old, new)
        return gitparse.parse_changed_files(out)

    def is_ancestor(self, old: str, new: str) -> bool:
        return self._try("merge-base", "--is-ancestor", old, new).returncode == 0

    def last_changes(
        self, commit: str, since: str | None = None, paths: set[str] | None = None
    ) -> dict[str, Change]:
        """The newest commit touching each path, over `since..commit` (or all history).

        With `paths`, stops reading history once each of them has been seen.
        """
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
        args = [
            "-c", "core.quotePath=false", "log", "--name-status", "-M", f"--format={LOG_FORMAT}",
            f"--skip={max(skip, 0)}", f"--max-count={max(limit, 0)}",
        ]  # fmt: skip
        if follow:
            args.append("--follow")
        if author:
            args += ["--fixed-strings", f"--author={author}"]
        if diff_filter:
            args.append(f"--diff-filter={diff_filter}")
        args += [start, "--", *paths]
        return gitparse.parse_log(self._run(*args).decode("utf-8", "replace"))
