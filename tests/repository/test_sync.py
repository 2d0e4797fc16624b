"""Git sync between servers through a central bare repository: push, merge, never lose."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from masterywiki.content.catalog import Catalog
from masterywiki.content.check import diagnose, sync_conflict_findings
from masterywiki.discussion.comments import parse as parse_comments
from masterywiki.discussion.service import CommentService, Policy
from masterywiki.git.remote import RemoteUnavailable, clone_repository
from masterywiki.git.storage import Author, GitStorage
from masterywiki.people.accounts import User
from masterywiki.repository.edits import Editor
from masterywiki.repository.sync import Sync, redact
from masterywiki.repository.treemerge import fence_conflicts, flag, split_front_matter, union_lines
from masterywiki.repository.wiki import Wiki
from tests.conftest import DATA, git, make_repo

ADA = Author("Ada", "ada@example.org")
EDITOR = User("ada", "Ada", "ada@example.org", "editor")


@dataclass
class Server:
    storage: GitStorage
    wiki: Wiki
    editor: Editor
    comments: CommentService
    sync: Sync

    def save(self, name: str, text: str, summary: str = "") -> str:
        result = self.editor.save(name, text, summary, self.storage.head(), ADA)
        assert result.commit is not None
        return result.commit

    def text(self, name: str) -> str:
        return self.wiki.source(self.wiki.refresh().catalog.pages[name])


class Central:
    """A bare repository that refuses non-fast-forward updates, with a log of its tips."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tips: list[str] = []

    def tip(self) -> str:
        found = git(self.path, "rev-parse", "refs/heads/main")
        if not self.tips or self.tips[-1] != found:
            self.tips.append(found)
        return found

    def assert_never_rewritten(self) -> None:
        self.tip()
        for old, new in zip(self.tips, self.tips[1:], strict=False):
            git(self.path, "merge-base", "--is-ancestor", old, new)  # raises if not


@pytest.fixture
def central(tmp_path: Path) -> Central:
    seed = make_repo(tmp_path / "seed", source=DATA / "basic")
    path = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(path))
    git(path, "config", "receive.denyNonFastForwards", "true")
    found = Central(path)
    found.tip()
    return found


@pytest.fixture
def server(tmp_path: Path, central: Central) -> Iterator[Callable[[str], Server]]:
    made: list[Server] = []

    def build(name: str) -> Server:
        storage = clone_repository(str(central.path), tmp_path / name, "main")
        wiki = Wiki(storage)
        found = Server(
            storage,
            wiki,
            Editor(wiki, 100_000),
            CommentService(wiki, Policy()),
            Sync(storage, str(central.path), "main", fetch_interval=0, max_backoff=0.2),
        )
        made.append(found)
        return found

    yield build
    for found in made:
        found.sync.close()
        found.storage.close()


def synced(*servers: Server) -> None:
    for _ in range(2):  # the second pass brings the first ones the later merges
        for found in servers:
            found.sync.sync_now()


def test_a_save_is_pushed(server: Callable[[str], Server], central: Central) -> None:
    a = server("a")
    commit = a.save("guide/first", "# First\n\nNew text.\n")
    assert a.sync.pending()
    a.sync.sync_now()
    assert central.tip() == commit
    assert not a.sync.pending()
    assert a.sync.status().ahead == 0


def test_a_refused_push_fetches_merges_and_pushes(
    server: Callable[[str], Server], central: Central
) -> None:
    a, b = server("a"), server("b")
    a.save("guide/first", "# First\n\nFrom A.\n")
    b.save("guide/second", "# Second\n\nFrom B.\n")
    a.sync.sync_now()
    central.tip()
    b.sync.sync_now()  # refused at first: A pushed meanwhile
    synced(a, b)
    assert a.storage.head() == b.storage.head() == central.tip()
    assert "From A." in b.text("guide/first") and "From B." in a.text("guide/second")
    parents = git(central.path, "log", "-1", "--format=%P", "main").split()
    assert len(parents) == 2, "a merge commit keeps both sides' history"
    central.assert_never_rewritten()
    git(central.path, "fsck", "--strict")


def test_edits_to_different_parts_of_one_page_merge(
    server: Callable[[str], Server], central: Central
) -> None:
    a, b = server("a"), server("b")
    start = a.text("guide/first")
    a.save("guide/first", start.replace("# First Chapter", "# First Chapter (edited on A)"))
    b.save("guide/first", start + "\nA paragraph added on B.\n")
    synced(a, b)
    merged = a.text("guide/first")
    assert "(edited on A)" in merged and "added on B" in merged
    assert "sync_conflict" not in merged
    central.assert_never_rewritten()


def test_comments_on_both_servers_are_all_kept(
    server: Callable[[str], Server], central: Central
) -> None:
    a, b = server("a"), server("b")
    first = a.comments.post("guide/first", "Before the split", EDITOR)
    synced(a, b)
    on_a = [a.comments.post("guide/first", f"A says {n}", EDITOR) for n in range(3)]
    on_b = [b.comments.post("guide/first", f"B says {n}", EDITOR) for n in range(3)]
    synced(a, b)
    data = git(central.path, "show", "main:guide/first.comments.jsonl").encode() + b"\n"
    comments, problems = parse_comments(data)
    assert problems == ()
    ids = [c.id for c in comments]
    assert sorted(ids) == sorted(c.id for c in [first, *on_a, *on_b])
    assert ids[0] == first.id, "published records keep their order"
    shown = a.comments.page("guide/first")[1]
    assert {c.body for c in shown.comments} >= {"A says 2", "B says 0"}


def test_a_true_conflict_keeps_both_texts_and_is_flagged(
    server: Callable[[str], Server], central: Central
) -> None:
    a, b = server("a"), server("b")
    start = a.text("guide/first")
    a.save("guide/first", start.replace("See [the second]", "Read [the second]"))
    b.save("guide/first", start.replace("See [the second]", "Compare [the second]"))
    synced(a, b)
    merged = b.text("guide/first")
    assert a.storage.head() == b.storage.head()
    assert "Read [the second]" in merged and "Compare [the second]" in merged
    front, body = split_front_matter(merged)
    assert front is not None and "sync_conflict: true" in front and "title: First Chapter" in front
    assert "Sync conflict" in body
    catalog = b.wiki.refresh().catalog
    assert catalog.pages["guide/first"].title == "First Chapter", "the page still renders"
    findings = sync_conflict_findings(catalog)
    assert [(f.path, f.severity) for f in findings] == [("guide/first.md", "error")]
    assert findings[0] in diagnose(catalog, {}, [])
    message = git(central.path, "log", "-1", "--format=%B", "main")
    assert "Sync-Conflict: guide/first.md" in message


def test_a_front_matter_conflict_keeps_both_front_matters(
    server: Callable[[str], Server], central: Central
) -> None:
    a, b = server("a"), server("b")
    start = a.text("guide/first")
    a.save("guide/first", start.replace("title: First Chapter", "title: Chapter One"))
    b.save("guide/first", start.replace("title: First Chapter", "title: The First"))
    synced(a, b)
    merged = a.text("guide/first")
    front, body = split_front_matter(merged)
    assert front is not None and "sync_conflict: true" in front
    assert "title: Chapter One" in front, "the side pushed first stays in the front matter"
    assert "title: The First" in body and "# First Chapter" in body
    assert a.wiki.refresh().catalog.pages["guide/first"].title == "Chapter One"


def test_credentials_in_a_remote_url_never_reach_logs_or_health() -> None:
    text = "fatal: unable to access 'https://ada:tok3n@git.example.org/wiki.git/': 403"
    assert redact(text) == "fatal: unable to access 'https://***@git.example.org/wiki.git/': 403"
    assert (
        redact("git@git.example.org:district/wiki.git") == "git@git.example.org:district/wiki.git"
    )


def test_an_edit_on_one_server_and_a_delete_on_another_keeps_the_page(
    server: Callable[[str], Server], central: Central
) -> None:
    a, b = server("a"), server("b")
    a.editor.delete("guide/second", ADA)
    b.save("guide/second", "# Second\n\nStill needed.\n")
    synced(a, b)
    kept = a.text("guide/second")
    assert "Still needed." in kept and "sync_conflict: true" in kept
    central.assert_never_rewritten()


def test_an_edit_follows_a_page_renamed_on_another_server(
    server: Callable[[str], Server], central: Central
) -> None:
    a, b = server("a"), server("b")
    b.comments.post("guide/second", "Comment before the move", EDITOR)
    synced(a, b)
    text = a.text("guide/second")
    a.editor.rename("guide/second", "guide/later", ADA)
    b.save("guide/second", text + "\nAdded while it moved.\n")
    b.comments.post("guide/second", "Comment while it moved", EDITOR)
    synced(a, b)
    catalog = a.wiki.refresh().catalog
    assert "guide/second" not in catalog.pages
    assert "Added while it moved." in a.text("guide/later")
    bodies = {c.body for c in a.comments.page("guide/later")[1].comments}
    assert bodies == {"Comment before the move", "Comment while it moved"}


def test_a_remote_that_is_down_queues_commits_then_pushes_them(
    server: Callable[[str], Server], central: Central, tmp_path: Path
) -> None:
    a, b = server("a"), server("b")
    away = tmp_path / "away.git"
    central.path.rename(away)
    commits = [a.save("guide/first", f"# First\n\nVersion {n}.\n") for n in range(3)]
    with pytest.raises(RemoteUnavailable):
        a.sync.sync_now()
    status = a.sync.status()
    assert status.pending and status.ahead == 3 and status.last_error
    away.rename(central.path)
    b.save("guide/second", "# Second\n\nWhile A was cut off.\n")
    b.sync.sync_now()
    a.sync.sync_now()
    log = git(central.path, "log", "--format=%H", "main").splitlines()
    assert set(commits) <= set(log)
    assert not a.sync.pending() and a.sync.status().last_error is None
    central.assert_never_rewritten()


def test_the_background_thread_pushes_after_a_save_and_retries(
    server: Callable[[str], Server], central: Central, tmp_path: Path
) -> None:
    a = server("a")
    a.sync.max_backoff = 1.0  # a busy machine must not stretch the retry past the deadline
    a.storage.after_commit.append(lambda _old, _new: a.sync.push_soon())
    away = tmp_path / "away.git"
    central.path.rename(away)
    commit = a.save("guide/first", "# First\n\nSaved while the remote was down.\n")
    deadline = time.monotonic() + 20
    while not a.sync.status().last_error:  # the thread tried, and failed
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert a.sync.pending()
    away.rename(central.path)
    deadline = time.monotonic() + 20
    while central.tip() != commit:
        assert time.monotonic() < deadline, "the queued commit was never pushed"
        time.sleep(0.05)
    # the thread records the push (its tracking ref) a moment after the remote took it
    while a.sync.pending():
        assert time.monotonic() < deadline, "the push was never recorded"
        time.sleep(0.01)


def test_saves_while_backing_off_wait_quietly(
    server: Callable[[str], Server], central: Central, tmp_path: Path
) -> None:
    a = server("a")
    a.sync.max_backoff = 5.0
    a.storage.after_commit.append(lambda _old, _new: a.sync.push_soon())
    central.path.rename(tmp_path / "away.git")
    a.save("guide/first", "# First\n\nOne.\n")
    a.sync.pull_soon()  # a second failure: the next pause is at least a second
    deadline = time.monotonic() + 20
    while a.sync._failures < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    a.save("guide/first", "# First\n\nTwo.\n")  # wakes the thread inside its backoff
    before = resource.getrusage(resource.RUSAGE_SELF)
    time.sleep(0.5)
    after = resource.getrusage(resource.RUSAGE_SELF)
    busy = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert busy < 0.25, f"the sync thread spun for {busy:.2f}s of CPU while backing off"


def test_pulled_commits_notify_listeners(server: Callable[[str], Server]) -> None:
    a, b = server("a"), server("b")
    seen: list[str] = []
    b.sync.on_change.append(lambda _old, new: seen.append(new))
    commit = a.save("guide/first", "# First\n\nNews.\n")
    a.sync.sync_now()
    b.sync.sync_now()
    assert seen == [commit] and b.storage.head() == commit


def test_a_server_seeds_an_empty_central_repository(tmp_path: Path) -> None:
    bare = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    source = make_repo(tmp_path / "first", source=DATA / "basic")
    sync = Sync(GitStorage(source), str(bare), "main", fetch_interval=0)
    sync.sync_now()
    assert git(bare, "rev-parse", "main") == git(source, "rev-parse", "HEAD")


# -- the pure text helpers --------------------------------------------------------------


def test_union_lines_keeps_theirs_in_order_then_ours() -> None:
    base = b'{"id":"1"}\n'
    assert union_lines(base + b'{"id":"3"}\n', base + b'{"id":"2"}\n') == (
        b'{"id":"1"}\n{"id":"3"}\n{"id":"2"}\n'
    )
    assert union_lines(b"a\nb", b"a\nb\n") == b"a\nb\n"


def test_flag_adds_front_matter_once() -> None:
    flagged = flag("# Title\n")
    assert flagged == "---\nsync_conflict: true\n---\n# Title\n"
    assert flag(flagged) == flagged
    assert flag("---\ntitle: T\n---\nBody\n").startswith("---\ntitle: T\nsync_conflict: true\n")


def test_conflict_hunks_become_literal_blocks() -> None:
    text = "Intro\n<<<<<<< A\n```py\nx\n```\n=======\ny\n>>>>>>> B\nOutro\n"
    out = fence_conflicts(text, "A", "B")
    assert "````text\n<<<<<<< A\n```py" in out and ">>>>>>> B\n````\n" in out
    assert out.startswith("Intro\n\n:::{warning}") and out.endswith("Outro\n")


def test_sync_conflict_finding_is_pure() -> None:
    assert sync_conflict_findings(Catalog({})) == []
