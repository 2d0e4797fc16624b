"""Several processes saving at once lose nothing; a killed save never wedges the wiki."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from masterywiki.git.storage import Author, GitStorage
from masterywiki.repository.edits import Editor
from masterywiki.repository.wiki import Wiki
from tests.conftest import commit_files, git

WORKERS = 4
SAVES_EACH = 50
SHARED = "shared/page"


def shared_text(counters: list[int]) -> str:
    # Two unchanged lines between the workers' lines keep their edits mergeable.
    blocks = [f"worker {i}: {count}\n\n---\n" for i, count in enumerate(counters)]
    return "# Shared\n\n" + "\n".join(blocks)


def save_many(repo: str, worker: int) -> None:
    editor = Editor(Wiki(GitStorage(repo)), max_page_bytes=100_000)
    author = Author(f"Worker {worker}", f"w{worker}@example.org")
    for n in range(1, SAVES_EACH + 1):
        if n % 2:
            snapshot = editor.wiki.refresh()  # text and base from the same commit
            base = snapshot.commit
            text = editor.wiki.source(snapshot.catalog.pages[SHARED])
            text = text.replace(f"worker {worker}: {n - 2 if n > 1 else 0}\n",
                                f"worker {worker}: {n}\n")  # fmt: skip
            editor.save(SHARED, text, f"w{worker} shared {n}", base, author)
        else:
            base = editor.wiki.refresh().commit
            editor.save(
                f"own/w{worker}", f"# Mine\n\nsave {n}\n", f"w{worker} own {n}", base, author
            )
    editor.storage.close()  # lets the last background work-tree sync finish


def test_parallel_saves_all_land(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit_files(repo, {"shared/page.md": shared_text([0] * WORKERS)}, "start")
    start = git(repo, "rev-parse", "HEAD")
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=save_many, args=(str(repo), i)) for i in range(WORKERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    assert int(git(repo, "rev-list", "--count", f"{start}..HEAD")) == WORKERS * SAVES_EACH
    subjects = set(git(repo, "log", "--format=%s", f"{start}..HEAD").splitlines())
    for worker in range(WORKERS):
        for n in range(1, SAVES_EACH + 1):
            kind = "shared" if n % 2 else "own"
            assert f"w{worker} {kind} {n}" in subjects
    final = git(repo, "show", "HEAD:shared/page.md") + "\n"
    assert final == shared_text([SAVES_EACH - 1] * WORKERS)
    git(repo, "fsck", "--strict")


def stall_mid_commit(repo: str, ready: Path) -> None:
    """Start a save and stop dead after git took its ref lock, as a crash would."""
    storage = GitStorage(repo)
    editor = Editor(Wiki(storage), max_page_bytes=100_000)
    original = storage._git

    def slow_git(env: object, *args: str, input: bytes | None = None) -> str:
        if args[0] == "update-ref":
            (storage.git_dir / "refs/heads/main.lock").write_text("")
            ready.write_text("stalled")
            time.sleep(600)
        return original(env, *args, input=input)  # type: ignore[arg-type]

    storage._git = slow_git  # type: ignore[assignment,method-assign]
    editor.save(
        "guide/first", "# Lost in the crash\n", "doomed", storage.head(), Author("X", "x@x")
    )


@pytest.mark.parametrize("leave_index_lock", [False, True])
def test_killed_save_leaves_the_wiki_able_to_save(basic_repo: Path, tmp_path: Path,
                                                  leave_index_lock: bool) -> None:  # fmt: skip
    before = git(basic_repo, "rev-parse", "HEAD")
    ready = tmp_path / "ready"
    process = multiprocessing.get_context("fork").Process(
        target=stall_mid_commit, args=(str(basic_repo), ready)
    )
    process.start()
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    if leave_index_lock:
        (basic_repo / ".git/index.lock").write_text("")
    assert process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    process.join()

    editor = Editor(Wiki(GitStorage(basic_repo)), max_page_bytes=100_000)
    result = editor.save("guide/first", "# Saved after the crash\n", "after", before,
                         Author("Ada", "ada@example.org"))  # fmt: skip
    assert result.changed
    assert git(basic_repo, "log", "--format=%s", f"{before}..HEAD").splitlines() == ["after"]
    assert git(basic_repo, "rev-parse", "HEAD~1") == before, "no commit was lost"
    git(basic_repo, "fsck", "--strict")


def upload_many(repo: str, worker: int) -> None:
    from masterywiki.repository.attachments import Attachments

    attachments = Attachments(Editor(Wiki(GitStorage(repo)), 100_000), max_bytes=100_000)
    author = Author(f"Worker {worker}", f"w{worker}@example.org")
    for n in range(10):
        data = b"\x89PNG\r\n\x1a\n" + f"worker {worker} file {n}".encode()
        attachments.upload(SHARED, f"w{worker}-{n}.png", data, author)
    attachments.storage.close()


def test_parallel_uploads_to_one_page_all_land(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit_files(repo, {"shared/page.md": "# Shared\n"}, "start")
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=upload_many, args=(str(repo), i)) for i in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    stored = git(repo, "ls-tree", "--name-only", "HEAD", "shared/page.files/").splitlines()
    assert len(stored) == 30
    expected = len(b"\x89PNG\r\n\x1a\n" + b"worker 2 file 9")
    assert git(repo, "cat-file", "-s", "HEAD:shared/page.files/w2-9.png") == str(expected)
    git(repo, "fsck", "--strict")
