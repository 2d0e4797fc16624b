"""Release tags in a real repository: names checked, made, listed, resolved, compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from masterywiki.errors import InvalidReleaseName, ReleaseExists, RevisionNotFound
from masterywiki.git import releases
from masterywiki.git.storage import Author, GitStorage
from tests.conftest import commit_files, git

ADA = Author("Ada Admin", "ada@example.org")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("", "Give the release a name"),
        ("   ", "Give the release a name"),
        ("2025 26", "without spaces or '/'"),
        ("a/b", "without spaces or '/'"),
        ("x" * 101, "at most 100 characters"),
        ("abc123", "looks like a commit id"),
        ("deadbeef", "looks like a commit id"),
        ("a..b", "not a valid git tag name"),
        (".hidden", "start it with a letter or a digit"),
        ("-rf", "start it with a letter or a digit"),
        ("name.lock", "not a valid git tag name"),
        ("what?", "not a valid git tag name"),
        ("a~1", "not a valid git tag name"),
        ("a^", "not a valid git tag name"),
        ("a:b", "not a valid git tag name"),
        ("ends.", "not a valid git tag name"),
        ("a@{b", "not a valid git tag name"),
    ],
)
def test_a_name_that_is_not_a_valid_ref_is_refused_with_the_reason(name: str, says: str) -> None:
    with pytest.raises(InvalidReleaseName) as raised:
        releases.check_name(name)
    assert says in raised.value.message
    assert raised.value.status == 400


@pytest.mark.parametrize("name", ["2025-26-adopted", "v1", "Spring_2026", "1.0", "fall-2026.rc1"])
def test_good_names_pass(name: str) -> None:
    assert releases.check_name(name) == name


def test_a_release_is_an_annotated_tag_listed_newest_first(basic_repo: Path) -> None:
    storage = GitStorage(basic_repo)
    first = storage.head()
    assert first is not None
    made = releases.create_release(
        storage, "2025-26-adopted", first, "Adopted\n\nby the board", ADA
    )
    assert made.commit == first and made.tagger == "Ada Admin"
    assert made.message == "Adopted\n\nby the board"
    assert git(basic_repo, "cat-file", "-t", "release/2025-26-adopted") == "tag"
    assert "Ada Admin <ada@example.org>" in git(
        basic_repo, "cat-file", "-p", "release/2025-26-adopted"
    )
    second = commit_files(basic_repo, {"guide/first.md": "# First\n\nnew\n"})
    releases.create_release(storage, "2026-27", second, "", ADA)
    listed = releases.list_releases(storage)
    assert [r.name for r in listed] in (
        ["2026-27", "2025-26-adopted"],
        ["2025-26-adopted", "2026-27"],
    )
    by_name = {r.name: r for r in listed}
    assert by_name["2026-27"].message == "Release 2026-27"  # a default message
    assert releases.resolve(storage, "2026-27") == second
    assert releases.resolve(storage, first[:10]) == first
    storage.close()


def test_a_second_release_of_the_same_name_is_refused(basic_repo: Path) -> None:
    storage = GitStorage(basic_repo)
    head = storage.head()
    assert head is not None
    releases.create_release(storage, "v1", head, "one", ADA)
    with pytest.raises(ReleaseExists, match="already a release called 'v1'"):
        releases.create_release(storage, "v1", head, "two", ADA)
    assert [r.message for r in releases.list_releases(storage)] == ["one"]
    storage.close()


def test_unknown_names_and_other_tags_are_not_releases(basic_repo: Path) -> None:
    git(basic_repo, "tag", "not-a-release")
    git(basic_repo, "tag", "release/lightweight")  # made by hand: still a release
    storage = GitStorage(basic_repo)
    assert [r.name for r in releases.list_releases(storage)] == ["lightweight"]
    assert releases.release_commit(storage, "not-a-release") is None
    with pytest.raises(RevisionNotFound, match="no release or revision called 'nope'"):
        releases.resolve(storage, "nope")
    storage.close()


def test_changed_files_between_two_commits(basic_repo: Path) -> None:
    storage = GitStorage(basic_repo)
    old = storage.head()
    assert old is not None
    text = (basic_repo / "guide" / "second.md").read_text()
    git(basic_repo, "mv", "guide/second.md", "guide/later.md")
    commit_files(basic_repo, {"guide/first.md": "# First\n\nchanged\n", "guide/new.md": "# New\n",
                              "glossary/rubric.md": None}, "many")  # fmt: skip
    new = storage.head()
    assert new is not None and (basic_repo / "guide" / "later.md").read_text() == text
    found = {(c.status, c.path, c.old_path) for c in releases.changed_files(storage, old, new)}
    assert found == {
        ("M", "guide/first.md", "guide/first.md"),
        ("A", "guide/new.md", "guide/new.md"),
        ("D", "glossary/rubric.md", "glossary/rubric.md"),
        ("R", "guide/later.md", "guide/second.md"),
    }
    storage.close()


def test_parse_releases_skips_tags_of_other_objects() -> None:
    out = (
        "refs/tags/release/a\x1ftag\x1f1111\x1f2222\x1fAda\x1f1700000000\x1fmsg\n\x1e\n"
        "refs/tags/release/b\x1ftag\x1f3333\x1f\x1fAda\x1f1700000000\x1fa tree\x1e\n"
        "refs/tags/release/c\x1fcommit\x1f4444\x1f\x1f\x1f1700000001\x1f\x1e"
    )
    found = releases.parse_releases(out)
    assert [(r.name, r.commit, r.message) for r in found] == [
        ("a", "2222", "msg"),
        ("c", "4444", ""),
    ]
