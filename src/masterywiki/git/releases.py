"""Releases: annotated git tags `release/<name>` that mark an adopted version of the wiki.

A release is an ordinary git tag, so `git push --tags`, `git tag -l 'release/*'` and
every git host show it too. Names are checked twice: here for what the wiki needs
(no `/`, not mistakable for a commit id) and by `git check-ref-format` for what git
accepts, so a refused name always says why.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from masterywiki.errors import InvalidReleaseName, ReleaseExists, RevisionNotFound
from masterywiki.git.parse import is_sha
from masterywiki.git.storage import Author, GitStorage

PREFIX = "refs/tags/release/"
MAX_NAME = 100
MAX_MESSAGE = 2000
# One record per tag: \x1e ends it, \x1f separates the fields (the message may hold
# newlines but neither control character: `create` refuses them).
_FORMAT = (
    "%(refname)%1f%(objecttype)%1f%(objectname)%1f%(*objectname)%1f%(taggername)"
    "%1f%(creatordate:unix)%1f%(contents)%1e"
)


@dataclass(frozen=True)
class Release:
    name: str  # without the `release/` prefix
    commit: str  # the commit it marks
    message: str
    tagger: str
    date: datetime

    @property
    def short(self) -> str:
        return self.commit[:10]


def check_name(name: str) -> str:
    """`name` if it can name a release. Raises InvalidReleaseName saying why not."""
    shown = name[:40] + ("…" if len(name) > 40 else "")
    if not name.strip():
        raise InvalidReleaseName("Give the release a name, e.g. 2025-26-adopted.")
    if len(name) > MAX_NAME:
        raise InvalidReleaseName(f"A release name has at most {MAX_NAME} characters.")
    if any(c.isspace() for c in name) or "/" in name:
        raise InvalidReleaseName(
            f"'{shown}' is not a valid release name: use letters, digits, '-', '_' and '.'"
            " without spaces or '/', e.g. 2025-26-adopted."
        )
    if name.startswith(("-", ".")):
        raise InvalidReleaseName(
            f"'{shown}' is not a valid release name: start it with a letter or a digit."
        )
    if is_sha(name):
        raise InvalidReleaseName(
            f"'{shown}' looks like a commit id, so links to it would be ambiguous:"
            f" add a word, e.g. v{shown}."
        )
    result = subprocess.run(
        ["git", "check-ref-format", PREFIX + name], capture_output=True, check=False
    )
    if result.returncode != 0:
        raise InvalidReleaseName(
            f"'{shown}' is not a valid git tag name: it may not end with '.lock' or '.',"
            " or hold '..', '@{', '~', '^', ':', '?', '*', '[' or '\\'."
        )
    return name


def _git(storage: GitStorage, *args: str, input: bytes | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
    return subprocess.run(
        ["git", "-C", str(storage.path), *args],
        input=input, capture_output=True, check=False, env=env,
    )  # fmt: skip


def list_releases(storage: GitStorage) -> list[Release]:
    """Every release, newest first."""
    result = _git(storage, "for-each-ref", "--sort=-creatordate", f"--format={_FORMAT}", PREFIX)
    if result.returncode != 0:
        return []
    found = parse_releases(result.stdout.decode("utf-8", "replace"))
    return _newest_first(storage, found)


def _newest_first(storage: GitStorage, found: list[Release]) -> list[Release]:
    """Tag dates have whole seconds: releases made in the same second are ordered by
    their commits, a descendant before its ancestors."""

    def later(release: Release, tied: list[Release]) -> int:
        return sum(
            1 for other in tied
            if other.commit != release.commit and storage.is_ancestor(other.commit, release.commit)
        )  # fmt: skip

    ordered: list[Release] = []
    for _, group in groupby(found, key=lambda r: r.date):
        tied = list(group)
        if len(tied) > 1:  # (a list being sorted looks empty to its key function)
            counts = {r.name: later(r, tied) for r in tied}
            tied.sort(key=lambda r: counts[r.name], reverse=True)
        ordered.extend(tied)
    return ordered


def parse_releases(out: str) -> list[Release]:
    """Releases from `git for-each-ref --format=_FORMAT` output."""
    found = []
    for record in out.split("\x1e"):
        fields = record.lstrip("\n").split("\x1f")
        if len(fields) != 7:
            continue
        ref, kind, target, peeled, tagger, stamp, message = fields
        if kind == "tag" and not peeled:
            continue  # a tag of a tag or of a tree: not a version of the wiki
        date = datetime.fromtimestamp(int(stamp or 0), tz=UTC)
        found.append(
            Release(ref.removeprefix(PREFIX), peeled or target, message.strip(), tagger, date)
        )
    return found


def release_commit(storage: GitStorage, name: str) -> str | None:
    """The commit release `name` marks, or None when there is no such release."""
    if not name or "/" in name:
        return None
    result = _git(storage, "rev-parse", "--verify", "--quiet", f"{PREFIX}{name}^{{commit}}")
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def resolve(storage: GitStorage, rev: str) -> str:
    """The full commit id of `rev`: a commit id, or the name of a release.
    Raises RevisionNotFound."""
    if is_sha(rev):
        return storage.resolve(rev)
    commit = release_commit(storage, rev)
    if commit is None:
        raise RevisionNotFound(f"There is no release or revision called '{rev[:60]}'.")
    return commit


def create_release(
    storage: GitStorage, name: str, commit: str, message: str, tagger: Author
) -> Release:
    """Tag `commit` as release `name` with `message`, by `tagger`.
    Raises InvalidReleaseName, ReleaseExists, RevisionNotFound."""
    check_name(name)
    message = message.strip() or f"Release {name}"
    if len(message) > MAX_MESSAGE or "\x1e" in message or "\x1f" in message:
        raise InvalidReleaseName(f"Keep the release message to {MAX_MESSAGE} characters.")
    full = storage.resolve(commit)
    if release_commit(storage, name) is not None:
        raise ReleaseExists(f"There is already a release called '{name}'; choose another name.")
    env = dict(os.environ, GIT_COMMITTER_NAME=tagger.name, GIT_COMMITTER_EMAIL=tagger.email)
    result = _git(
        storage, "tag", "-a", "--cleanup=strip", "-F", "-", f"release/{name}", full,
        input=message.encode(), env=env,
    )  # fmt: skip
    if result.returncode != 0:
        error = result.stderr.decode("utf-8", "replace").strip()
        if "already exists" in error:  # another server or admin was quicker
            raise ReleaseExists(f"There is already a release called '{name}'.")
        raise RevisionNotFound(error.splitlines()[0] if error else "git tag failed")
    for release in list_releases(storage):
        if release.name == name:
            return release
    raise RevisionNotFound(f"The release '{name}' was not written.")  # pragma: no cover


@dataclass(frozen=True)
class FileChange:
    status: str  # A, M, R or D
    path: str  # the file in the newer commit (in the older one for D)
    old_path: str  # the file in the older commit (the same as `path` but for R)


def changed_files(storage: GitStorage, old: str, new: str) -> list[FileChange]:
    """Files added, changed, moved or removed between two commits (renames found)."""
    result = _git(storage, "diff-tree", "-r", "-z", "-M", "--no-commit-id", old, new)
    if result.returncode != 0:
        raise RevisionNotFound(result.stderr.decode("utf-8", "replace").strip()[:200])
    return parse_diff_tree(result.stdout)


def parse_diff_tree(out: bytes) -> list[FileChange]:
    """Changes from `git diff-tree -r -z -M` (a rename or copy carries two paths)."""
    fields = out.split(b"\0")
    found: list[FileChange] = []
    index = 0
    while index < len(fields):
        meta = fields[index]
        if not meta.startswith(b":"):
            index += 1
            continue
        status = meta.decode().split(" ")[-1][:1]
        if status in ("R", "C"):  # two paths follow; a copy is a new file
            old, new = (f.decode("utf-8", "surrogateescape") for f in fields[index + 1 : index + 3])
            found.append(FileChange("R", new, old) if status == "R" else FileChange("A", new, new))
            index += 3
        else:
            path = fields[index + 1].decode("utf-8", "surrogateescape")
            found.append(FileChange(status if status in "ADM" else "M", path, path))
            index += 2
    return found
