"""Writing blobs, trees and commits in-process, checked against git itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import git
from masterywiki.git import objects as gitobjects
from tests.conftest import git as run_git


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    run_git(tmp_path, "init", "-q", "-b", "main")
    return git.Repo(tmp_path)


def commit(repo: git.Repo, tree: bytes, parents: list[str], message: str) -> str:
    return gitobjects.write_commit(
        repo, tree, parents, message, author=("Ada <Coach>", "ada@example.org"),
        committer=("masterywiki", "wiki@masterywiki.invalid"),
    )  # fmt: skip


def test_trees_and_commits_are_what_git_reads(repo: git.Repo) -> None:
    root = Path(repo.working_dir)
    tree = gitobjects.write_tree(
        repo, None, {"guide/first.md": b"# One\n", "index.md": b"# Home\n"}
    )
    first = commit(repo, tree, [], "first")
    tree = gitobjects.write_tree(
        repo, gitobjects.tree_of(repo, first), {"guide/first.md": None, "guide-x.md": b"x"}
    )
    second = commit(repo, tree, [first], "second\n\nwith a body")
    run_git(root, "update-ref", "refs/heads/main", second)
    # an emptied folder disappears; git's own order puts "guide-x.md" before "guide/"
    assert run_git(root, "ls-tree", "-r", "--name-only", "main").splitlines() == [
        "guide-x.md",
        "index.md",
    ]
    assert run_git(root, "log", "--format=%an|%ae|%cn|%s|%P", "main").splitlines() == [
        f"Ada Coach|ada@example.org|masterywiki|second|{first}",
        "Ada Coach|ada@example.org|masterywiki|first|",
    ]
    assert run_git(root, "show", f"{first}:guide/first.md") == "# One"
    run_git(root, "fsck", "--strict")


def test_objects_are_written_without_starting_git(
    repo: git.Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_git(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "Popen", no_git)
    monkeypatch.setattr(git.cmd, "safer_popen", no_git)  # how GitPython starts git
    tree = gitobjects.write_tree(repo, None, {f"s/{n}.md": b"%d" % n for n in range(20)})
    commit(repo, tree, [], "twenty pages, one process-free commit")
    monkeypatch.undo()
    run_git(Path(repo.working_dir), "fsck", "--strict")


def test_writing_an_object_that_exists_keeps_it(repo: git.Repo) -> None:
    one = gitobjects.write_tree(repo, None, {"a.md": b"same\n"})
    two = gitobjects.write_tree(repo, None, {"a.md": b"same\n"})
    assert one == two
    blob = run_git(Path(repo.working_dir), "rev-parse", f"{one.hex()}:a.md")
    assert run_git(Path(repo.working_dir), "cat-file", "-p", blob) == "same"


def test_tree_entries_read_what_git_wrote_and_a_rewrite_keeps_odd_names(repo: git.Repo) -> None:
    root = Path(repo.working_dir)
    odd = "caf\xe9 notes.md".encode("latin-1")  # not UTF-8: must come back byte for byte
    (root / "a b.md").write_text("x")
    (root / "sub").mkdir()
    (root / "sub" / "n.md").write_text("y")
    (root / odd.decode("utf-8", "surrogateescape")).write_bytes(b"z")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", "odd names")
    head = run_git(root, "rev-parse", "HEAD").strip()
    raw = repo.odb.stream(gitobjects.tree_of(repo, head)).read()
    entries = gitobjects.tree_entries(raw)
    assert entries["a b.md"][1] == gitobjects.FILE_MODE
    assert entries["sub"][1] == gitobjects.TREE_MODE
    assert len(entries) == 3 and odd.decode("utf-8", "surrogateescape") in entries
    # Rewriting one file keeps every other entry exactly: the same tree as git's.
    tree = gitobjects.write_tree(repo, gitobjects.tree_of(repo, head), {"sub/n.md": b"y2"})
    (root / "sub" / "n.md").write_text("y2")
    run_git(root, "add", "-A")
    assert run_git(root, "write-tree").strip() == tree.hex()


def test_additions_removals_and_a_file_giving_way_to_a_folder_match_git(repo: git.Repo) -> None:
    root = Path(repo.working_dir)
    files = {"a": "file a", "a.md": "x", "a-b.md": "y", "b/only.md": "z", "m/1.md": "1"}
    for name, text in files.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(text)
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", "start")
    head = run_git(root, "rev-parse", "HEAD").strip()
    changes: dict[str, bytes | None] = {
        "a/inside.md": b"a folder now",  # the file "a" gives way: sorted as "a/" by git
        "b/only.md": None,  # the folder empties and goes
        "a-a.md": b"new, between others",
        "m/0.md": b"new first in its folder",
        "zz.md": b"new last",
    }
    diff = gitobjects.TreeDiff()
    tree = gitobjects.write_tree(repo, gitobjects.tree_of(repo, head), changes, diff)
    (root / "a").unlink()
    for name, content in changes.items():
        if content is None:
            (root / name).unlink()
        else:
            (root / name).parent.mkdir(exist_ok=True)
            (root / name).write_bytes(content)
    run_git(root, "add", "-A")
    assert run_git(root, "write-tree").strip() == tree.hex()
    assert sorted(diff.files) == ["a", "a-a.md", "a/inside.md", "b/only.md", "m/0.md", "zz.md"]
    assert diff.files["a"][1] is None and diff.files["b/only.md"][1] is None
