"""Git storage on real temporary repositories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki.errors import NotARepository, RevisionNotFound
from masterywiki.storage import Author, GitStorage, init_repository
from tests.conftest import commit_files, git


def test_refuses_a_folder_that_is_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(NotARepository, match="not a git repository"):
        GitStorage(tmp_path)
    with pytest.raises(NotARepository, match="not a folder"):
        GitStorage(tmp_path / "missing")


def test_empty_repository_has_no_head(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    assert GitStorage(tmp_path).head() is None


def test_head_tree_and_blobs(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"index.md": "# Home\n", "a/b.md": "B", "a/b.comments.jsonl": "{}\n"})
    storage = GitStorage(repo)
    head = storage.head()
    assert head == git(repo, "rev-parse", "HEAD")
    files = storage.tree(head)
    assert set(files) == {"index.md", "a/b.md", "a/b.comments.jsonl"}
    assert storage.read_blob(files["index.md"]) == b"# Home\n"
    assert storage.read_blobs([files["a/b.md"], files["index.md"]]) == {
        files["a/b.md"]: b"B",
        files["index.md"]: b"# Home\n",
    }


def test_head_follows_packed_refs(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"index.md": "x"})
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "pack-refs", "--all")
    assert not (repo / ".git/refs/heads/main").exists()
    assert GitStorage(repo).head() == head


def test_read_file_at_any_revision(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"index.md": "first"})
    first = git(repo, "rev-parse", "HEAD")
    second = commit_files(repo, {"index.md": "second", "new.md": "n"})
    storage = GitStorage(repo)
    assert storage.read_file(first, "index.md") == b"first"
    assert storage.read_file(second, "index.md") == b"second"
    assert storage.read_file(first, "new.md") is None
    assert storage.read_file(first[:10], "index.md") == b"first"


@pytest.mark.parametrize("rev", ["HEAD~1; rm -rf /", "--output=/tmp/x", "main", "deadbeef" * 5])
def test_bad_revisions_are_refused(repo_factory: Callable[..., Path], rev: str) -> None:
    storage = GitStorage(repo_factory({"index.md": "x"}))
    with pytest.raises(RevisionNotFound):
        storage.read_file(rev, "index.md")


def test_last_changes_and_changed_paths(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"index.md": "1", "a.md": "1"})
    base = git(repo, "rev-parse", "HEAD")
    head = commit_files(repo, {"a.md": "2"}, "Reword the grading section")
    storage = GitStorage(repo)
    changes = storage.last_changes(head)
    assert changes["a.md"].commit == head
    assert changes["a.md"].summary == "Reword the grading section"
    assert changes["a.md"].author == "Ada Coach"
    assert changes["index.md"].commit == base
    assert set(storage.last_changes(head, since=base)) == {"a.md"}
    assert storage.changed_paths(base, head) == {"a.md"}
    assert storage.is_ancestor(base, head)
    assert not storage.is_ancestor(head, base)
    # stops early once every asked-for path was seen
    assert set(storage.last_changes(head, paths={"a.md"})) == {"a.md"}


def test_init_repository_makes_one_commit(tmp_path: Path) -> None:
    storage = init_repository(tmp_path / "wiki", {"index.md": b"# Hi\n", "a/b.md": b"B"}, "Start")
    assert git(storage.path, "rev-list", "--count", "HEAD") == "1"
    assert git(storage.path, "log", "-1", "--format=%s") == "Start"
    assert git(storage.path, "status", "--porcelain") == ""
    with pytest.raises(NotARepository, match="not empty"):
        init_repository(tmp_path / "wiki", {"x.md": b""}, "again")


def test_the_first_commit_of_an_empty_repository_reaches_the_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "new"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    storage = GitStorage(repo)
    storage.commit({"index.md": b"# Home\n"}, "First page", Author("Ada", "ada@example.org"), None)
    storage.wait_for_work_tree()
    assert (repo / "index.md").read_text() == "# Home\n"
    assert git(repo, "status", "--porcelain") == ""
