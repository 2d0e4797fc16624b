"""Git with other repositories: fetch, push, clone, bundles, and the lock on sync rounds.

Every command that reaches another repository goes through `_network_git`, which
never prompts for a password and gives up after NETWORK_TIMEOUT seconds; its
failures are RemoteUnavailable. The local repository is a `GitStorage`.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from masterywiki.errors import NotARepository, RevisionNotFound, WikiError
from masterywiki.git.storage import GitStorage

NETWORK_TIMEOUT = 120.0  # seconds one fetch, push or clone may take


class RemoteUnavailable(WikiError):
    """The other repository could not be reached, or refused the request."""

    status = 502
    title = "The central repository is not available"

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def _network_git(folder: Path | None, *args: str) -> str:
    """Run a git command that talks to another repository; never prompts.
    Raises RemoteUnavailable (with git's output) when it fails."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=15")
    where = ["-C", str(folder)] if folder else []
    try:
        result = subprocess.run(
            ["git", *where, *args], capture_output=True, env=env, check=False,
            timeout=NETWORK_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise RemoteUnavailable(f"git {args[0]} took longer than {NETWORK_TIMEOUT:.0f}s") from None
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    if result.returncode != 0:
        lines = [line for line in output.splitlines() if line.strip()]
        message = next((line for line in lines if line.startswith(("fatal", "error"))), "")
        raise RemoteUnavailable(message or f"git {args[0]} failed", output)
    return output


# -- git sync: one round at a time, fetch, push ------------------------------------------


@contextmanager
def remote_lock(storage: GitStorage, wait: bool = True) -> Iterator[bool]:
    """Serialize fetch/merge/push rounds across the processes of one server.

    Yields False (without the lock) when `wait` is false and another process
    holds it. Taken before `storage.write_lock()`, never inside it.
    """
    fd = os.open(storage.git_dir / "masterywiki-remote.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def fetch(storage: GitStorage, url: str, branch: str, into: str) -> str | None:
    """Fetch `branch` of the repository at `url` into the ref `into` of `storage`;
    returns its commit, or None when the remote has no such branch yet.
    Raises RemoteUnavailable."""
    refspec = f"+refs/heads/{branch}:{into}"
    try:
        _network_git(storage.path, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
                     url, refspec)  # fmt: skip
    except RemoteUnavailable as error:
        if "couldn't find remote ref" in error.message:
            return None
        raise
    return storage.ref(into)


def push(storage: GitStorage, url: str, branch: str, commit: str) -> bool:
    """Push `commit` to `branch` at `url`, never forced. False when the remote
    refused it (it moved on: fetch and merge first). Raises RemoteUnavailable."""
    try:
        _network_git(storage.path, "push", "--porcelain", "--quiet", "--no-verify", url,
                     f"{commit}:refs/heads/{branch}")  # fmt: skip
    except RemoteUnavailable as error:
        # --porcelain marks each refused ref with '!' (rejected, or the remote
        # could not lock the ref because another server is pushing right now)
        if any(line.startswith("!") for line in error.output.splitlines()):
            return False
        raise
    return True


def fetch_branches(storage: GitStorage, url: str, prefix: str, into: str) -> None:
    """Fetch every branch `refs/heads/<prefix>*` at `url` into `<into>*` (the remote's
    proposal branches). Raises RemoteUnavailable."""
    fetch_refs(storage, url, f"+refs/heads/{prefix}*:{into}*")


def fetch_refs(storage: GitStorage, url: str, refspec: str) -> None:
    """Fetch what `refspec` names at `url`. Raises RemoteUnavailable."""
    _network_git(storage.path, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
                 url, refspec)  # fmt: skip


def push_refs(storage: GitStorage, url: str, updates: dict[str, str]) -> set[str]:
    """Push {ref: commit} in one go, never forced; returns the refs the remote refused
    (it has commits we lack: fetch and merge first). Raises RemoteUnavailable."""
    if not updates:
        return set()
    specs = [f"{commit}:{ref}" for ref, commit in sorted(updates.items())]
    try:
        _network_git(storage.path, "push", "--porcelain", "--quiet", "--no-verify", url, *specs)
    except RemoteUnavailable as error:
        refused = {
            line.split("\t")[1].rpartition(":")[2]
            for line in error.output.splitlines()
            if line.startswith("!") and line.count("\t") >= 2
        }
        if not refused:
            raise
        return refused
    return set()


def remote_has_branch(url: str, branch: str) -> bool:
    """Whether `branch` exists at `url`. Raises RemoteUnavailable."""
    return bool(_network_git(None, "ls-remote", "--heads", url, f"refs/heads/{branch}").strip())


def clone_repository(
    url: str,
    path: str | os.PathLike[str],
    branch: str,
    bare: bool = False,
    side: Sequence[str] = (),
) -> GitStorage:
    """A clone of `branch` of the repository (or bundle file) at `url`, with its
    branches under each of `side` as branches of their own (a restored backup's
    proposals); with no `origin` remote left configured when `url` is a bundle.
    Raises RemoteUnavailable, NotARepository."""
    target = Path(path)
    if target.exists() and any(target.iterdir()):
        raise NotARepository(f"{target} already exists and is not empty.")
    target.parent.mkdir(parents=True, exist_ok=True)
    options = ["--bare"] if bare else []
    _network_git(None, "clone", "--quiet", "--no-tags", *options, "--branch", branch, str(url),
                 str(target))  # fmt: skip
    for prefix in side:
        _network_git(target, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", str(url),
                     f"+refs/heads/{prefix}*:refs/heads/{prefix}*")  # fmt: skip
    if Path(url).is_file():  # a bundle is where the history came from, not a remote
        _network_git(target, "remote", "remove", "origin")
    return GitStorage(target)


# -- backups: bundles ---------------------------------------------------------------------


def bundle(storage: GitStorage, out: Path, side: Sequence[str] = ()) -> str:
    """Write the branch and its whole history to a git bundle, with the branches under
    each of `side` (`proposals/`); returns the commit.

    Needs no lock: the refs are read once, and git bundles them from a repository of
    their own that borrows this one's objects, so a save during the backup is simply
    not in it. (Given the wiki's own refs, git reads each again after listing the
    objects and leaves out one that moved meanwhile: a save at that moment left every
    ref out, "Refusing to create empty bundle".) Raises NotARepository (no commits
    yet), RevisionNotFound (git failed).
    """
    head = storage.head()
    if head is None:
        raise NotARepository(f"{storage.path} has no commits to back up.")
    branch = storage.branch()  # refs/heads/main, or HEAD when it is on no branch
    on_branch = [] if branch == "HEAD" else [branch]
    objects = _local_git(storage.path, "rev-parse", "--path-format=absolute", "--git-path",
                         "objects").strip()  # fmt: skip
    side_refs = ""  # as `update-ref --stdin` takes them: "create <name> <commit>" lines
    if side:
        side_refs = _local_git(storage.path, "for-each-ref",
                               "--format=create %(refname) %(objectname)",
                               *(f"refs/heads/{prefix}" for prefix in side))  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="masterywiki-bundle-") as folder:
        pinned = Path(folder)
        _local_git(pinned, "init", "--quiet", "--bare")
        (pinned / "objects" / "info" / "alternates").write_text(objects + "\n")
        refs = "".join(f"create {name} {head}\n" for name in on_branch) + side_refs
        _local_git(pinned, "update-ref", "--stdin", input=refs)
        if on_branch:
            _local_git(pinned, "symbolic-ref", "HEAD", branch)
        else:
            _local_git(pinned, "update-ref", "--no-deref", "HEAD", head)
        _local_git(pinned, "bundle", "create", "--quiet", str(out.resolve()), "HEAD",
                   *on_branch, *(f"--branches={prefix}*" for prefix in side))  # fmt: skip
    return head


def _local_git(folder: Path, *args: str, input: str | None = None) -> str:
    """A git command on a local repository; raises RevisionNotFound when it fails."""
    result = subprocess.run(["git", "-C", str(folder), *args], input=input,
                            capture_output=True, text=True, check=False)  # fmt: skip
    if result.returncode != 0:
        raise RevisionNotFound(result.stderr.strip() or f"git {args[0]} failed")
    return result.stdout


def verify_bundle(path: Path) -> None:
    """Raises NotARepository unless `path` is a complete git bundle."""
    result = subprocess.run(["git", "bundle", "list-heads", str(path)],
                            capture_output=True, check=False)  # fmt: skip
    if result.returncode != 0 or not result.stdout.strip():
        raise NotARepository(f"{path} is not a readable git bundle.")
