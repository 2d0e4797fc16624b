"""One file's changes across renames, with a trailer of each message, read as a stream."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki.git.pagelog import file_changes
from masterywiki.git.storage import GitStorage
from tests.conftest import commit_files, git


def test_changes_newest_first_with_the_trailer_and_moves_that_keep_the_text(
    repo_factory: Callable[..., Path],
) -> None:
    repo = repo_factory({"a.md": "one\n" * 20, "other.md": "x\n"})
    commit_files(repo, {"a.md": "one\n" * 20 + "two\n"}, "Typo\n\nMinor-change: yes")
    git(repo, "mv", "a.md", "b.md")
    git(repo, "commit", "-q", "-m", "Move a to b")
    commit_files(repo, {"other.md": "y\n"}, "Not this file")
    storage = GitStorage(repo)
    head = storage.head()
    assert head is not None
    found = list(file_changes(storage, "b.md", head, "Minor-change"))
    assert [(c.path, c.trailer, c.moved_only) for c in found] == [
        ("b.md", "", True),
        ("a.md", "yes", False),
        ("a.md", "", False),
    ]
    assert found[0].commit == git(repo, "rev-parse", "HEAD~1")
    storage.close()


def test_the_stream_stops_when_the_caller_does(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"a.md": "1\n"})
    for number in range(2, 6):
        commit_files(repo, {"a.md": f"{number}\n"}, f"Edit {number}")
    storage = GitStorage(repo)
    changes = file_changes(storage, "a.md", storage.head() or "", "Minor-change")
    assert next(changes).trailer == ""
    changes.close()  # git is stopped; nothing is left running or open
    storage.close()


def test_a_trailer_key_is_checked() -> None:
    with pytest.raises(ValueError, match="trailer"):
        next(file_changes(GitStorage.__new__(GitStorage), "a.md", "HEAD", "x)%(body"))
