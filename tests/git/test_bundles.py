"""Backups' git bundles (`git/remote.bundle`), against real repositories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from masterywiki.errors import NotARepository
from masterywiki.git import remote
from masterywiki.git.storage import GitStorage
from tests.conftest import commit_files, git


def heads_of(bundle: Path) -> dict[str, str]:
    listed = git(bundle.parent, "bundle", "list-heads", str(bundle))
    return {name: sha for sha, name in (line.split(" ", 1) for line in listed.splitlines())}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "wiki"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    commit_files(folder, {"index.md": "# Home\n"})
    return folder


def test_a_bundle_holds_the_branch_and_the_side_branches(repo: Path, tmp_path: Path) -> None:
    head = commit_files(repo, {"guide.md": "# Guide\n"})
    git(repo, "branch", "proposals/7", "HEAD~1")
    git(repo, "branch", "elsewhere")
    out = tmp_path / "wiki.bundle"
    assert remote.bundle(GitStorage(repo), out, ["proposals/"]) == head
    first = git(repo, "rev-parse", "HEAD~1")
    assert heads_of(out) == {"HEAD": head, "refs/heads/main": head, "refs/heads/proposals/7": first}
    git(tmp_path, "clone", "-q", str(out), "restored")
    assert git(tmp_path / "restored", "rev-parse", "HEAD") == head
    git(tmp_path / "restored", "fsck", "--strict")


def test_a_save_while_git_bundles_is_not_in_the_bundle(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refs are read once: a commit that lands while `git bundle` runs (here, right
    before it starts) leaves the bundle as it was when the backup read the branch.
    Given the wiki's own refs, git read them again part-way and left out any that had
    moved: a save at that moment made "Refusing to create empty bundle"."""
    head = git(repo, "rev-parse", "HEAD")
    run = remote._local_git

    def saving_first(folder: Path, *args: str, **kwargs: Any) -> str:
        if args[:2] == ("bundle", "create"):
            commit_files(repo, {"index.md": "# Home, saved meanwhile\n"})
        return run(folder, *args, **kwargs)

    monkeypatch.setattr(remote, "_local_git", saving_first)
    out = tmp_path / "wiki.bundle"
    assert remote.bundle(GitStorage(repo), out) == head
    assert heads_of(out) == {"HEAD": head, "refs/heads/main": head}
    assert git(repo, "rev-parse", "HEAD") != head  # the save did land


def test_a_detached_head_is_bundled_as_head(repo: Path, tmp_path: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach")
    out = tmp_path / "wiki.bundle"
    assert remote.bundle(GitStorage(repo), out) == head
    assert heads_of(out) == {"HEAD": head}


def test_an_empty_repository_has_nothing_to_bundle(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    with pytest.raises(NotARepository, match="no commits"):
        remote.bundle(GitStorage(folder), tmp_path / "wiki.bundle")
