"""Releases of a wiki: made at HEAD, and the pages that differ between two of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from masterywiki.errors import InvalidReleaseName, RevisionNotFound
from masterywiki.git.releases import FileChange
from masterywiki.git.storage import Author, GitStorage
from masterywiki.repository.releases import PageChange, Releases, page_change
from masterywiki.repository.wiki import Wiki
from tests.conftest import commit_files, git

ADA = Author("Ada Admin", "ada@example.org")


def test_pages_added_changed_moved_and_removed_between_releases(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    releases = Releases(wiki)
    releases.create("2025-26", "first year", ADA)
    git(basic_repo, "mv", "guide/second.md", "guide/later.md")
    commit_files(basic_repo, {
        "guide/first.md": "# First Chapter\n\nchanged\n",
        "guide/new.md": "---\ntitle: A New Page\n---\n# A New Page\n",
        "glossary/rubric.md": None,
        "guide/first.comments.jsonl": "{}\n",  # not a page: left out
    }, "a year of changes")  # fmt: skip
    releases.create("2026-27", "", ADA)
    comparison = releases.compare("2025-26", "2026-27")
    assert [(c.kind, c.name, c.old_name, c.title) for c in comparison.changes] == [
        ("added", "guide/new", "guide/new", "A New Page"),
        ("changed", "guide/first", "guide/first", "First Chapter"),
        ("moved", "guide/later", "guide/second", "Second"),
        ("removed", "glossary/rubric", "glossary/rubric", "glossary/rubric"),
    ]
    assert comparison.count("moved") == 1
    assert releases.compare("2026-27", "2026-27").changes == ()
    with pytest.raises(RevisionNotFound, match="no release called 'nope'"):
        releases.compare("2025-26", "nope")
    wiki.storage.close()


def test_a_bad_name_is_refused_before_anything_else(tmp_path: Path) -> None:
    git_dir = tmp_path / "empty"
    git_dir.mkdir()
    git(git_dir, "init", "-q", "-b", "main")
    releases = Releases(Wiki(GitStorage(git_dir)))
    with pytest.raises(InvalidReleaseName):
        releases.create("a b", "", ADA)
    with pytest.raises(RevisionNotFound, match="no commits yet"):
        releases.create("v1", "", ADA)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (FileChange("A", "a/b.md", "a/b.md"), PageChange("added", "a/b", "a/b", "B")),
        (FileChange("M", "a/index.md", "a/index.md"), PageChange("changed", "a", "a", "a")),
        (FileChange("D", "a/b.md", "a/b.md"), PageChange("removed", "a/b", "a/b", "B")),
        (FileChange("R", "c.md", "a/b.md"), PageChange("moved", "c", "a/b", "c")),
        (FileChange("R", "a/b/index.md", "a/b.md"), PageChange("changed", "a/b", "a/b", "B")),
        (FileChange("R", "notes.txt", "a/b.md"), PageChange("removed", "a/b", "a/b", "B")),
        (FileChange("R", "a/b.md", "notes.txt"), PageChange("added", "a/b", "a/b", "B")),
        (FileChange("M", "a/b.files/x.png", "a/b.files/x.png"), None),
    ],
)
def test_page_change_of_each_file_change(change: FileChange, expected: PageChange | None) -> None:
    assert page_change(change, {"a/b": "B"}) == expected
