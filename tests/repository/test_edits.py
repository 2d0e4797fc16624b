"""Saving, merging, renaming, deleting and reverting on real repositories."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from masterywiki.content.relink import CannotEditFrontMatter
from masterywiki.errors import InvalidPagePath, PageNotFound
from masterywiki.git.storage import Author, GitStorage
from masterywiki.repository.edits import (
    EditConflict,
    Editor,
    PageDeletedMeanwhile,
    PageExists,
    PageTooLarge,
)
from masterywiki.repository.wiki import PageMoved, Wiki
from tests.conftest import commit_files, git

ADA = Author("Ada Coach", "ada@example.org")
BO = Author("Bo Editor", "bo@example.org")


@pytest.fixture
def editor(basic_repo: Path) -> Editor:
    return Editor(Wiki(GitStorage(basic_repo)), max_page_bytes=10_000)


def head(editor: Editor) -> str:
    found = editor.storage.head()
    assert found is not None
    return found


def test_save_is_one_commit_by_the_author(editor: Editor, basic_repo: Path) -> None:
    before = head(editor)
    result = editor.save("guide/first", "# First\r\n\r\nNew text", "Clarify", before, ADA)
    assert result.changed and not result.created and not result.merged
    assert git(basic_repo, "rev-list", "--count", f"{before}..HEAD") == "1"
    log = git(basic_repo, "log", "-1", "--format=%an|%ae|%cn|%s")
    assert log == "Ada Coach|ada@example.org|masterywiki|Clarify"
    editor.storage.wait_for_work_tree()  # the files on disk follow in the background
    assert (basic_repo / "guide/first.md").read_text() == "# First\n\nNew text\n", (
        "work tree synced"
    )
    assert git(basic_repo, "status", "--porcelain") == ""
    assert "New text" in editor.wiki.page("guide/first").rendered.html


def test_unchanged_save_makes_no_commit(editor: Editor) -> None:
    source = editor.wiki.source(editor.wiki.record("guide/first"))
    before = head(editor)
    assert not editor.save("guide/first", source, "", before, ADA).changed
    assert head(editor) == before


def test_create_page_and_default_message(editor: Editor, basic_repo: Path) -> None:
    result = editor.save("guide/third", "# Third\n", "", head(editor), ADA)
    assert result.created
    editor.storage.wait_for_work_tree()
    assert (basic_repo / "guide/third.md").exists()
    assert git(basic_repo, "log", "-1", "--format=%s") == "Create guide/third"
    assert editor.wiki.record("guide/third").title == "Third"


def test_size_limit_and_invalid_paths(editor: Editor) -> None:
    with pytest.raises(PageTooLarge, match="limit is 10,000 bytes") as caught:
        editor.save("guide/big", "x" * 10_001, "", None, ADA)
    assert caught.value.status == 413
    with pytest.raises(InvalidPagePath):
        editor.save("../escape", "x", "", None, ADA)
    assert editor.wiki.refresh().catalog.get("guide/big") is None


def test_concurrent_edit_of_other_lines_merges_cleanly(editor: Editor) -> None:
    commit_files(editor.storage.path, {"guide/first.md": "# First\n\none\n\ntwo\n\nthree\n"})
    base = head(editor)
    editor.save("guide/first", "# First\n\nONE\n\ntwo\n\nthree\n", "theirs", base, BO)
    result = editor.save("guide/first", "# First\n\none\n\ntwo\n\nTHREE\n", "mine", base, ADA)
    assert result.merged
    text = editor.wiki.source(editor.wiki.record("guide/first"))
    assert text == "# First\n\nONE\n\ntwo\n\nTHREE\n"


def test_conflict_keeps_both_versions_and_saves_nothing(editor: Editor) -> None:
    commit_files(editor.storage.path, {"guide/first.md": "# First\n\nsame line\n"})
    base = head(editor)
    editor.save("guide/first", "# First\n\ntheir line\n", "theirs", base, BO)
    after_theirs = head(editor)
    with pytest.raises(EditConflict) as caught:
        editor.save("guide/first", "# First\n\nmy line\n", "mine", base, ADA)
    conflict = caught.value
    assert conflict.status == 409
    assert conflict.mine == "# First\n\nmy line\n"
    assert conflict.theirs == "# First\n\ntheir line\n"
    assert (
        "<<<<<<< your version" in conflict.merged and ">>>>>>> saved meanwhile" in conflict.merged
    )
    assert head(editor) == after_theirs


def test_page_created_meanwhile_conflicts(editor: Editor) -> None:
    base = head(editor)
    editor.save("guide/new", "# New\n\ntheirs\n", "", base, BO)
    with pytest.raises(EditConflict):
        editor.save("guide/new", "# New\n\nmine\n", "", base, ADA)


def test_rename_moves_redirects_and_rewrites_links(editor: Editor, basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.comments.jsonl": '{"id": "c1"}\n'})
    before = head(editor)
    result = editor.rename("guide/first", "/chapters/one.md", ADA)
    assert result.name == "chapters/one"
    # one pure move (links in other pages rewritten with it), then the redirect record
    log = git(basic_repo, "log", "--format=%s", "--name-status", f"{before}..HEAD")
    move = log.split("Move guide/first to chapters/one")[1]
    assert "R100\tguide/first.md\tchapters/one.md" in move
    assert "M\tguide/index.md" in move and "M\tguide/second.md" in move
    editor.storage.wait_for_work_tree()  # git's index follows in the background
    files = set(git(basic_repo, "ls-files").split("\n"))
    assert {"chapters/one.md", "chapters/one.comments.jsonl"} <= files
    assert not {"guide/first.md", "guide/first.comments.jsonl"} & files
    wiki = editor.wiki
    with pytest.raises(PageMoved) as moved:
        wiki.record("guide/first")
    assert moved.value.new_name == "chapters/one"
    # the toctree in guide/index and the {doc} in guide/second now point at the new place
    guide = wiki.source(wiki.record("guide"))
    assert "../chapters/one" in guide
    second = wiki.page("guide/second")
    assert "../chapters/one" in second.source
    assert second.rendered.problems == ()
    # the moved page's own relative links still resolve
    assert wiki.page("chapters/one").rendered.problems == ()
    assert wiki.refresh().catalog.children("guide")[0] == "chapters/one"


def test_rename_chain_keeps_every_old_address(editor: Editor) -> None:
    editor.rename("guide/first", "a/one", ADA)
    editor.rename("a/one", "b/two", ADA)
    editor.rename("b/two", "c/three", BO)
    for old in ("guide/first", "a/one", "b/two"):
        with pytest.raises(PageMoved) as moved:
            editor.wiki.record(old)
        assert moved.value.new_name == "c/three"


def test_rename_refusals(editor: Editor, basic_repo: Path) -> None:
    with pytest.raises(PageExists):
        editor.rename("guide/first", "guide/second", ADA)
    with pytest.raises(PageNotFound):
        editor.rename("guide/none", "guide/x", ADA)
    with pytest.raises(InvalidPagePath):
        editor.rename("guide/first", "../../etc", ADA)
    commit_files(basic_repo, {"guide/first.md": "---\ntitle: [broken\n---\n"})
    with pytest.raises(CannotEditFrontMatter):
        editor.rename("guide/first", "guide/moved", ADA)


def test_delete_and_restore_by_revert(editor: Editor, basic_repo: Path) -> None:
    original = editor.wiki.source(editor.wiki.record("guide/second"))
    before = head(editor)
    editor.delete("guide/second", ADA)
    with pytest.raises(PageNotFound):
        editor.wiki.record("guide/second")
    assert git(basic_repo, "log", "-1", "--format=%s") == "Delete guide/second"
    result = editor.revert("guide/second", before, BO)
    assert result.created
    assert editor.wiki.source(editor.wiki.record("guide/second")) == original


def test_revert_to_an_old_revision(editor: Editor) -> None:
    first = head(editor)
    editor.save("guide/first", "# Changed\n", "", first, ADA)
    editor.revert("guide/first", first, BO)
    assert editor.wiki.record("guide/first").title == "First Chapter"


def test_stale_git_locks_from_a_killed_process_are_recovered(editor: Editor) -> None:
    git_dir = editor.storage.git_dir
    for stale in (git_dir / "index.lock", git_dir / "refs/heads/main.lock"):
        stale.write_text("")
        old = time.time() - 60
        os.utime(stale, (old, old))
    assert editor.save("guide/first", "# After a crash\n", "", head(editor), ADA).changed
    assert not (git_dir / "refs/heads/main.lock").exists()
    # the work tree's update clears the stale index.lock in the background, and catches up
    editor.storage.wait_for_work_tree()
    assert not (git_dir / "index.lock").exists()
    assert (editor.storage.path / "guide/first.md").read_text() == "# After a crash\n"


def test_a_stale_save_follows_a_move_made_with_git(editor: Editor, basic_repo: Path) -> None:
    """A `git mv` outside the wiki records no redirect_from: git's rename is followed."""
    commit_files(basic_repo, {"guide/second.md": "# Second\n\nIntro.\n\nEnd.\n"})
    base = head(editor)
    git(basic_repo, "mv", "guide/second.md", "guide/two.md")
    git(basic_repo, "commit", "-q", "-m", "Move with git")
    result = editor.save("guide/second", "# Second\n\nIntro.\n\nEnd, said B.\n", "", base, ADA)
    assert (result.name, result.moved_from) == ("guide/two", "guide/second")
    assert git(basic_repo, "show", "HEAD:guide/two.md").endswith("End, said B.")
    assert "guide/second.md" not in git(basic_repo, "ls-tree", "-r", "--name-only", "HEAD")


def test_a_stale_save_of_a_deleted_page_raises_and_saves_nothing(editor: Editor) -> None:
    base = head(editor)
    editor.delete("guide/second", BO)
    deleted = head(editor)
    with pytest.raises(PageDeletedMeanwhile) as caught:
        editor.save("guide/second", "# Second\n\nMine.\n", "", base, ADA)
    assert (caught.value.name, caught.value.mine, caught.value.head) == (
        "guide/second",
        "# Second\n\nMine.\n",
        deleted,
    )
    assert head(editor) == deleted
    # From the deletion on, the same text is a deliberate new page.
    assert editor.save("guide/second", "# Second\n\nMine.\n", "", deleted, ADA).created
