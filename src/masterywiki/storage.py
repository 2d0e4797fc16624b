"""Git storage: the only module that talks to git.

Reads go through the git CLI (`ls-tree`, `cat-file --batch`, `log`), which is much
faster than walking objects in Python for large wikis; GitPython keeps a persistent
`cat-file` process for single reads. HEAD is read straight from the ref files so
checking for new commits on every request costs two small file reads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import git

from masterywiki.errors import NotARepository, RevisionNotFound

WIKI_NAME = "masterywiki"
WIKI_EMAIL = "wiki@masterywiki.invalid"
_SHA_CHARS = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Change:
    """The last commit that touched a file."""

    commit: str
    author: str
    email: str
    date: datetime
    summary: str


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def is_sha(text: str) -> bool:
    return 4 <= len(text) <= 64 and set(text) <= _SHA_CHARS


class GitStorage:
    """Read access to one git repository (writes come with the editing work)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).resolve()
        if not self.path.is_dir():
            raise NotARepository(f"{self.path} is not a folder.")
        try:
            self._repo = git.Repo(self.path)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
            raise NotARepository(f"{self.path} is not a git repository.") from exc
        self.git_dir = Path(self._repo.git_dir).resolve()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    # -- HEAD -------------------------------------------------------------

    def head(self) -> str | None:
        """The commit HEAD points at, or None in a repository with no commits."""
        try:
            ref = (self.git_dir / "HEAD").read_text().strip()
        except OSError:
            return None
        if not ref.startswith("ref: "):
            return ref if is_sha(ref) else None
        name = ref[5:]
        try:
            return (self.git_dir / name).read_text().strip()
        except FileNotFoundError:
            return self._packed_ref(name)

    def _packed_ref(self, name: str) -> str | None:
        try:
            packed = (self.git_dir / "packed-refs").read_text()
        except FileNotFoundError:
            return None
        for line in packed.splitlines():
            sha, _, ref = line.partition(" ")
            if ref == name:
                return sha
        return None

    # -- trees and blobs ----------------------------------------------------

    def _run(self, *args: str, input: bytes | None = None) -> bytes:
        result = subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=input,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip()
            raise RevisionNotFound(message or f"git {args[0]} failed")
        return result.stdout

    def tree(self, commit: str) -> dict[str, str]:
        """Every file at `commit` as {path: blob sha}."""
        out = self._run("ls-tree", "-r", "-z", "--full-tree", commit)
        files: dict[str, str] = {}
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            mode_type_sha = meta.split(b" ")
            if mode_type_sha[1] == b"blob":
                files[path.decode("utf-8", "surrogateescape")] = mode_type_sha[2].decode()
        return files

    def _persistent_repo(self) -> git.Repo:
        """GitPython's cat-file process must not be shared across a fork (gunicorn --preload)."""
        if self._pid != os.getpid():
            self._repo = git.Repo(self.path)
            self._pid = os.getpid()
        return self._repo

    def read_blob(self, sha: str) -> bytes:
        with self._lock:
            try:
                return self._persistent_repo().git.get_object_data(sha)[3]
            except (ValueError, git.GitCommandError) as exc:
                raise RevisionNotFound(f"no object {sha}") from exc

    def read_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        """Many blobs in one `cat-file --batch` run (fast for a cold start)."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self._run("cat-file", "--batch", input="\n".join(wanted).encode() + b"\n")
        blobs: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            header_end = out.index(b"\n", pos)
            header = out[pos:header_end].split(b" ")
            if header[-1] == b"missing":
                pos = header_end + 1
                continue
            size = int(header[2])
            start = header_end + 1
            blobs[sha] = out[start : start + size]
            pos = start + size + 1
        return blobs

    def read_file(self, commit: str, path: str) -> bytes | None:
        """A file's bytes at `commit`, or None if it did not exist there."""
        if not is_sha(commit):
            raise RevisionNotFound(f"'{commit}' is not a revision id.")
        with self._lock:
            try:
                header = self._persistent_repo().git.get_object_header(f"{commit}:{path}")
            except (ValueError, git.GitCommandError):
                header = None
        # GitPython returns bytes here, though its annotations say str.
        sha, kind = (_text(part) for part in header[:2]) if header else ("", "")
        if kind != "blob":
            self.resolve(commit)  # raises when the commit itself is unknown
            return None
        return self.read_blob(sha)

    def resolve(self, rev: str) -> str:
        """Full sha of a commit id. Raises RevisionNotFound."""
        if not is_sha(rev):
            raise RevisionNotFound(f"'{rev}' is not a revision id.")
        out = self._run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        return out.decode().strip()

    # -- history -------------------------------------------------------------

    def changed_paths(self, old: str, new: str) -> set[str]:
        """Paths that differ between two commits."""
        out = self._run("diff-tree", "-r", "-z", "--no-renames", "--name-only", old, new)
        return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}

    def is_ancestor(self, old: str, new: str) -> bool:
        result = subprocess.run(
            ["git", "-C", str(self.path), "merge-base", "--is-ancestor", old, new],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def last_changes(
        self, commit: str, since: str | None = None, paths: set[str] | None = None
    ) -> dict[str, Change]:
        """The newest commit touching each path, over `since..commit` (or all history).

        With `paths`, stops reading history once each of them has been seen.
        """
        spec = f"{since}..{commit}" if since else commit
        cmd = [
            "git", "-C", str(self.path), "-c", "core.quotePath=false", "log",
            "--no-renames", "--name-only", "--format=%x1e%H%x1f%an%x1f%ae%x1f%at%x1f%s", spec,
        ]  # fmt: skip
        found: dict[str, Change] = {}
        remaining = set(paths) if paths is not None else None
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
            assert proc.stdout is not None
            current: Change | None = None
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                if line.startswith("\x1e"):
                    sha, name, email, stamp, summary = line[1:].split("\x1f", 4)
                    when = datetime.fromtimestamp(int(stamp), tz=UTC)
                    current = Change(sha, name, email, when, summary)
                elif line and current is not None and line not in found:
                    found[line] = current
                    if remaining is not None:
                        remaining.discard(line)
                        if not remaining:
                            proc.kill()
                            break
        return found

    def close(self) -> None:
        self._repo.close()


def init_repository(
    path: str | os.PathLike[str], files: Mapping[str, bytes], message: str
) -> GitStorage:
    """Create a git repository at `path` holding `files` in one commit on `main`."""
    target = Path(path)
    if target.exists() and any(target.iterdir()):
        raise NotARepository(f"{target} already exists and is not empty.")
    if shutil.which("git") is None:
        raise NotARepository("git is not installed: masterywiki needs the git command.")
    target.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(target, initial_branch="main")
    for relative, data in files.items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
    repo.git.add("--all")
    actor = git.Actor(WIKI_NAME, WIKI_EMAIL)
    repo.index.commit(message, author=actor, committer=actor)
    repo.close()
    return GitStorage(target)
