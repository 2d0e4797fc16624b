"""History, revisions, diffs and recent changes on real repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from masterywiki.errors import PageNotFound, RevisionNotFound
from masterywiki.git.storage import Author, GitStorage
from masterywiki.repository.edits import Editor
from masterywiki.repository.history import History
from masterywiki.repository.wiki import Wiki
from tests.conftest import git

ADA = Author("Ada Coach", "ada@example.org")
BO = Author("Bo Editor", "bo@example.org")


@pytest.fixture
def editor(basic_repo: Path) -> Editor:
    return Editor(Wiki(GitStorage(basic_repo)), max_page_bytes=100_000)


@pytest.fixture
def history(editor: Editor) -> History:
    return History(editor.wiki)


def save(editor: Editor, name: str, text: str, summary: str, who: Author = ADA) -> str:
    result = editor.save(name, text, summary, editor.storage.head(), who)
    assert result.commit is not None
    return result.commit


def test_history_is_paginated_newest_first(editor: Editor, history: History) -> None:
    for n in range(7):
        save(editor, "guide/first", f"# First\n\nversion {n}\n", f"edit {n}")
    first = history.page_history("guide/first", page=1, per_page=3)
    assert [r.revision.summary for r in first.rows] == ["edit 6", "edit 5", "edit 4"]
    assert first.has_next
    last = history.page_history("guide/first", page=3, per_page=3)
    assert [r.revision.summary for r in last.rows] == ["edit 0", "Initial pages"]
    assert not last.has_next
    assert last.rows[-1].status == "A"


def test_history_follows_renames(editor: Editor, history: History) -> None:
    save(editor, "guide/first", "# First\n\nbefore the move\n", "before")
    editor.rename("guide/first", "chapters/one", BO)
    save(editor, "chapters/one", "# One\n\nafter the move\n", "after")
    rows = history.page_history("chapters/one").rows
    assert [r.revision.summary for r in rows] == [
        "after",
        "Redirect guide/first to chapters/one",
        "Move guide/first to chapters/one",
        "before",
        "Initial pages",
    ]
    assert [r.path for r in rows] == ["chapters/one.md"] * 3 + ["guide/first.md"] * 2
    assert rows[2].status == "R"
    # an old revision of a moved page is still reachable under its new name
    old = history.version("chapters/one", rows[3].revision.commit)
    assert "before the move" in old.text and old.path == "guide/first.md"


def test_version_and_compare(editor: Editor, history: History) -> None:
    one = save(editor, "guide/first", "# First\n\nGrades reflect effort.\n", "one")
    two = save(editor, "guide/first", "# First\n\nGrades reflect learning.\n", "two")
    assert "effort" in history.version("guide/first", one).text
    comparison = history.compare("guide/first", one, two)
    changed = [s.text for row in comparison.diff.rows for s in row.segments if s.changed]
    assert changed == ["effort", "learning"]
    implicit = history.compare("guide/first", None, two)
    assert implicit.old is not None and implicit.old.revision.commit == one
    created = history.compare("guide/third", None, save(editor, "guide/third", "# T\n", "new"))
    assert created.old is None and created.diff.added == 1


@pytest.mark.parametrize("rev", ["nothex", "0" * 40, "--all"])
def test_bad_revisions(history: History, rev: str) -> None:
    with pytest.raises(RevisionNotFound):
        history.version("guide/first", rev)


def test_page_absent_in_old_revision(editor: Editor, history: History) -> None:
    start = editor.storage.head()
    assert start is not None
    save(editor, "guide/third", "# T\n", "new")
    with pytest.raises(PageNotFound):
        history.version("guide/third", start)


def test_deletion_is_found_and_history_survives(editor: Editor, history: History) -> None:
    assert history.deletion("guide/second") is None
    editor.delete("guide/second", ADA)
    found = history.deletion("guide/second")
    assert found is not None
    revision, path = found
    assert (revision.summary, path) == ("Delete guide/second", "guide/second.md")
    rows = history.page_history("guide/second").rows
    assert [r.status for r in rows] == ["D", "A"]
    assert history.deletion("never/existed") is None


def test_recent_changes_filters(editor: Editor, history: History, basic_repo: Path) -> None:
    save(editor, "guide/first", "# F\n", "ada edit")
    save(editor, "glossary/rubric", "# R\n", "bo edit", BO)
    rows, more = history.recent_changes(per_page=2)
    assert [r.summary for r in rows] == ["bo edit", "ada edit"] and more
    assert [r.summary for r in history.recent_changes(author="Bo Editor")[0]] == ["bo edit"]
    in_guide = history.recent_changes(section="guide")[0]
    assert [r.summary for r in in_guide] == ["ada edit", "Initial pages"]
    assert git(basic_repo, "rev-list", "--count", "HEAD") == "3"


def test_recent_changes_are_kept_per_head_and_follow_every_save(
    editor: Editor, history: History, basic_repo: Path
) -> None:
    save(editor, "guide/first", "# F\n", "ada edit")
    listed = history.recent_changes(per_page=1)[0]
    assert history.recent_changes(per_page=1)[0] == listed  # the same head: kept
    save(editor, "glossary/rubric", "# R\n", "bo edit", BO)
    assert [r.summary for r in history.recent_changes(per_page=1)[0]] == ["bo edit"]
    # A commit made outside the wiki moves the head too.
    editor.wiki.storage.wait_for_work_tree()  # the saves' files on disk, then edited by hand
    (basic_repo / "guide" / "first.md").write_text("# F2\n")
    git(basic_repo, "commit", "-qam", "outside edit")
    assert [r.summary for r in history.recent_changes(per_page=1)[0]] == ["outside edit"]
