"""A page's log across renames, from path-limited logs, as `git log --follow` gives it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki.git.storage import GitStorage
from tests.conftest import commit_files, git

BODY = "# Grading policy\n\n" + "".join(f"Line {n} of the policy text.\n" for n in range(40))


@pytest.fixture
def renamed_twice(repo_factory: Callable[..., Path]) -> Path:
    """grading.md, edited, renamed to policy/grading.md, edited, renamed again (with an
    edit in the same commit), deleted and written anew under its first name, and other
    files changing all along."""
    repo = repo_factory({"grading.md": BODY, "other.md": "# Other\n"})
    for n in range(3):
        commit_files(repo, {"grading.md": BODY + f"Edit {n}.\n", "other.md": f"# Other {n}\n"})
    (repo / "policy").mkdir()
    git(repo, "mv", "grading.md", "policy/grading.md")
    git(repo, "commit", "-q", "-m", "move")
    commit_files(repo, {"policy/grading.md": BODY + "Moved.\n", "other.md": "# Other x\n"})
    git(repo, "mv", "policy/grading.md", "policy/marks.md")
    (repo / "policy" / "marks.md").write_text(BODY + "Moved and edited.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "rename and edit")
    commit_files(repo, {"policy/marks.md": None})
    commit_files(repo, {"grading.md": "# A new page\n"})
    return repo


@pytest.mark.parametrize("path", ["policy/marks.md", "grading.md", "other.md", "nowhere.md"])
def test_follow_log_is_git_log_follow(renamed_twice: Path, path: str) -> None:
    storage = GitStorage(renamed_twice)
    try:
        # The whole of `--follow`'s list, then cut: git's own --skip and --max-count with
        # --follow count commits that do not touch the file (its pages of history were
        # off by those).
        whole = storage.log([path], follow=True, limit=1000)
        for skip, limit in [(0, 50), (0, 1), (1, 2), (2, 3), (5, 50), (0, 4), (7, 1)]:
            expected = whole[skip : skip + limit]
            assert storage.follow_log(path, skip=skip, limit=limit) == expected, (skip, limit)
        head = git(renamed_twice, "rev-parse", "HEAD~3").strip()
        expected = storage.log([path], rev=head, follow=True, limit=50)
        assert storage.follow_log(path, rev=head) == expected
    finally:
        storage.close()


def test_a_rename_shows_where_the_file_came_from(renamed_twice: Path) -> None:
    storage = GitStorage(renamed_twice)
    try:
        rows = storage.follow_log("policy/marks.md")
        renames = [files for row in rows for status, files in row.files if status == "R"]
        assert renames == [
            "policy/grading.md -> policy/marks.md",
            "grading.md -> policy/grading.md",
        ]
        assert rows[-1].files == (("A", "grading.md"),)
    finally:
        storage.close()


def test_the_commit_graph_is_written_with_changed_path_filters(renamed_twice: Path) -> None:
    storage = GitStorage(renamed_twice)
    try:
        before = storage.follow_log("policy/marks.md")
        assert storage.write_commit_graph()
        chain = renamed_twice / ".git" / "objects" / "info" / "commit-graphs"
        assert (chain / "commit-graph-chain").is_file()
        git(renamed_twice, "commit-graph", "verify")
        assert storage.follow_log("policy/marks.md") == before  # the same answer, faster
        commit_files(renamed_twice, {"policy/marks.md": "# Back\n"})
        assert storage.write_commit_graph()  # new commits as a new layer
        git(renamed_twice, "commit-graph", "verify")
        assert [r.files for r in storage.follow_log("policy/marks.md", limit=1)] == [
            (("A", "policy/marks.md"),)
        ]
    finally:
        storage.close()
