"""The comment service on real repositories: commits, rules, limits, moves, concurrency."""

from __future__ import annotations

import itertools
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from masterywiki.db.database import Database
from masterywiki.discussion import comments
from masterywiki.discussion.service import CommentService, Policy, RateLimiter
from masterywiki.errors import (
    CommentNotFound,
    CommentRateLimited,
    CommentTooLarge,
    Forbidden,
    InvalidInput,
    LoginRequired,
    PageNotFound,
)
from masterywiki.git.storage import Author, GitStorage
from masterywiki.people.accounts import User
from masterywiki.repository.edits import Editor
from masterywiki.repository.wiki import Wiki
from tests.clock import Clock
from tests.conftest import commit_files, git

CORA = User("cora", "Cora Commenter", "cora@example.org", "commenter")
CLEO = User("cleo", "Cleo", "", "commenter")
EDNA = User("edna", "Edna Editor", "edna@example.org", "editor")
ADA = User("ada", "Ada Admin", "ada@example.org", "admin")
RITA = User("rita", "Rita Reader", "", "reader")
PAGE = "guide/first"


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_service(
    repo: Path, clock: Clock | None = None, database: Database | None = None, **policy: object
) -> CommentService:
    counter = itertools.count(1)
    limiter = None
    if clock is not None and database is not None:
        limiter = RateLimiter(database, 3, 60, now=clock)
    return CommentService(
        Wiki(GitStorage(repo)),
        Policy(max_bytes=200, **policy),  # type: ignore[arg-type]
        limiter,
        now=lambda: datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        new_id=lambda: f"c{next(counter)}",
    )


@pytest.fixture
def service(basic_repo: Path) -> CommentService:
    return make_service(basic_repo)


def file_at_head(repo: Path, path: str = "guide/first.comments.jsonl") -> str:
    return git(repo, "show", f"HEAD:{path}")


def test_a_comment_is_one_commit_by_the_commenter(
    service: CommentService, basic_repo: Path
) -> None:
    before = git(basic_repo, "rev-parse", "HEAD")
    posted = service.post(PAGE, "Does this apply to **K-2**?\r\n", CORA)
    assert posted.id == "c1" and posted.body == "Does this apply to **K-2**?"
    assert git(basic_repo, "rev-list", "--count", f"{before}..HEAD") == "1"
    log = git(basic_repo, "log", "-1", "--format=%an|%ae|%s")
    assert log == "Cora Commenter|cora@example.org|Comment on guide/first"
    record = comments.parse(file_at_head(basic_repo))[0][0]
    assert (record.author, record.name, record.created) == (
        "cora", "Cora Commenter", datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    )  # fmt: skip
    _, discussion = service.page(PAGE)
    assert discussion.count == 1
    git_email = git(basic_repo, "log", "-1", "--format=%ae")
    assert git_email == "cora@example.org"
    service.post(PAGE, "Me too", CLEO)
    assert git(basic_repo, "log", "-1", "--format=%ae") == "cleo@users.masterywiki.invalid"


def test_replies_and_anchors(service: CommentService) -> None:
    root = service.post(PAGE, "About principles", CORA, anchor="principles")
    reply = service.post(PAGE, "Answer", EDNA, parent=root.id, anchor="ignored-for-replies")
    assert reply.parent == root.id and reply.anchor is None
    _, discussion = service.page(PAGE)
    (thread,) = discussion.threads
    assert thread.root.anchor == "principles" and [c.id for c in thread.replies] == [reply.id]
    assert discussion.anchor_counts() == {"principles": (2, root.id)}
    with pytest.raises(InvalidInput, match="no section 'nowhere'"):
        service.post(PAGE, "x", CORA, anchor="nowhere")
    with pytest.raises(InvalidInput, match="replying to does not exist"):
        service.post(PAGE, "x", CORA, parent="c99")


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ("", InvalidInput, "The comment is empty"),
        (" \r\n\n ", InvalidInput, "The comment is empty"),
        ("x" * 201, CommentTooLarge, "201 bytes; the limit is 200 bytes"),
        ("é" * 101, CommentTooLarge, "202 bytes"),
    ],
)
def test_body_limits(service: CommentService, body: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        service.post(PAGE, body, CORA)


def test_who_may_post(basic_repo: Path) -> None:
    closed = make_service(basic_repo)
    with pytest.raises(LoginRequired, match="Log in to comment"):
        closed.post(PAGE, "hi", None)
    with pytest.raises(Forbidden, match="commenter role; your account has the reader role"):
        closed.post(PAGE, "hi", RITA)
    with pytest.raises(PageNotFound):
        closed.post("guide/nowhere", "hi", CORA)
    open_ = make_service(basic_repo, anonymous=True)
    posted = open_.post(PAGE, "hi from outside", None, address="10.0.0.1")
    assert (posted.author, posted.display_name) == ("", "Anonymous")
    assert git(basic_repo, "log", "-1", "--format=%an") == "Anonymous"


def test_edit_own_comment_keeps_history(service: CommentService, basic_repo: Path) -> None:
    posted = service.post(PAGE, "first words", CORA)
    with pytest.raises(Forbidden, match="only edit your own"):
        service.edit(PAGE, posted.id, "hijack", EDNA)
    with pytest.raises(Forbidden):
        service.edit(PAGE, posted.id, "hijack", ADA)
    edited = service.edit(PAGE, posted.id, "better words", CORA)
    assert edited.body == "better words" and [v.body for v in edited.versions] == [
        "first words", "better words"
    ]  # fmt: skip
    assert (
        git(basic_repo, "log", "-1", "--format=%an|%s")
        == "Cora Commenter|Edit comment on guide/first"
    )
    before = git(basic_repo, "rev-parse", "HEAD")
    assert service.edit(PAGE, posted.id, "better words\n", CORA) == edited
    assert git(basic_repo, "rev-parse", "HEAD") == before, "an unchanged edit is no commit"
    with pytest.raises(CommentNotFound):
        service.edit(PAGE, "c404", "x", CORA)


def test_resolve_and_reopen_by_editors_and_the_thread_author(service: CommentService) -> None:
    root = service.post(PAGE, "Question", CORA)
    reply = service.post(PAGE, "Reply", CLEO, parent=root.id)
    with pytest.raises(Forbidden, match="Only editors and the person who started"):
        service.set_resolved(PAGE, root.id, CLEO, True)
    resolved = service.set_resolved(PAGE, reply.id, EDNA, True)  # a reply resolves its thread
    assert resolved.id == root.id and resolved.resolved is not None
    assert resolved.resolved.name == "Edna Editor"
    reopened = service.set_resolved(PAGE, root.id, CORA, False)
    assert reopened.resolved is None
    _, discussion = service.page(PAGE)
    assert not discussion.threads[0].resolved


def test_delete_by_admin_or_author(service: CommentService, basic_repo: Path) -> None:
    mine = service.post(PAGE, "oops", CORA)
    other = service.post(PAGE, "rude", CLEO)
    with pytest.raises(Forbidden, match="Only admins and a comment's author"):
        service.delete(PAGE, other.id, CORA)
    with pytest.raises(Forbidden):
        service.delete(PAGE, other.id, EDNA)
    assert service.delete(PAGE, mine.id, CORA).deleted is not None
    gone = service.delete(PAGE, other.id, ADA)
    assert gone.deleted is not None and gone.deleted.name == "Ada Admin"
    assert git(basic_repo, "log", "-1", "--format=%s") == "Delete comment on guide/first"
    text = file_at_head(basic_repo)
    assert '"body": "rude"' in text, "the record stays in the file"
    with pytest.raises(InvalidInput, match="deleted"):
        service.edit(PAGE, mine.id, "undo", CORA)
    _, discussion = service.page(PAGE)
    assert discussion.count == 0 and len(discussion.comments) == 2


def test_rate_limit_per_user(basic_repo: Path, clock: Clock, database: Database) -> None:
    service = make_service(basic_repo, clock, database)
    for n in range(3):
        service.post(PAGE, f"comment {n}", CORA)
        clock.now += 1
    with pytest.raises(CommentRateLimited) as refused:
        service.post(PAGE, "one too many", CORA)
    assert refused.value.status == 429 and refused.value.retry_after == 57
    assert "wait 57 seconds" in refused.value.message
    service.post(PAGE, "someone else", CLEO)  # the limit is per user
    clock.now += 57
    service.post(PAGE, "after a while", CORA)
    with pytest.raises(InvalidInput):  # a refused target is checked before counting
        service.post(PAGE, "x", CLEO, parent="c99")
    # the refused attempt above did not count: Cleo can still post twice
    service.post(PAGE, "a", CLEO)
    service.post(PAGE, "b", CLEO)


def test_reading_parses_each_blob_once(
    service: CommentService, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.post(PAGE, "hello", CORA)
    calls: list[bytes | str] = []
    real = comments.discussion

    def counting(data: bytes | str) -> comments.Discussion:
        calls.append(data)
        return real(data)

    monkeypatch.setattr(comments, "discussion", counting)
    for _ in range(3):
        assert service.page(PAGE)[1].count == 1
    assert len(calls) <= 1
    assert service.page("guide/second")[1] is comments.EMPTY


def test_a_broken_line_does_not_hide_good_comments(
    service: CommentService, basic_repo: Path
) -> None:
    service.post(PAGE, "good one", CORA)
    service.wiki.storage.wait_for_work_tree()  # as the wiki left it: then edited by hand
    text = file_at_head(basic_repo) + "\n{broken json\n"
    commit_files(basic_repo, {"guide/first.comments.jsonl": text}, "hand edit")
    service.post(PAGE, "good two", CLEO)
    _, discussion = service.page(PAGE)
    assert [c.body for c in discussion.comments] == ["good one", "good two"]
    assert [p.line for p in discussion.problems] == [2]


def test_rename_moves_comments_with_the_page(basic_repo: Path) -> None:
    service = make_service(basic_repo)
    editor = Editor(service.wiki, max_page_bytes=100_000)
    service.post(PAGE, "travels with the page", CORA)
    editor.rename(PAGE, "guide/renamed", Author("Edna", "edna@example.org"))
    files = git(basic_repo, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    assert "guide/renamed.comments.jsonl" in files
    assert "guide/first.comments.jsonl" not in files
    _, discussion = service.page("guide/renamed")
    assert [c.body for c in discussion.comments] == ["travels with the page"]
    service.post("guide/renamed", "still here", CLEO)
    assert "still here" in file_at_head(basic_repo, "guide/renamed.comments.jsonl")


def test_delete_keeps_comments_in_history_and_restore_brings_them_back(
    basic_repo: Path,
) -> None:
    service = make_service(basic_repo)
    editor = Editor(service.wiki, max_page_bytes=100_000)
    service.post(PAGE, "remember me", CORA)
    before_delete = git(basic_repo, "rev-parse", "HEAD")
    editor.delete(PAGE, Author("Edna", "edna@example.org"))
    with pytest.raises(PageNotFound):
        service.page(PAGE)
    assert "remember me" in git(basic_repo, "show", f"{before_delete}:guide/first.comments.jsonl")
    result = editor.revert(PAGE, before_delete, Author("Edna", "edna@example.org"))
    assert result.created
    changed = git(basic_repo, "show", "--name-only", "--format=", "HEAD").splitlines()
    assert sorted(changed) == ["guide/first.comments.jsonl", "guide/first.md"]
    _, discussion = service.page(PAGE)
    assert [c.body for c in discussion.comments] == ["remember me"]


def test_reverting_a_live_page_keeps_newer_comments(basic_repo: Path) -> None:
    service = make_service(basic_repo)
    editor = Editor(service.wiki, max_page_bytes=100_000)
    old = git(basic_repo, "rev-parse", "HEAD")
    editor.save(PAGE, "# Changed\n", "", old, Author("Edna", "e@x"))
    service.post(PAGE, "posted after", CORA)
    editor.revert(PAGE, old, Author("Edna", "e@x"))
    assert [c.body for c in service.page(PAGE)[1].comments] == ["posted after"]


# -- many processes at once ---------------------------------------------------------------

WORKERS = 5
COMMENTS_EACH = 24


def comment_many(repo: str, worker: int) -> None:
    service = CommentService(Wiki(GitStorage(repo)), Policy())
    user = User(f"w{worker}", f"Worker {worker}", "", "commenter")
    roots: list[str] = []
    for n in range(COMMENTS_EACH):
        page = PAGE if n % 3 else "guide/second"
        parent = roots[-1] if n % 4 == 3 and page == PAGE and roots else None
        posted = service.post(page, f"w{worker} n{n}", user, parent=parent)
        if page == PAGE and parent is None:
            roots.append(posted.id)
    service.storage.close()


def test_parallel_comments_from_many_processes_are_all_kept(basic_repo: Path) -> None:
    start = git(basic_repo, "rev-parse", "HEAD")
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=comment_many, args=(str(basic_repo), w)) for w in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    total = WORKERS * COMMENTS_EACH
    assert total >= 100
    assert int(git(basic_repo, "rev-list", "--count", f"{start}..HEAD")) == total
    bodies: list[str] = []
    for path in ("guide/first.comments.jsonl", "guide/second.comments.jsonl"):
        found, problems = comments.parse(file_at_head(basic_repo, path))
        assert problems == ()
        bodies += [c.body for c in found]
    expected = {f"w{w} n{n}" for w in range(WORKERS) for n in range(COMMENTS_EACH)}
    assert sorted(bodies) == sorted(expected)
    git(basic_repo, "fsck", "--strict")
