"""Attachments on real repositories: upload, replace, history, limits, and how they
follow their page through rename, delete, restore and `check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from masterywiki.content.check import diagnose
from masterywiki.content.filetypes import UnsupportedFile
from masterywiki.content.protection import PageProtected, Protection
from masterywiki.errors import PageNotFound
from masterywiki.git.storage import Author, GitStorage
from masterywiki.repository.attachments import AttachmentNotFound, Attachments, AttachmentTooLarge
from masterywiki.repository.edits import Editor
from masterywiki.repository.wiki import Wiki
from tests.conftest import commit_files, git
from tests.content.test_filetypes import HTML, PDF, PNG

BO = Author("Bo Editor", "bo@example.org")


@pytest.fixture
def attachments(basic_repo: Path) -> Attachments:
    editor = Editor(Wiki(GitStorage(basic_repo)), 100_000, Protection())
    return Attachments(editor, max_bytes=4096)


def commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD"))


def test_upload_is_one_commit_beside_the_page(attachments: Attachments, basic_repo: Path) -> None:
    before = commits(basic_repo)
    result = attachments.upload("guide/first", "Grading Plan.PNG", PNG, BO)
    assert result.commit is not None and not result.replaced
    assert commits(basic_repo) == before + 1
    assert git(basic_repo, "log", "-1", "--format=%an|%s") == (
        "Bo Editor|Attach grading-plan.png on guide/first"
    )
    assert git(basic_repo, "show", "--name-only", "--format=", "HEAD") == (
        "guide/first.files/grading-plan.png"
    )
    [listed] = attachments.of_page("guide/first")
    assert (listed.name, listed.size, listed.type.kind) == ("grading-plan.png", len(PNG), "png")
    assert listed.markdown == "![grading-plan.png](first.files/grading-plan.png)"
    assert attachments.read(listed) == PNG


def test_replacing_keeps_every_version_in_history(
    attachments: Attachments, basic_repo: Path
) -> None:
    first = attachments.upload("guide/first", "plan.png", PNG, BO)
    second = attachments.upload("guide/first", "plan.png", PNG + b"v2", BO, summary="Newer plan")
    assert second.replaced and second.commit != first.commit
    again = attachments.upload("guide/first", "plan.png", PNG + b"v2", BO)
    assert again.commit is None, "the same bytes again make no commit"
    history = attachments.history("guide/first", "plan.png")
    assert [r.summary for r in history] == ["Newer plan", "Attach plan.png on guide/first"]
    assert first.commit is not None
    assert attachments.read_at("guide/first", "plan.png", first.commit) == PNG
    assert attachments.read(attachments.get("guide/first", "plan.png")) == PNG + b"v2"


def test_limits_and_types_are_checked_before_anything_is_written(
    attachments: Attachments, basic_repo: Path
) -> None:
    before = commits(basic_repo)
    with pytest.raises(AttachmentTooLarge, match="at most 4,096 bytes") as too_big:
        attachments.upload("guide/first", "huge.pdf", PDF + bytes(5000), BO)
    assert too_big.value.status == 413
    with pytest.raises(UnsupportedFile):
        attachments.upload("guide/first", "report.pdf", PNG, BO)
    with pytest.raises(UnsupportedFile):
        attachments.upload("guide/first", "diagram.png", HTML, BO)
    with pytest.raises(PageNotFound):
        attachments.upload("guide/nowhere", "plan.png", PNG, BO)
    assert commits(basic_repo) == before


def test_protected_pages_take_files_from_admins_only(basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.md": "---\nprotected: true\n---\n# First\n"})
    editor = Editor(Wiki(GitStorage(basic_repo)), 100_000, Protection())
    attachments = Attachments(editor, max_bytes=4096)
    with pytest.raises(PageProtected, match="only admins can attach files to it"):
        attachments.upload("guide/first", "plan.png", PNG, BO)
    attachments.upload("guide/first", "plan.png", PNG, BO, admin=True)
    with pytest.raises(PageProtected, match="only admins can remove files from it"):
        attachments.delete("guide/first", "plan.png", BO)
    attachments.delete("guide/first", "plan.png", BO, admin=True)


def test_remove_keeps_history(attachments: Attachments) -> None:
    attachments.upload("guide/first", "plan.png", PNG, BO)
    attachments.delete("guide/first", "plan.png", BO)
    assert attachments.of_page("guide/first") == []
    with pytest.raises(AttachmentNotFound):
        attachments.get("guide/first", "plan.png")
    with pytest.raises(AttachmentNotFound):
        attachments.delete("guide/first", "plan.png", BO)
    latest = attachments.history("guide/first", "plan.png")[0]
    assert latest.summary == "Remove plan.png from guide/first"


def test_rename_moves_files_and_fixes_links_to_them(
    attachments: Attachments, basic_repo: Path
) -> None:
    commit_files(
        basic_repo,
        {
            "guide/first.md": "# First\n\n![plan](first.files/plan.png)\n",
            "guide/second.md": "# Second\n\nSee [the plan](first.files/plan.png).\n",
        },
    )
    attachments.upload("guide/first", "plan.png", PNG, BO)
    attachments.editor.rename("guide/first", "policies/opening", BO)
    attachments.editor.storage.wait_for_work_tree()  # files on disk follow in the background
    assert not (basic_repo / "guide/first.files").exists()
    assert (basic_repo / "policies/opening.files/plan.png").read_bytes() == PNG
    assert "![plan](opening.files/plan.png)" in (basic_repo / "policies/opening.md").read_text()
    second = (basic_repo / "guide/second.md").read_text()
    assert "[the plan](../policies/opening.files/plan.png)" in second
    # The move is a rename git can follow: the file's history goes back past it.
    history = attachments.history("policies/opening", "plan.png")
    assert [r.summary for r in history][-1] == "Attach plan.png on guide/first"


def test_delete_and_restore_bring_files_along(attachments: Attachments, basic_repo: Path) -> None:
    attachments.upload("guide/first", "plan.png", PNG, BO)
    before_delete = git(basic_repo, "rev-parse", "HEAD")
    attachments.editor.delete("guide/first", BO)
    attachments.editor.storage.wait_for_work_tree()
    assert not (basic_repo / "guide/first.files").exists()
    attachments.editor.revert("guide/first", before_delete, BO)
    assert [a.name for a in attachments.of_page("guide/first")] == ["plan.png"]


def test_check_reports_missing_and_unservable_attachments(basic_repo: Path) -> None:
    commit_files(
        basic_repo,
        {
            "guide/first.md": "# First\n\n![plan](first.files/plan.png)\n\n"
            "![gone](first.files/gone.png)\n[bad](first.files/Bad%20Name.PNG)\n",
            "guide/first.files/plan.png": "not really a png, but present",
            "guide/first.files/Notes Copy.txt": "a name the wiki cannot serve",
            "guide/ghost.files/orphan.pdf": "no page beside it",
        },
    )
    wiki = Wiki(GitStorage(basic_repo))
    snapshot = wiki.refresh()
    rendered = {r.name: wiki.rendered(r) for r in snapshot.catalog.records()}
    found = [str(d) for d in diagnose(snapshot.catalog, rendered, snapshot.files)]
    attachment_findings = [f for f in found if "attachment" in f]
    assert attachment_findings == [
        "guide/first.files/Notes Copy.txt:1: warning: not served: attachment names use "
        "lowercase a-z, 0-9, '-', '_' and '.'",
        "guide/first.md:5: error: link to a missing attachment: guide/first.files/gone.png",
        "guide/first.md:6: error: link to an attachment the wiki cannot serve: "
        "first.files/Bad%20Name.PNG",
        "guide/ghost.files/orphan.pdf:1: warning: not served: no page guide/ghost.md beside "
        "this attachment",
    ]
