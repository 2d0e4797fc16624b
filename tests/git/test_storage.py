"""Git storage on real temporary repositories."""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.errors import (
    NotARepository,
    RepositoryBusy,
    RepositoryWriteError,
    RevisionNotFound,
)
from masterywiki.git import objects as gitobjects
from masterywiki.git.storage import Author, GitStorage, init_repository
from tests.auth_fixtures import csrf_token
from tests.conftest import commit_files, git

ADA = Author("Ada", "ada@example.org")


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


def test_a_branch_that_moved_is_a_concurrent_change(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"index.md": "x"})
    storage = GitStorage(repo)
    stale = storage.head()
    commit_files(repo, {"index.md": "moved on"})
    with pytest.raises(RepositoryBusy, match="changed while saving"):
        storage.commit({"index.md": b"mine"}, "m", ADA, stale)


def test_a_ref_that_cannot_be_written_is_reported_as_what_it_is(
    repo_factory: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    repo = repo_factory({"index.md": "x"})
    storage = GitStorage(repo)
    # Tests run as root, where chmod stops nothing: a folder where git's lock file
    # must go makes the ref update fail as an unwritable refs/heads would.
    (storage.git_dir / "refs/heads/main.lock").mkdir()
    before = storage.head()
    with caplog.at_level(logging.WARNING), pytest.raises(RepositoryWriteError) as caught:
        storage.commit({"index.md": b"mine"}, "m", ADA, before)
    assert not isinstance(caught.value, RepositoryBusy), "not a concurrent change"
    assert caught.value.message.startswith("Could not write to the repository: fatal:")
    assert "Unable to create" in caught.value.message
    assert "main.lock': File exists" in caplog.text, "git's own words are in the log"
    assert git(repo, "rev-parse", "HEAD") == before


def test_objects_that_cannot_be_written_are_a_write_error(
    repo_factory: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = GitStorage(repo_factory({"index.md": "x"}))

    def full_disk(*_args: object) -> bytes:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gitobjects, "_store", full_disk)
    with pytest.raises(RepositoryWriteError, match="No space left on device"):
        storage.commit({"index.md": b"mine"}, "m", ADA, storage.head())


def test_a_save_that_cannot_write_answers_500_with_gits_message(
    app: Flask, editor_client: FlaskClient, basic_repo: Path
) -> None:
    storage: GitStorage = app.extensions["masterywiki"].wiki.storage
    (storage.git_dir / "refs/heads/main.lock").mkdir()
    token = csrf_token(editor_client, "/guide/first/-/edit")
    response = editor_client.post(
        "/guide/first/-/edit",
        data={"content": "# First\n\nNew.\n", "base": storage.head(), "csrf_token": token},
    )
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Could not write to the repository: fatal:" in text
    assert "changed while saving" not in text


def test_branches_beside_the_wiki_are_written_and_read_without_moving_it(
    basic_repo: Path,
) -> None:
    storage = GitStorage(basic_repo)
    head = storage.head()
    assert head is not None
    ada = Author("Ada", "ada@example.org")
    first = storage.commit_on("refs/heads/side/1", {"note.md": b"one\n"}, "One\n\nKey: 1\n",
                              ada, head, None)  # fmt: skip
    with pytest.raises(RepositoryBusy):  # it exists now: created once only
        storage.commit_on("refs/heads/side/1", {}, "Again", ada, head, None)
    second = storage.commit_on("refs/heads/side/2", {}, "Two", ada, head, None)
    assert storage.head() == head  # the wiki's branch did not move
    git(basic_repo, "pack-refs", "--all")  # side/1 and side/2 now live in packed-refs
    third = storage.commit_on("refs/heads/side/1", {"note.md": b"two\n"}, "Three", ada,
                              first, first)  # fmt: skip
    assert storage.refs_under("refs/heads/side/") == {
        "refs/heads/side/1": third, "refs/heads/side/2": second,
    }  # fmt: skip
    listed = {tip.ref: tip for tip in storage.ref_tips("refs/heads/side/")}
    assert listed["refs/heads/side/2"] == storage.ref_tip("refs/heads/side/2")
    tip = storage.ref_tip("refs/heads/side/1")
    assert tip is not None and tip.commit == third and tip.message == "Three"
    assert (tip.author, tip.email) == ("Ada", "ada@example.org")
    assert storage.read_file(third, "note.md") == b"two\n"
    assert storage.read_file(third, "nothing-here.md") is None
    assert storage.ref_tip("refs/heads/side/9") is None
    storage.close()


def test_a_committer_other_than_the_wiki(basic_repo: Path) -> None:
    storage = GitStorage(basic_repo)
    with storage.write_lock():
        storage.commit({"x.md": b"x\n"}, "x", Author("Ada", "ada@example.org"), storage.head(),
                       Author("Eve", "eve@example.org"))  # fmt: skip
    assert git(basic_repo, "log", "-1", "--format=%an|%cn|%ce") == "Ada|Eve|eve@example.org"
    storage.close()


def test_refs_under_are_kept_only_while_their_folders_are_unchanged(basic_repo: Path) -> None:
    storage = GitStorage(basic_repo)
    head = storage.head()
    assert head is not None
    ada = Author("Ada", "ada@example.org")
    first = storage.commit_on("refs/heads/side/1", {}, "One", ada, head, None)
    folder = storage.git_dir / "refs" / "heads" / "side"
    old = time.time() - 60  # older than the racy window: the answer may be kept
    os.utime(folder, (old, old))
    assert storage.refs_under("refs/heads/side/") == {"refs/heads/side/1": first}
    (folder / "1").write_text("0" * 40 + "\n")  # changed in place: the folder keeps its time
    os.utime(folder, (old, old))
    assert storage.refs_under("refs/heads/side/") == {"refs/heads/side/1": first}, "kept"
    second = storage.commit_on("refs/heads/side/1", {}, "Two", ada, head, "0" * 40)
    assert storage.refs_under("refs/heads/side/") == {"refs/heads/side/1": second}
    storage.close()
