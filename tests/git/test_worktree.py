"""A served repository's index and files on disk follow the branch; local edits stay.

Real non-bare repositories: saves through the Flask test client or the Editor,
then the plain git commands a person runs in that folder.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.git.storage import Author, GitStorage
from masterywiki.git.worktree_state import RECORD_FILE
from masterywiki.repository.edits import Editor
from masterywiki.repository.wiki import Wiki
from masterywiki.web.app import create_app
from tests.auth_fixtures import csrf_token, logged_in_client
from tests.conftest import commit_files, git

ADA = Author("Ada Coach", "ada@example.org")
PAGES = {"index.md": "# Home\n", "a.md": "# A\n\nFirst.\n", "b.md": "# B\n\nFirst.\n"}


@pytest.fixture
def repo(repo_factory: Callable[..., Path]) -> Path:
    return repo_factory(PAGES)


@pytest.fixture
def wiki_app(repo: Path, tmp_path: Path) -> Flask:
    application = create_app({"repo": repo, "instance": tmp_path / "instance"})
    application.config["TESTING"] = True
    return application


def storage_of(app: Flask) -> GitStorage:
    found: GitStorage = app.extensions["masterywiki"].wiki.storage
    return found


def web_save(client: FlaskClient, name: str, text: str) -> None:
    form = client.get(f"/{name}/-/edit").get_data(as_text=True)
    found = re.search(r'name="base" value="([0-9a-f]+)"', form)
    assert found
    token, base = csrf_token(client, f"/{name}/-/edit"), found.group(1)
    response = client.post(
        f"/{name}/-/edit", data={"content": text, "base": base, "csrf_token": token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def person_commits_a_new_file(repo: Path) -> str:
    """What the README invites: add a file and commit it with plain git."""
    (repo / "new.md").write_text("# New\n")
    git(repo, "add", "new.md")
    git(repo, "commit", "-q", "-m", "A new page from the folder")
    return git(repo, "show", "--name-only", "--format=", "HEAD")


def test_a_local_edit_never_lets_a_commit_undo_web_edits(
    wiki_app: Flask, repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with open(repo / "a.md", "a") as handle:
        handle.write("x\n")
    client = logged_in_client(wiki_app, "edna", "editor")
    with caplog.at_level(logging.WARNING, logger="masterywiki.git.worktree"):
        web_save(client, "a", "# A\n\nEdited on the web.\n")
        web_save(client, "b", "# B\n\nEdited on the web.\n")
        storage_of(wiki_app).wait_for_work_tree()

    assert person_commits_a_new_file(repo) == "new.md", "the commit holds the person's file only"
    assert git(repo, "show", "HEAD:a.md") == "# A\n\nEdited on the web."
    assert git(repo, "show", "HEAD:b.md") == "# B\n\nEdited on the web."
    # The clean file followed the branch; the edited one kept the person's text,
    # which shows as their change against the new HEAD.
    assert (repo / "b.md").read_text() == "# B\n\nEdited on the web.\n"
    assert (repo / "a.md").read_text() == "# A\n\nFirst.\nx\n"
    assert git(repo, "status", "--porcelain") == "M a.md"
    assert "+x" in git(repo, "diff", "a.md")
    assert any("a.md" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)

    health = client.get("/-/healthz").get_json()
    assert health["worktree"] == {"state": "diverged", "files": ["a.md"]}
    git(repo, "checkout", "--", "a.md")  # the person takes the web version
    assert client.get("/-/healthz").get_json()["worktree"] == {"state": "ok", "files": []}


def test_staged_changes_stay_staged_unless_the_wiki_changed_that_file(
    repo: Path, caplog: pytest.LogCaptureFixture
) -> None:
    commit_files(repo, {"c.md": "# C\n"})
    (repo / "c.md").write_text("# C\n\nStaged by the person.\n")
    (repo / "a.md").write_text("# A\n\nStaged, then edited again.\n")
    git(repo, "add", "c.md", "a.md")
    (repo / "a.md").write_text("# A\n\nOn disk only.\n")
    staged_a = git(repo, "rev-parse", ":a.md")
    storage = GitStorage(repo)
    editor = Editor(Wiki(storage), max_page_bytes=10_000)
    with caplog.at_level(logging.WARNING, logger="masterywiki.git.worktree"):
        editor.save("a", "# A\n\nWeb.\n", "", storage.head(), ADA)
        storage.wait_for_work_tree()

    assert git(repo, "diff", "--cached", "--name-only") == "c.md", "c.md is still staged"
    assert git(repo, "rev-parse", ":a.md") == git(repo, "rev-parse", "HEAD:a.md")
    assert (repo / "a.md").read_text() == "# A\n\nOn disk only.\n"
    # The staged text of a.md existed nowhere else: the log says where to find it.
    assert any(staged_a in r.getMessage() for r in caplog.records)
    git(repo, "commit", "-q", "-m", "The person's staged change")
    assert git(repo, "show", "HEAD:a.md") == "# A\n\nWeb."
    assert git(repo, "show", "HEAD:c.md") == "# C\n\nStaged by the person."
    assert storage.work_tree_status().files == ("a.md",)


def test_clean_files_follow_creates_renames_and_deletes(repo: Path) -> None:
    storage = GitStorage(repo)
    editor = Editor(Wiki(storage), max_page_bytes=10_000)
    editor.save("guide/new", "# New\n", "", storage.head(), ADA)
    editor.rename("b", "guide/b", ADA)
    editor.delete("a", ADA)
    storage.wait_for_work_tree()
    assert (repo / "guide/new.md").read_text() == "# New\n"
    assert not (repo / "a.md").exists() and not (repo / "b.md").exists()
    assert "redirect_from" in (repo / "guide/b.md").read_text()
    assert git(repo, "status", "--porcelain") == ""
    assert storage.work_tree_status().state == "ok"
    record = json.loads((storage.git_dir / RECORD_FILE).read_text())
    assert record["commit"] == storage.head()


def test_an_untracked_file_in_the_way_of_a_new_page_is_kept(repo: Path) -> None:
    (repo / "c.md").write_text("the person's own notes\n")
    storage = GitStorage(repo)
    editor = Editor(Wiki(storage), max_page_bytes=10_000)
    editor.save("c", "# C\n", "", storage.head(), ADA)
    storage.wait_for_work_tree()
    assert (repo / "c.md").read_text() == "the person's own notes\n"
    assert git(repo, "rev-parse", ":c.md") == git(repo, "rev-parse", "HEAD:c.md")
    assert storage.work_tree_status().files == ("c.md",)


def test_an_index_left_behind_by_an_older_version_catches_up(repo: Path) -> None:
    """Before the record file, a failed `read-tree` left the index at an old commit."""
    storage = GitStorage(repo)
    old = git(repo, "rev-parse", "HEAD")
    commit = storage.commit({"a.md": b"# A\n\nWeb, long ago.\n"}, "Old save", ADA, old)
    storage.wait_for_work_tree()
    # The index and file as the failed update left them, and no record of updates.
    git(repo, "read-tree", old)
    git(repo, "checkout-index", "-f", "a.md")
    (storage.git_dir / RECORD_FILE).unlink()
    assert git(repo, "rev-parse", ":a.md") != git(repo, "rev-parse", f"{commit}:a.md")

    editor = Editor(Wiki(storage), max_page_bytes=10_000)
    editor.save("b", "# B\n\nNow.\n", "", storage.head(), ADA)
    storage.wait_for_work_tree()
    person_commits_a_new_file(repo)
    assert git(repo, "show", "HEAD:a.md") == "# A\n\nWeb, long ago."
    assert git(repo, "show", "HEAD:b.md") == "# B\n\nNow."


@pytest.mark.parametrize("content", ["[]", "42", '{"commit": 7}', "{", '{"diverged": "a.md"}'])
def test_a_damaged_record_is_ignored(repo: Path, content: str) -> None:
    storage = GitStorage(repo)
    (storage.git_dir / RECORD_FILE).write_text(content)
    assert storage.work_tree_status().state == "ok"
    editor = Editor(Wiki(storage), max_page_bytes=10_000)
    editor.save("a", "# A\n\nWeb.\n", "", storage.head(), ADA)
    storage.wait_for_work_tree()
    assert (repo / "a.md").read_text() == "# A\n\nWeb.\n"
    assert git(repo, "status", "--porcelain") == ""


def test_a_bare_repository_has_no_work_tree(tmp_path: Path, repo: Path) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    assert GitStorage(bare).work_tree_status().as_dict() == {"state": "bare", "files": []}


def test_a_page_the_person_committed_here_follows_the_next_web_edit(repo: Path) -> None:
    storage = GitStorage(repo)
    editor = Editor(Wiki(storage), max_page_bytes=10_000)
    editor.save("b", "# B\n\nWeb.\n", "", storage.head(), ADA)  # the record of updates
    storage.wait_for_work_tree()
    commit_files(repo, {"a.md": "# A\n\nCommitted in the folder.\n"})
    editor.save("a", "# A\n\nThen edited on the web.\n", "", storage.head(), ADA)
    storage.wait_for_work_tree()
    assert (repo / "a.md").read_text() == "# A\n\nThen edited on the web.\n"
    assert git(repo, "status", "--porcelain") == ""
    assert storage.work_tree_status().state == "ok"


def test_with_a_local_change_kept_a_large_commit_follows_path_by_path(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a file keeps a local change, each update reads only the changed paths'
    index entries, a few paths to a git command: every one of them still follows."""
    monkeypatch.setattr("masterywiki.git.worktree.PATHS_PER_COMMAND", 2)
    storage = GitStorage(repo)
    editor = Editor(Wiki(storage), max_page_bytes=10_000)
    (repo / "a.md").write_text("# A\n\nKept on disk.\n")
    commit_files(repo, {"staged.md": "# Staged\n"} | {f"many/p{n}.md": "# Old\n" for n in range(5)})
    (repo / "staged.md").write_text("# Staged\n\nBy the person.\n")
    git(repo, "add", "staged.md")
    editor.save("a", "# A\n\nWeb.\n", "", storage.head(), ADA)
    storage.wait_for_work_tree()
    assert storage.work_tree_status().files == ("a.md",)

    changes: dict[str, bytes | None] = {f"many/p{n}.md": f"# P{n}\n".encode() for n in range(5)}
    changes["b.md"] = None
    with storage.write_lock():
        storage.commit(changes, "Five pages changed and one deleted", ADA, storage.head())
    storage.wait_for_work_tree()

    assert git(repo, "diff", "--cached", "--name-only") == "staged.md", "still staged"
    assert git(repo, "diff", "--name-only") == "a.md"
    assert [(repo / f"many/p{n}.md").read_text() for n in range(5)] == [
        f"# P{n}\n" for n in range(5)
    ]
    assert not (repo / "b.md").exists()
    assert (repo / "a.md").read_text() == "# A\n\nKept on disk.\n"
    assert storage.work_tree_status().files == ("a.md",)
