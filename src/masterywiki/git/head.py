"""Reading HEAD and refs straight from git's files, cheaply enough for every request."""

from __future__ import annotations

import os
import time
from pathlib import Path

from masterywiki.git import parse as gitparse
from masterywiki.git.parse import is_sha

Stamp = tuple[tuple[int, int, int], ...]
RACY_NS = 2_000_000_000  # a folder time this recent may hide a second update


class RefFiles:
    """HEAD and the refs of the repository whose git folder is `git_dir`."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self._head_ref_file = git_dir / "refs" / "heads" / "main"
        self._stamp: Stamp | None = None
        self._value: str | None = None
        self._under: dict[str, tuple[Stamp, dict[str, str]]] = {}
        self._folder_lists: dict[str, tuple[tuple[int, int, int], list[Path]]] = {}

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
        """{ref: commit} of every ref under `prefix` (`refs/heads/proposals/`), from the
        files, with no git process. Kept while the folders and `packed-refs` are as they
        were: git adds and renames a file in the folder for every update, which moves
        the folder's time. Like git's "racily clean" index entries, a result is kept only
        once that time is RACY_SECONDS old, so two updates within one tick of the
        file system's clock are never taken for one."""
        stamp = self._folder_stamp(prefix)
        kept = self._under.get(prefix)
        if kept is not None and kept[0] == stamp:
            return dict(kept[1])
        found = self._read_under(prefix)
        newest = max((entry[1] for entry in stamp), default=0)
        if stamp == self._folder_stamp(prefix) and time.time_ns() - newest > RACY_NS:
            self._under[prefix] = (stamp, found)
        else:
            self._under.pop(prefix, None)
        return found

    def _folder_stamp(self, prefix: str) -> Stamp:
        """The times of `packed-refs` and of the folders under `prefix`. The folder list
        is walked again only when the top folder changed (a new folder changes it)."""
        root = self.git_dir / prefix
        top = _stat(root)
        folders = self._folder_lists.get(prefix)
        if folders is None or folders[0] != top:
            folders = (top, [Path(folder) for folder, _dirs, _files in os.walk(root)][1:])
            self._folder_lists[prefix] = folders
        return (_stat(self.git_dir / "packed-refs"), top, *(_stat(f) for f in folders[1]))

    def _read_under(self, prefix: str) -> dict[str, str]:
        try:
            packed = (self.git_dir / "packed-refs").read_text()
        except FileNotFoundError:
            packed = ""
        found = gitparse.packed_refs_under(packed, prefix)
        for folder, _dirs, files in os.walk(self.git_dir / prefix):
            for name in files:
                if name.endswith(".lock"):
                    continue  # an update in progress: the ref file still holds the value
                path = os.path.join(folder, name)
                try:
                    with open(path) as handle:
                        sha = handle.read().strip()
                except OSError:
                    continue  # removed while we looked
                if is_sha(sha):
                    found[os.path.relpath(path, self.git_dir).replace(os.sep, "/")] = sha
        return found


def _stat(path: Path) -> tuple[int, int, int]:
    """(inode, modification time, size) of `path`, zeros when it is missing."""
    try:
        found = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (found.st_ino, found.st_mtime_ns, found.st_size)
