"""What a process remembers of the commits it wrote answers exactly as git does."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from masterywiki.git.storage import Author, GitStorage
from masterywiki.git.written import WrittenCommits, plain_subject
from tests.conftest import git as run_git

ADA = Author("Ada <Coach>", "ada@example.org")

# Each step: (changes, message). Together they touch every shape write_tree meets.
STEPS: list[tuple[dict[str, bytes | None], str]] = [
    ({"index.md": b"# Home\n", "guide/first.md": b"# One\n"}, "First pages"),
    ({"guide/first.md": b"# One, edited\n"}, "Edit one page"),
    ({"guide/deep/er/page.md": b"deep\n", "guide/first.md": b"# One, edited\n"}, "New folder"),
    ({"guide/deep/er/page.md": None}, "Delete the only page of a folder"),
    ({"missing.md": None, "index.md": b"# Home\n"}, "Delete nothing, keep the same text"),
    ({"index.md": b"# Home again\n"}, "Summary line\n\nA body.\n\nMinor-Edit: yes"),
    ({"index.md": b"# Home\n"}, "Back as it was"),
    ({"notes": b"a file\n"}, "  Spaces around the subject  "),
    ({"notes": None, "notes/one.md": b"now a folder\n"}, "A file gives way to a folder"),
    ({"caf\u00e9/\u00e9t\u00e9.md": "\u00e9t\u00e9\n".encode()}, "Two lines\nof subject"),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    run_git(tmp_path, "init", "-q", "-b", "main")
    return tmp_path


def commits_made(storage: GitStorage) -> list[str]:
    tips = []
    for changes, message in STEPS:
        with storage.write_lock():
            tips.append(storage.commit(changes, message, ADA, storage.head()))
    return tips


def test_a_writers_answers_are_gits_for_every_pair_of_its_commits(repo: Path) -> None:
    writer = GitStorage(repo)
    tips = commits_made(writer)
    fresh = GitStorage(repo)  # remembers nothing: asks git
    assert not fresh.written.blobs([fresh.tree(tips[0])["index.md"]])
    for old, new in itertools.combinations_with_replacement(tips, 2):
        assert writer.changed_files(old, new) == fresh.changed_files(old, new)
        assert writer.is_ancestor(old, new) == fresh.is_ancestor(old, new)
        assert writer.last_changes(new, since=old) == fresh.last_changes(new, since=old)
    for old, new in itertools.combinations(tips, 2):  # the other way round: git answers
        assert writer.is_ancestor(new, old) is fresh.is_ancestor(new, old) is False
    blobs = set(fresh.tree(tips[-1]).values())
    assert writer.read_blobs(blobs) == fresh.read_blobs(blobs)


def test_the_answers_come_from_memory_where_they_can(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GitStorage(repo)
    tips = commits_made(writer)
    kept = writer.written
    assert kept.changed_files(tips[0], tips[6]) == {
        "guide/first.md": writer.tree(tips[6])["guide/first.md"]
    }  # index.md changed and changed back: not a difference, as for git
    assert kept.last_changes(tips[6], tips[5]) is not None
    # Subjects git would not give as the first line are left to git.
    assert kept.last_changes(tips[7], tips[6]) is None
    assert kept.last_changes(tips[9], tips[8]) is None
    # A file that gave way to a folder is known too: git lists both.
    assert kept.changed_files(tips[7], tips[8]) == {
        "notes": None,
        "notes/one.md": writer.tree(tips[8])["notes/one.md"],
    }

    def no_git(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"git was started: {args}")

    monkeypatch.setattr(subprocess, "run", no_git)
    monkeypatch.setattr(subprocess, "Popen", no_git)
    assert writer.changed_files(tips[1], tips[5])
    assert writer.is_ancestor(tips[1], tips[5])
    assert writer.last_changes(tips[5], since=tips[1])
    assert writer.read_blobs([writer.written.changed_files(tips[4], tips[5])["index.md"]]) == {
        writer.written.changed_files(tips[4], tips[5])["index.md"]: b"# Home again\n"
    }


def test_a_folder_replaced_whole_is_left_to_git(repo: Path) -> None:
    writer = GitStorage(repo)
    with writer.write_lock():
        first = writer.commit({"a/one.md": b"1", "a/two.md": b"2"}, "two pages", ADA, None)
    with writer.write_lock():
        second = writer.commit({"a": b"a file now"}, "a file", ADA, first)
    assert writer.written.changed_files(first, second) is None
    assert writer.changed_files(first, second) == GitStorage(repo).changed_files(first, second)


def test_only_the_newest_commits_are_kept() -> None:
    kept = WrittenCommits(keep=2)
    from masterywiki.git.written import Written

    for n in range(4):
        written = Written(f"c{n}", f"c{n - 1}" if n else None, {"p": (None, (f"b{n}", 0))}, None)
        kept.remember(written, {f"b{n}": b"%d" % n})
    assert kept.blobs(["b3", "b2"]) == {"b3": b"3", "b2": b"2"}
    assert kept.blobs(["b1"]) is None
    assert kept.is_ancestor("c1", "c3") is True
    assert kept.is_ancestor("c0", "c3") is None  # c1 is forgotten: ask git


@pytest.mark.parametrize(
    ("message", "subject"),
    [
        ("Save", "Save"),
        ("Save\n\nbody", "Save"),
        ("Save\n", "Save"),
        ("Save\nmore", None),
        (" Save", None),
        ("Save ", None),
        ("", None),
        ("\nSave", None),
    ],
)
def test_plain_subjects(message: str, subject: str | None) -> None:
    assert plain_subject(message) == subject
