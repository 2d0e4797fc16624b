"""Change requests on a real repository and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from masterywiki.content.protection import PageProtected, Protection
from masterywiki.db.database import Database
from masterywiki.discussion.service import CommentService, Policy
from masterywiki.errors import Forbidden, InvalidInput, LoginRequired, PageNotFound
from masterywiki.git.storage import GitStorage
from masterywiki.people.accounts import User
from masterywiki.proposals.record import Filters, ProposalClosed, ProposalNotFound
from masterywiki.proposals.service import Proposals, author_of
from masterywiki.proposals.talk import ProposalTalk
from masterywiki.repository.edits import (
    EditConflict,
    Editor,
    PageDeletedMeanwhile,
    PageExists,
    PageTooLarge,
)
from masterywiki.repository.wiki import Wiki
from tests.conftest import git

READER = User("rae", "Rae Reader", "rae@example.org", "reader")
COMMENTER = User("cam", "Cam Commenter", "cam@example.org", "commenter")
EDITOR = User("eve", "Eve Editor", "eve@example.org", "editor")
ADMIN = User("ada", "Ada Admin", "ada@example.org", "admin")


@pytest.fixture
def proposals(basic_repo: Path, database: Database) -> Iterator[Proposals]:
    database.upgrade()
    wiki = Wiki(GitStorage(basic_repo))
    editor = Editor(wiki, 10_000, Protection.from_setting("glossary"))
    yield Proposals(wiki, editor, database)
    wiki.storage.close()


def source(proposals: Proposals, name: str) -> str:
    return proposals.wiki.source(proposals.wiki.refresh().catalog.pages[name])


def head(proposals: Proposals) -> str:
    found = proposals.storage.head()
    assert found is not None
    return found


def test_a_reader_suggests_an_edit_on_a_branch_leaving_main_untouched(
    proposals: Proposals, basic_repo: Path
) -> None:
    before = head(proposals)
    text = source(proposals, "guide/first") + "\nA reader's addition.\n"
    proposal = proposals.propose("guide/first", text, "Add a line", before, READER)
    assert head(proposals) == before  # the wiki did not change
    assert proposal.id == 1 and proposal.state == "open" and proposal.path == "guide/first"
    assert git(basic_repo, "log", "-1", "--format=%an <%ae>|%s", "proposals/1") == (
        "Rae Reader <rae@example.org>|Add a line"
    )
    assert git(basic_repo, "rev-parse", "proposals/1^") == before  # it sits on its base
    assert proposals.texts(proposal).proposed == text
    assert proposals.get(1) == proposal
    again = proposals.propose("guide/first", text, "", before, COMMENTER)
    assert again.id == 2 and again.summary == "Change guide/first"


def test_refusals_leave_nothing_behind(proposals: Proposals, basic_repo: Path) -> None:
    base = head(proposals)
    with pytest.raises(LoginRequired):
        proposals.propose("guide/first", "x\n", "", base, None)
    with pytest.raises(PageNotFound):
        proposals.propose("guide/nowhere", "x\n", "", base, READER)
    with pytest.raises(PageExists):
        proposals.propose("guide/first", "x\n", "", base, READER, create=True)
    with pytest.raises(PageTooLarge):
        proposals.propose("guide/first", "x" * 10_001, "", base, READER)
    assert git(basic_repo, "for-each-ref", "refs/heads/proposals/") == ""
    with pytest.raises(ProposalNotFound):
        proposals.get(1)


def test_a_new_page_can_be_proposed_and_merged(proposals: Proposals) -> None:
    text = "---\ntitle: Late work\n---\n\n# Late work\n\nHow late work is assessed.\n"
    proposal = proposals.propose("guide/late-work", text, "", None, READER, create=True)
    assert proposal.new_page and proposals.texts(proposal).base is None
    merged, result = proposals.merge(proposal.id, EDITOR)
    assert merged.state == "merged" and result.created
    assert source(proposals, "guide/late-work") == text


def test_a_clean_merge_is_one_commit_by_the_proposer_committed_by_the_editor(
    proposals: Proposals, basic_repo: Path
) -> None:
    base = head(proposals)
    original = source(proposals, "guide/first")
    mine = original.replace("# First", "# First steps", 1)
    assert mine != original
    proposal = proposals.propose("guide/first", mine, "Clearer title", base, COMMENTER)
    # Meanwhile an editor changes another part of the page: the merge keeps both.
    theirs = original + "\nAn editor's note at the end.\n"
    proposals.editor.save("guide/first", theirs, "note", base, author_of(EDITOR))
    merged, result = proposals.merge(proposal.id, EDITOR)
    assert result.merged and merged.state == "merged" and merged.closed_by == "eve"
    assert merged.merged_as == result.commit == head(proposals)
    text = source(proposals, "guide/first")
    assert "# First steps" in text and "An editor's note at the end." in text
    stamp = git(basic_repo, "log", "-1", "--format=%an|%ae|%cn|%ce|%B", "main")
    assert stamp.startswith("Cam Commenter|cam@example.org|Eve Editor|eve@example.org|")
    assert "Clearer title" in stamp and "suggestion 1" in stamp
    assert git(basic_repo, "rev-list", "--count", f"{base}..main") == "2"  # the note, the merge
    # The branch stays, with the proposer's commit and the decision.
    branch_log = git(basic_repo, "log", "--format=%an|%s", f"{base}..proposals/1").splitlines()
    assert branch_log == ["Eve Editor|Merged suggestion 1", "Cam Commenter|Clearer title"]
    with pytest.raises(ProposalClosed):
        proposals.merge(proposal.id, EDITOR)
    assert git(basic_repo, "fsck", "--strict", "--no-progress") == ""


def test_a_conflict_keeps_the_proposal_open_and_the_editor_resolves_it(
    proposals: Proposals,
) -> None:
    base = head(proposals)
    original = source(proposals, "guide/first")
    proposal = proposals.propose(
        "guide/first", original.replace("# First", "# Reader's title", 1), "", base, READER
    )
    proposals.editor.save(
        "guide/first", original.replace("# First", "# Editor's title", 1), "", base,
        author_of(EDITOR),
    )  # fmt: skip
    with pytest.raises(EditConflict) as caught:
        proposals.merge(proposal.id, EDITOR)
    assert "Reader's title" in caught.value.mine and "Editor's title" in caught.value.theirs
    assert proposals.get(proposal.id).state == "open"  # nothing lost, nothing merged
    assert "# Editor's title" in source(proposals, "guide/first")
    resolved = original.replace("# First", "# Both titles", 1)
    merged, result = proposals.merge(
        proposal.id, EDITOR, resolution=resolved, resolution_base=caught.value.head
    )
    assert merged.state == "merged" and result.changed
    assert "# Both titles" in source(proposals, "guide/first")


def test_the_proposer_updates_and_withdraws_others_may_not(proposals: Proposals) -> None:
    base = head(proposals)
    text = source(proposals, "guide/first")
    proposal = proposals.propose("guide/first", text + "one\n", "First try", base, READER)
    with pytest.raises(Forbidden):
        proposals.update(proposal.id, text + "two\n", "", COMMENTER)
    updated = proposals.update(proposal.id, text + "two\n", "Second try", READER)
    assert updated.tip != proposal.tip and updated.summary == "Second try"
    assert proposals.texts(updated).proposed == text + "two\n"
    assert updated.base == base  # still compared with where it started
    with pytest.raises(Forbidden):
        proposals.withdraw(proposal.id, EDITOR)
    withdrawn = proposals.withdraw(proposal.id, READER)
    assert withdrawn.state == "withdrawn" and withdrawn.closed_by == "rae"
    with pytest.raises(ProposalClosed):
        proposals.update(proposal.id, text, "", READER)
    with pytest.raises(ProposalClosed):
        proposals.decline(proposal.id, EDITOR)


def test_decline_needs_an_editor_and_keeps_the_note(proposals: Proposals) -> None:
    base = head(proposals)
    proposal = proposals.propose(
        "guide/first", source(proposals, "guide/first") + "x\n", "", base, READER
    )
    with pytest.raises(Forbidden):
        proposals.decline(proposal.id, COMMENTER)
    with pytest.raises(LoginRequired):
        proposals.decline(proposal.id, None)
    with pytest.raises(InvalidInput):
        proposals.decline(proposal.id, EDITOR, "n" * 2001)
    declined = proposals.decline(proposal.id, EDITOR, "We keep this page short.")
    assert declined.state == "declined" and declined.note == "We keep this page short."
    assert head(proposals) == base
    assert [p.id for p in proposals.select(Filters(state="declined"))] == [proposal.id]
    assert proposals.select(Filters(state="open")) == []


def test_a_protected_page_takes_suggestions_only_an_admin_merges(proposals: Proposals) -> None:
    base = head(proposals)
    text = source(proposals, "glossary/rubric") + "An editor's suggestion.\n"
    proposal = proposals.propose("glossary/rubric", text, "", base, EDITOR)
    assert not proposals.may_merge(EDITOR, proposal)
    with pytest.raises(Forbidden):
        proposals.merge(proposal.id, EDITOR)
    assert proposals.may_merge(ADMIN, proposal)
    merged, _result = proposals.merge(proposal.id, ADMIN)
    assert merged.state == "merged" and source(proposals, "glossary/rubric") == text
    with pytest.raises(PageProtected):  # the editor's own save is refused as before
        proposals.editor.save("glossary/rubric", "x\n", "", None, author_of(EDITOR))


def test_the_proposal_follows_a_rename_and_merges_at_the_new_address(
    proposals: Proposals,
) -> None:
    base = head(proposals)
    original = source(proposals, "guide/second")
    proposal = proposals.propose("guide/second", original + "\nSuggested line.\n", "", base, READER)
    proposals.editor.rename("guide/second", "guide/later", author_of(EDITOR))
    assert proposals.current_name(proposal) == "guide/later"
    assert [p.id for p in proposals.open_for("guide/later")] == [proposal.id]
    texts = proposals.texts(proposals.get(proposal.id))
    assert texts.current_name == "guide/later" and texts.current is not None
    proposals.merge(proposal.id, EDITOR)
    assert "Suggested line." in source(proposals, "guide/later")
    assert "guide/second" not in proposals.wiki.refresh().catalog.pages


def test_a_deleted_pages_proposal_can_be_read_and_declined(proposals: Proposals) -> None:
    base = head(proposals)
    text = source(proposals, "guide/second") + "more\n"
    proposal = proposals.propose("guide/second", text, "", base, READER)
    proposals.editor.delete("guide/second", author_of(EDITOR))
    texts = proposals.texts(proposals.get(proposal.id))
    assert texts.proposed == text and texts.current is None
    with pytest.raises(PageDeletedMeanwhile):
        proposals.merge(proposal.id, EDITOR)
    assert proposals.decline(proposal.id, EDITOR, "The page is gone.").state == "declined"


def test_a_discussion_lives_on_the_branch(proposals: Proposals, basic_repo: Path) -> None:
    talk = ProposalTalk(proposals, CommentService(proposals.wiki, Policy()))
    proposal = proposals.propose(
        "guide/first", source(proposals, "guide/first") + "x\n", "", None, READER
    )
    _, first = talk.post(proposal.id, "Why this line?", EDITOR)
    updated, reply = talk.post(proposal.id, "Because it helps.", READER, parent=first.id)
    assert [c.body for c in talk.discussion(updated).comments] == [
        "Why this line?", "Because it helps.",
    ]  # fmt: skip
    assert reply.parent == first.id
    assert updated.state == "open" and updated.summary == proposal.summary
    with pytest.raises(Forbidden):  # a reader may only talk about their own suggestion
        talk.post(proposal.id, "Me too", User("ria", "", "", "reader"))
    with pytest.raises(InvalidInput):
        talk.post(proposal.id, "   ", EDITOR)
    assert ".proposal.comments.jsonl" not in git(basic_repo, "ls-tree", "--name-only", "main")
