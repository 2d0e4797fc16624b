"""The watchlist service: watches, feed tokens and email choices in the database (SQLite
and PostgreSQL); the changes to what is watched, read from a real git repository."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from masterywiki.db.database import Database
from masterywiki.discussion.service import CommentService, Policy
from masterywiki.errors import InvalidInput, InvalidPagePath, UnknownUser
from masterywiki.git.storage import Author, GitStorage
from masterywiki.people.accounts import Accounts, User
from masterywiki.repository.edits import Editor
from masterywiki.repository.history import History
from masterywiki.repository.wiki import Wiki
from masterywiki.watching.watches import Touch, Watch, Watcher
from masterywiki.watching.watchlist import MAX_WATCHES, FeedNotFound, WatchedChanges, Watchlist
from tests.auth_fixtures import FAST_HASHER, PASSWORD

ADA = Author("Ada Coach", "ada@example.org")


@pytest.fixture
def accounts(database: Database) -> Accounts:
    found = Accounts(database, hasher=FAST_HASHER)
    found.add_user("edna", PASSWORD, "editor", email="edna@example.org")
    found.add_user("rita", PASSWORD, "reader")
    return found


@pytest.fixture
def watchlist(accounts: Accounts) -> Watchlist:
    return Watchlist(accounts.database)


def test_watch_and_unwatch(watchlist: Watchlist) -> None:
    watchlist.watch("edna", "guide/first")
    watchlist.watch("edna", "guide/first")  # twice is fine
    watchlist.watch("edna", "guide", "section")
    watchlist.watch("rita", "glossary", "section")
    assert watchlist.watches("edna") == (Watch("guide", "section"), Watch("guide/first", "page"))
    watchlist.unwatch("edna", "guide/first")
    watchlist.unwatch("edna", "never/watched")
    assert watchlist.watches("edna") == (Watch("guide", "section"),)
    assert watchlist.watches("rita") == (Watch("glossary", "section"),)
    assert watchlist.watches("nobody") == ()


@pytest.mark.parametrize(
    ("target", "scope", "error"),
    [
        ("guide", "folder", InvalidInput),
        ("../etc", "page", InvalidPagePath),
        ("Guide/First", "page", InvalidPagePath),
        ("", "section", InvalidPagePath),
    ],
)
def test_watch_refuses_bad_input(
    watchlist: Watchlist, target: str, scope: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        watchlist.watch("edna", target, scope)


def test_watch_needs_a_real_user(watchlist: Watchlist) -> None:
    with pytest.raises(UnknownUser):
        watchlist.watch("ghost", "guide")
    with pytest.raises(UnknownUser):
        watchlist.new_token("ghost")


def test_a_watchlist_has_a_size_limit(
    watchlist: Watchlist, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("masterywiki.watching.watchlist.MAX_WATCHES", 2)
    watchlist.watch("edna", "a")
    watchlist.watch("edna", "b")
    with pytest.raises(InvalidInput, match="watch 2 pages"):
        watchlist.watch("edna", "c")
    assert MAX_WATCHES > 100


def test_feed_tokens_are_stored_as_digests_and_revocable(watchlist: Watchlist) -> None:
    assert watchlist.token_created("edna") is None
    first = watchlist.new_token("edna")
    assert watchlist.user_for_token(first).username == "edna"
    assert watchlist.token_created("edna") is not None
    second = watchlist.new_token("edna")
    assert second != first
    assert watchlist.user_for_token(second).username == "edna"
    with pytest.raises(FeedNotFound):
        watchlist.user_for_token(first)  # regenerating revoked the old address
    with watchlist.database.read() as db:
        stored = db.all("SELECT digest FROM watch_feeds")
    assert stored and all(second not in row["digest"] for row in stored)
    watchlist.revoke_token("edna")
    with pytest.raises(FeedNotFound):
        watchlist.user_for_token(second)
    for bad in ("", "x" * 1000, "../../etc"):
        with pytest.raises(FeedNotFound):
            watchlist.user_for_token(bad)


def test_email_choice_and_watchers(watchlist: Watchlist, accounts: Accounts) -> None:
    accounts.add_user("cy", PASSWORD, "reader", email="cy@example.org")
    watchlist.watch("edna", "guide", "section")
    watchlist.watch("rita", "guide", "section")  # no email address on the account
    assert not watchlist.wants_email("edna")
    for user in ("edna", "rita", "cy"):  # cy opts in but watches nothing
        watchlist.set_email(user, True)
    assert watchlist.wants_email("edna")
    assert watchlist.watchers() == [
        Watcher("edna", "edna", "edna@example.org", (Watch("guide", "section"),))
    ]
    watchlist.set_email("edna", False)
    assert watchlist.watchers() == []


def test_a_removed_user_leaves_nothing_behind(watchlist: Watchlist, accounts: Accounts) -> None:
    watchlist.watch("rita", "guide")
    watchlist.set_email("rita", True)
    token = watchlist.new_token("rita")
    accounts.remove_user("rita")
    with pytest.raises(FeedNotFound):
        watchlist.user_for_token(token)
    assert watchlist.watches("rita") == ()
    # Someone new with the same name starts afresh: ids are never reused.
    accounts.add_user("rita", PASSWORD, "reader", email="rita@example.org")
    assert watchlist.watches("rita") == ()
    assert not watchlist.wants_email("rita")
    with pytest.raises(FeedNotFound):
        watchlist.user_for_token(token)
    assert watchlist.prune() == 3
    assert watchlist.prune() == 0


def test_the_watchlist_works_before_any_account_query(database: Database) -> None:
    fresh = Watchlist(database)
    assert fresh.watches("anyone") == ()
    with pytest.raises(UnknownUser):
        fresh.watch("anyone", "guide")


# -- the changes, from git --------------------------------------------------------------


@pytest.fixture
def editor(basic_repo: Path) -> Editor:
    return Editor(Wiki(GitStorage(basic_repo)), max_page_bytes=100_000)


@pytest.fixture
def changes(editor: Editor) -> WatchedChanges:
    return WatchedChanges(History(editor.wiki))


def save(editor: Editor, name: str, text: str, summary: str) -> str:
    result = editor.save(name, text, summary, editor.storage.head(), ADA)
    assert result.commit is not None
    return result.commit


def test_recent_changes_to_watched_pages_and_sections(
    editor: Editor, changes: WatchedChanges
) -> None:
    save(editor, "guide/first", "# First\n\nv2\n", "first edit")
    save(editor, "glossary/rubric", "# Rubric\n\nv2\n", "rubric edit")
    save(editor, "guide/second", "# Second\n\nv2\n", "second edit")
    redirects = editor.wiki.snapshot.catalog.redirects
    page_only, _ = changes.recent([Watch("guide/first", "page")], redirects)
    assert [c.summary for c in page_only] == ["first edit", "Initial pages"]
    section, _ = changes.recent([Watch("guide", "section")], redirects)
    assert [c.summary for c in section][:2] == ["second edit", "first edit"]
    assert all(t.page.startswith("guide") for c in section for t in c.touches)
    everything, _ = changes.recent([Watch("index", "section")], redirects)
    assert [c.summary for c in everything][:3] == ["second edit", "rubric edit", "first edit"]
    assert changes.recent([], redirects) == ([], False)


def test_recent_changes_are_paginated(editor: Editor, changes: WatchedChanges) -> None:
    for n in range(5):
        save(editor, "guide/first", f"# First\n\nv{n}\n", f"edit {n}")
    watches = [Watch("guide/first", "page")]
    first, more = changes.recent(watches, {}, page=1, per_page=2)
    assert [c.summary for c in first] == ["edit 4", "edit 3"] and more
    last, more = changes.recent(watches, {}, page=3, per_page=2)
    assert [c.summary for c in last] == ["edit 0", "Initial pages"] and not more


def test_comments_show_with_their_text(editor: Editor, changes: WatchedChanges) -> None:
    service = CommentService(editor.wiki, Policy(), now=lambda: datetime(2025, 3, 1, tzinfo=UTC))
    commenter = User("bo", "Bo Commenter", "bo@example.org", "commenter")
    comment = service.post("guide/first", "Retakes should be **allowed**.", commenter)
    found, _ = changes.recent([Watch("guide/first", "page")], {})
    touch = found[0].touches[0]
    assert touch.kind == "comment" and touch.page == "guide/first"
    assert [(n.kind, n.id, n.author, n.excerpt) for n in touch.notes] == [
        ("comment", comment.id, "Bo Commenter", "Retakes should be **allowed**.")
    ]
    service.set_resolved("guide/first", comment.id, commenter, True)
    found, _ = changes.recent([Watch("guide/first", "page")], {})
    assert [n.kind for n in found[0].touches[0].notes] == ["resolve"]


def test_a_watch_follows_its_page_when_renamed(editor: Editor, changes: WatchedChanges) -> None:
    editor.rename("guide/first", "chapters/one", ADA)
    moved_text = editor.wiki.source(editor.wiki.record("chapters/one"))  # keeps redirect_from
    save(editor, "chapters/one", moved_text + "\nafter the move\n", "after move")
    redirects = editor.wiki.refresh().catalog.redirects
    assert redirects.get("guide/first") == "chapters/one"
    found, _ = changes.recent([Watch("guide/first", "page")], redirects)
    summaries = [c.summary for c in found]
    assert summaries[0] == "after move"
    assert "Move guide/first to chapters/one" in summaries
    moved = next(c for c in found if c.summary.startswith("Move"))
    assert Touch("chapters/one", "moved", "guide/first") in moved.touches


def test_changes_since_a_commit(editor: Editor, changes: WatchedChanges) -> None:
    start = editor.storage.head()
    assert start is not None
    save(editor, "guide/first", "# First\n\nv2\n", "one")
    save(editor, "guide/second", "# Second\n\nv2\n", "two")
    head = editor.storage.head()
    assert head is not None
    assert [c.summary for c in changes.since(start, head)] == ["two", "one"]
    assert changes.since(head, head) == []
