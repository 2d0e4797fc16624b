"""Git storage: reading and writing the local repository, the core of the git layer.

Its parts are `objects` (writing blobs, trees and commits) and `worktree`;
`parse` reads the output of the git commands run here; `remote` works with
other repositories.

Reads go through the git CLI (`ls-tree`, `cat-file --batch`, `log`), which is much
faster than walking objects in Python for large wikis; GitPython keeps a persistent
`cat-file` process for single reads. HEAD is read straight from the ref files so
checking for new commits on every request costs two small file reads (`head`).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git
from masterywiki.errors import (
    NotARepository,
    RepositoryBusy,
    RepositoryWriteError,
    RevisionNotFound,
)
from masterywiki.git import objects as gitobjects
from masterywiki.git import parse as gitparse
from masterywiki.git.head import RefFiles
from masterywiki.git.history import HistoryReads
from masterywiki.git.packmemory import bound_pack_memory
from masterywiki.git.parse import is_sha
from masterywiki.git.worktree import WorkTree, remove_if_stale
from masterywiki.git.worktree_state import WorkTreeStatus
from masterywiki.git.written import WrittenCommits, written_commit
from masterywiki.support.filelock import exclusive

log = logging.getLogger(__name__)
WIKI_NAME = "masterywiki"
WIKI_EMAIL = "wiki@masterywiki.invalid"
WIKI = (WIKI_NAME, WIKI_EMAIL)  # the author of merge commits; the committer of every commit


@dataclass(frozen=True)
class Author:
    name: str
    email: str


LOCK_TIMEOUT = 30.0  # seconds a save waits for another save to finish
GIT_LOCK_GRACE = 1.0  # seconds a git lock may stay while we hold ours before it counts as stale


class GitStorage(HistoryReads):
    """Read access to one git repository (writes come with the editing work)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        bound_pack_memory(os.environ)  # for every git process started from here on
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
        self._refs = RefFiles(self.git_dir)
        self.written = WrittenCommits()
        self._work_tree = WorkTree(self.path, self.git_dir, self._repo.bare, self._refs.read_head)
        # Called as `hook(old, new)` after each commit this object publishes (not
        # after merges of other servers' work): how git sync learns of saves.
        self.after_commit: list[Callable[[str | None, str], None]] = []

    # -- HEAD -------------------------------------------------------------

    def head(self) -> str | None:
        """The commit HEAD points at, or None in a repository with no commits."""
        return self._refs.head()

    # -- trees and blobs ----------------------------------------------------

    def _try(self, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run git in the repository; the caller judges its exit code."""
        cmd = ["git", "-C", str(self.path), *args]
        return subprocess.run(cmd, input=input, capture_output=True, check=False)

    def _run(self, *args: str, input: bytes | None = None) -> bytes:
        result = self._try(*args, input=input)
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip()
            raise RevisionNotFound(message or f"git {args[0]} failed")
        return result.stdout

    def tree(self, commit: str) -> dict[str, str]:
        """Every file at `commit` as {path: blob sha}."""
        return gitparse.parse_ls_tree(self._list_tree(commit))

    def file_count(self, commit: str) -> int:
        """How many files `tree(commit)` would list (without mapping them)."""
        return gitparse.count_ls_tree_blobs(self._list_tree(commit))

    def _list_tree(self, commit: str) -> bytes:
        return self._run("ls-tree", "-r", "-z", "--full-tree", commit)

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
        known = self.written.blobs(wanted)  # a save's own new pages
        if known is not None:
            return known
        out = self._run("cat-file", "--batch", input="\n".join(wanted).encode() + b"\n")
        return gitparse.parse_batch(out, wanted)

    def blob_sizes(self, shas: Iterable[str]) -> dict[str, int]:
        """Sizes in bytes of many blobs, without reading them (`cat-file --batch-check`)."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self._run("cat-file", "--batch-check", input="\n".join(wanted).encode() + b"\n")
        return gitparse.parse_batch_check(out, wanted)

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
        sha, kind = (gitparse.as_str(part) for part in header[:2]) if header else ("", "")
        if kind != "blob":
            if self._object_kind(commit) != "commit":  # (asked of the running cat-file)
                self.resolve(commit)  # raises when the commit itself is unknown
            return None
        return self.read_blob(sha)

    def _object_kind(self, sha: str) -> str:
        with self._lock:
            try:
                header = self._persistent_repo().git.get_object_header(sha)
            except (ValueError, git.GitCommandError):
                return ""
        return gitparse.as_str(header[1])

    def resolve(self, rev: str) -> str:
        """Full sha of a commit id. Raises RevisionNotFound."""
        if not is_sha(rev):
            raise RevisionNotFound(f"'{rev}' is not a revision id.")
        out = self._run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
        return out.decode().strip()

    def parent(self, commit: str) -> str | None:
        """The first parent of `commit` (None for a root commit)."""
        out = self._run("rev-list", "--parents", "-n", "1", self.resolve(commit))
        parts = out.decode().split()
        return parts[1] if len(parts) > 1 else None

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def write_lock(self, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
        """Serialize writers across threads and processes (gunicorn workers).

        An flock is released by the kernel when its process dies, so a killed
        writer can never wedge the wiki. Raises RepositoryBusy after `timeout`.
        """

        def busy() -> Exception:
            return RepositoryBusy("Another save is taking too long; please try again.")

        with exclusive(self.git_dir / "masterywiki-write.lock", timeout, busy):
            self._refs.forget()  # a writer always reads HEAD afresh
            self._clear_stale_git_locks()
            yield

    def _clear_stale_git_locks(self) -> None:
        """Remove the branch's lock file if a killed process left it behind.

        Called with our write lock held, so no masterywiki writer is running. A
        person's git command holds its lock for a moment only, so a lock that
        outlives GIT_LOCK_GRACE seconds was left by a process that died. (A stale
        index.lock is the work tree's business: see `WorkTree`.)
        """
        remove_if_stale(self.git_dir / f"{self._branch_ref()}.lock", GIT_LOCK_GRACE)

    def _branch_ref(self) -> str:
        ref = (self.git_dir / "HEAD").read_text().strip()
        return ref[5:] if ref.startswith("ref: ") else "HEAD"

    def commit(
        self,
        changes: Mapping[str, bytes | None],
        message: str,
        author: Author,
        parent: str | None,
        committer: Author | None = None,
    ) -> str:
        """Commit `changes` ({path: bytes, or None to delete}) on top of `parent`.

        Call with `write_lock()` held. Raises RepositoryBusy if the branch moved.
        """
        return self.commit_steps([(changes, message)], author, parent, committer)

    def _write_commits(
        self,
        steps: Sequence[tuple[Mapping[str, bytes | None], str]],
        author: Author,
        parent: str | None,
        committer: Author | None = None,
    ) -> str:
        """Blobs, trees and a chain of commits, written in-process (only the trees
        along the changed paths are rebuilt); no ref moves. Returns the last commit."""
        tip = parent
        by = (committer.name, committer.email) if committer else WIKI
        written_by = (author.name, author.email)
        when = int(time.time())
        with self._lock, self._writing_objects():
            repo = self._persistent_repo()
            tree = gitobjects.tree_of(repo, parent) if parent else None
            for changes, message in steps:
                diff = gitobjects.TreeDiff()
                tree = gitobjects.write_tree(repo, tree, dict(changes), diff)
                parents = [tip] if tip else []
                commit = gitobjects.write_commit(
                    repo, tree, parents, message, author=written_by, committer=by, when=when
                )
                # As written in the commit: what `git log` would give back.
                as_written = (gitobjects.ident(author.name), gitobjects.ident(author.email))
                if diff.exact:
                    self.written.remember(
                        *written_commit(commit, tip, diff, changes, message, as_written, when)
                    )
                tip = commit
        assert tip is not None
        return tip

    def commit_steps(
        self,
        steps: Sequence[tuple[Mapping[str, bytes | None], str]],
        author: Author,
        parent: str | None,
        committer: Author | None = None,
    ) -> str:
        """A chain of commits, one per step, published with a single branch update.

        The branch moves by compare-and-swap with `git update-ref`, so neither the
        work tree nor git's index is needed and readers never see a half-done change.
        The committer is the wiki unless `committer` (an editor merging someone
        else's work) is given. Returns the last commit.
        """
        tip = self._write_commits(steps, author, parent, committer)
        summary = steps[-1][1].splitlines()[0] if steps[-1][1] else "save"
        self._git(os.environ, "update-ref", "-m", f"masterywiki: {summary}",
                  self._branch_ref(), tip, parent or "0" * 40)  # fmt: skip
        self._work_tree.update_soon(parent)
        for hook in list(self.after_commit):
            try:
                hook(parent, tip)
            except Exception:  # the commit stands whatever a listener does
                log.exception("after-commit hook failed")
        return tip

    def _git(self, env: Mapping[str, str], *args: str, input: bytes | None = None) -> str:
        """Run a git command that writes. Raises RepositoryBusy when a compare-and-swap
        lost to another writer, RepositoryWriteError for any other failure."""
        result = subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=input, capture_output=True, env=dict(env), check=False,
        )  # fmt: skip
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip()
            # `update-ref` with an old value says "is at X but expected Y" when another
            # writer moved the ref first; a lock it cannot create, a read-only folder or
            # a full disk says something else, and must not pass for a concurrent edit.
            if "but expected" in message or "reference already exists" in message:
                raise RepositoryBusy("The page changed while saving; please try again.")
            log.error("git %s failed in %s: %s", args[0], self.path, message)
            first = message.splitlines()[0] if message else f"git {args[0]} failed"
            raise RepositoryWriteError(f"Could not write to the repository: {first}")
        return result.stdout.decode("utf-8", "replace")

    @contextmanager
    def _writing_objects(self) -> Iterator[None]:
        """Report a failure to write git objects (permissions, a full disk) as such."""
        try:
            yield
        except OSError as exc:
            log.error("could not write git objects in %s: %s", self.path, exc)
            raise RepositoryWriteError(f"Could not write to the repository: {exc}") from exc

    def wait_for_work_tree(self, timeout: float = 30.0) -> None:
        """Block until background work-tree syncs started by this process are done."""
        self._work_tree.wait(timeout)

    def work_tree_status(self) -> WorkTreeStatus:
        """Whether the files on disk follow the branch (see `worktree`), for /-/healthz."""
        return self._work_tree.status()

    # -- refs and merge commits (git sync: see `remote`) -------------------------------

    def ref(self, name: str) -> str | None:
        """The commit a full ref name (`refs/remotes/origin/main`) points at, or None."""
        try:
            return (self.git_dir / name).read_text().strip() or None
        except (FileNotFoundError, NotADirectoryError):
            return self._refs.packed_ref(name)

    def branch(self) -> str:
        """The full name of the branch HEAD is on (`refs/heads/main`)."""
        return self._branch_ref()

    def commit_on(
        self,
        ref: str,
        changes: Mapping[str, bytes | None],
        message: str,
        author: Author,
        parent: str,
        expected: str | None,
    ) -> str:
        """A commit of `parent`'s tree with `changes` on `ref`, a branch other than the
        wiki's (a proposal), which must point at `expected` (None: must not exist yet).
        Raises RepositoryBusy when another writer moved it first."""
        tip = self._write_commits([(changes, message)], author, parent)
        self.set_ref(ref, tip, expected or "0" * 40)
        return tip

    def ref_tips(self, prefix: str) -> list[gitparse.RefTip]:
        """The newest commit of every ref under `prefix` (`refs/heads/proposals/`), with
        its author, dates and message: one `for-each-ref`, however many refs."""
        out = self._run("for-each-ref", f"--format={gitparse.REF_FORMAT}", prefix)
        return gitparse.parse_ref_tips(out.decode("utf-8", "replace"))

    def refs_under(self, prefix: str) -> dict[str, str]:
        """{ref: commit} of the refs under `prefix`, read from git's files (cheap)."""
        return self._refs.under(prefix)

    def ref_tip(self, ref: str) -> gitparse.RefTip | None:
        """One ref's newest commit as `ref_tips` gives it, read through the persistent
        `cat-file` (no new git process), or None when there is no such ref."""
        commit = self.ref(ref)
        if commit is None:
            return None
        return gitparse.parse_commit_object(ref, commit, self.read_blob(commit))

    def set_ref(self, name: str, new: str, old: str | None = None) -> None:
        """Point `name` at `new`; with `old`, only if it still points there (else
        RepositoryBusy). Moving the branch needs `write_lock()` held."""
        args = ["update-ref", "-m", "masterywiki: sync", name, new]
        self._git(os.environ, *args, *([old] if old else []))
        if name == self._branch_ref():
            self._work_tree.update_soon(old)

    def merge_base(self, one: str, other: str) -> str | None:
        """The best common ancestor of two commits, or None for unrelated histories."""
        result = self._try("merge-base", one, other)
        if result.returncode != 0:
            return None  # no common history
        return result.stdout.decode().strip() or None

    def ahead_behind(self, local: str, remote: str) -> tuple[int, int]:
        """(commits only in `local`, commits only in `remote`)."""
        out = self._run("rev-list", "--left-right", "--count", f"{local}...{remote}")
        ahead, behind = out.decode().split()
        return int(ahead), int(behind)

    def count_commits(self, old: str | None, new: str) -> int:
        """How many commits `new` has that `old` does not (all of them for None)."""
        return int(self._run("rev-list", "--count", f"{old}..{new}" if old else new).decode())

    def renames(self, old: str, new: str) -> dict[str, str]:
        """{old path: new path} for files git sees as moved between two commits."""
        out = self._run("diff-tree", "-r", "-z", "-M", "--diff-filter=R", old, new)
        return gitparse.parse_renames(out)

    def commit_merge(
        self,
        changes: Mapping[str, bytes | None],
        message: str,
        ours: str,
        theirs: str,
        ref: str | None = None,
    ) -> str:
        """A merge commit with parents `ours` (the branch, or `ref`) and `theirs`: the
        tree of `theirs` with `changes` applied. Call with `write_lock()` held for the
        branch; it moves from `ours` by compare-and-swap (RepositoryBusy if it moved)."""
        with self._lock, self._writing_objects():
            repo = self._persistent_repo()
            tree = gitobjects.write_tree(repo, gitobjects.tree_of(repo, theirs), dict(changes))
            tip = gitobjects.write_commit(
                repo, tree, [ours, theirs], message, author=WIKI, committer=WIKI
            )
        self.set_ref(ref or self._branch_ref(), tip, ours)
        return tip

    def close(self) -> None:
        """Stop the persistent `cat-file` processes, once no thread is reading through
        them (a read cut off halfway leaves GitPython's stream broken). A later read
        starts them again."""
        self.wait_for_work_tree()
        with self._lock:
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
