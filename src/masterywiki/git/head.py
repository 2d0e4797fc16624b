"""Reading HEAD and refs straight from git's files, cheaply enough for every request."""

from __future__ import annotations

import os
from pathlib import Path

from masterywiki.git import parse as gitparse
from masterywiki.git.parse import is_sha

Stamp = tuple[tuple[int, int, int], ...]


class RefFiles:
    """HEAD and the refs of the repository whose git folder is `git_dir`."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self._head_ref_file = git_dir / "refs" / "heads" / "main"
        self._stamp: Stamp | None = None
        self._value: str | None = None

    def head(self) -> str | None:
        """The commit HEAD points at, or None in a repository with no commits.

        Called on every request, so the answer is kept while the files it came
        from are unchanged: git replaces a ref file (a new inode) on every update.
        """
        before = self._stamp_files()
        if before is not None and before == self._stamp:
            return self._value
        value = self.read_head()
        after = self._stamp_files()  # unchanged while reading: safe to keep
        self._stamp = after if after == before else None
        self._value = value
        return value

    def forget(self) -> None:
        """Read HEAD afresh next time (a writer must never trust a kept answer)."""
        self._stamp = None

    def _stamp_files(self) -> Stamp | None:
        stamps = []
        for path in (self.git_dir / "HEAD", self._head_ref_file):
            try:
                found = os.stat(path)
            except OSError:
                return None  # e.g. the branch lives in packed-refs: read it each time
            stamps.append((found.st_ino, found.st_mtime_ns, found.st_size))
        return tuple(stamps)

    def read_head(self) -> str | None:
        """HEAD's commit, read from the files now."""
        try:
            ref = (self.git_dir / "HEAD").read_text().strip()
        except OSError:
            return None
        if not ref.startswith("ref: "):
            return ref if is_sha(ref) else None
        name = ref[5:]
        self._head_ref_file = self.git_dir / name
        try:
            return (self.git_dir / name).read_text().strip()
        except FileNotFoundError:
            return self.packed_ref(name)

    def packed_ref(self, name: str) -> str | None:
        try:
            packed = (self.git_dir / "packed-refs").read_text()
        except FileNotFoundError:
            return None
        return gitparse.packed_ref(packed, name)

    def under(self, prefix: str) -> dict[str, str]:
        """{ref: commit} of every ref under `prefix` (`refs/heads/proposals/`), read from
        the files now: a few hundred microseconds for a thousand, no git process."""
        try:
            packed = (self.git_dir / "packed-refs").read_text()
        except FileNotFoundError:
            packed = ""
        found = gitparse.packed_refs_under(packed, prefix)
        root = self.git_dir / prefix
        for folder, _dirs, files in os.walk(root):
            for name in files:
                if name.endswith(".lock"):
                    continue  # an update in progress: the ref file still holds the value
                path = Path(folder) / name
                try:
                    sha = path.read_text().strip()
                except OSError:
                    continue  # removed while we looked
                if is_sha(sha):
                    found[path.relative_to(self.git_dir).as_posix()] = sha
        return found
