"""Change requests: suggest an edit on a branch, review it, merge, decline or withdraw.

No Flask here. A proposal's branch holds the proposer's text; the main branch is
untouched until an editor merges, which is an ordinary save (three-way against the
page as it is now, following a move) authored by the proposer and committed by the
editor. Every change to a proposal is a commit on its branch, made by
compare-and-swap under the proposals' own lock, so two people acting at once never
lose each other's work; the merge takes the wiki's write lock inside that one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from masterywiki.content import names
from masterywiki.content.model import decode
from masterywiki.content.protection import is_marked
from masterywiki.db.database import Database
from masterywiki.errors import (
    Forbidden,
    InvalidInput,
    LoginRequired,
    PageNotFound,
    RepositoryBusy,
    RevisionNotFound,
)
from masterywiki.git.parse import is_sha
from masterywiki.git.storage import Author
from masterywiki.people.accounts import User
from masterywiki.proposals import record as model
from masterywiki.proposals.record import Filters, Proposal, ProposalClosed, ProposalNotFound
from masterywiki.repository.edits import (
    Editor,
    PageExists,
    SaveResult,
    check_size,
    normalize_text,
)
from masterywiki.repository.wiki import Wiki
from masterywiki.support.filelock import exclusive

LOCK_TIMEOUT = 30.0
COUNTER = "proposals"


def author_of(user: User) -> Author:
    email = user.email or f"{user.username}@users.masterywiki.invalid"
    return Author(user.name or user.username, email)


@dataclass(frozen=True)
class Texts:
    """The three versions a reviewer compares."""

    proposed: str
    base: str | None  # the page when the proposal started (None: a new page)
    current: str | None  # the page now (None: it does not exist, or was deleted)
    current_name: str  # where the page is now (it may have moved)


class Proposals:
    def __init__(
        self,
        wiki: Wiki,
        editor: Editor,
        database: Database,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.wiki = wiki
        self.storage = wiki.storage
        self.editor = editor
        self.database = database
        self.now = now
        self._parsed: dict[str, Proposal | None] = {}  # by tip commit: a commit never changes
        self.after_change: list[Callable[[], None]] = []  # e.g. git sync's push_soon

    # -- reading ----------------------------------------------------------------------

    def all(self) -> list[Proposal]:
        """Every proposal, in any state. The refs are read from git's files; a tip is
        parsed once (a commit never changes), many at a time with one `for-each-ref`."""
        refs = self.storage.refs_under(model.PREFIX)
        missing = [ref for ref, commit in refs.items() if commit not in self._parsed]
        if len(self._parsed) > 4 * len(refs) + 10_000:
            self._parsed = {c: self._parsed[c] for c in refs.values() if c in self._parsed}
        if len(missing) > 20:
            tips = self.storage.ref_tips(model.PREFIX)
        else:
            tips = [tip for ref in missing if (tip := self.storage.ref_tip(ref)) is not None]
        for tip in tips:
            self._parsed.setdefault(tip.commit, model.from_tip(tip))
        found = []
        for ref, commit in refs.items():
            proposal = self._parsed.get(commit)
            if proposal is not None and proposal.ref == ref:
                found.append(proposal)
        return found

    def get(self, number: int) -> Proposal:
        """Raises ProposalNotFound."""
        ref = f"{model.PREFIX}{number}"
        commit = self.storage.ref(ref)
        proposal = None
        if commit is not None:
            if commit not in self._parsed:
                tip = self.storage.ref_tip(ref)
                self._parsed[commit] = model.from_tip(tip) if tip else None
            proposal = self._parsed[commit]
        if proposal is None:
            raise ProposalNotFound(f"There is no suggestion {number} on this wiki.")
        return proposal

    def current_name(self, proposal: Proposal) -> str:
        """Where the proposal's page is now: it follows the page's moves."""
        return self.wiki.snapshot.catalog.redirects.get(proposal.path, proposal.path)

    def select(self, filters: Filters) -> list[Proposal]:
        wanted = filters.page
        if wanted:
            redirects = self.wiki.snapshot.catalog.redirects
            chosen = [p for p in self.all() if redirects.get(p.path, p.path) == wanted]
            return model.select(chosen, replace(filters, page=""))
        return model.select(self.all(), filters)

    def open_for(self, name: str) -> list[Proposal]:
        """The open proposals on page `name` (or on an old address of it)."""
        return self.select(Filters(state="open", page=name))

    def texts(self, proposal: Proposal) -> Texts:
        file = self._file_of(proposal)
        proposed = self.storage.read_file(proposal.tip, file)
        base = self.storage.read_file(proposal.base, file)
        name = self.current_name(proposal)
        record = self.wiki.snapshot.catalog.get(name)
        current = self.wiki.source(record) if record else None
        return Texts(
            decode(proposed or b""),
            None if base is None else decode(base),
            current,
            name,
        )

    def _file_of(self, proposal: Proposal) -> str:
        """The page's file on the proposal's branch."""
        for candidate in names.candidate_files(proposal.path):
            if self.storage.read_file(proposal.tip, candidate) is not None:
                return candidate
        return names.new_file_for(proposal.path)

    # -- proposing --------------------------------------------------------------------

    def propose(
        self,
        name: str,
        content: str,
        summary: str,
        base: str | None,
        user: User | None,
        *,
        create: bool = False,
    ) -> Proposal:
        """A new proposal to change page `name` (to create it with `create`) from the
        main-branch commit `base` the form was opened at. Raises LoginRequired,
        InvalidPagePath, PageNotFound, PageExists, PageTooLarge, RepositoryBusy."""
        if user is None:
            raise LoginRequired("Log in to suggest an edit.")
        names.validate(name)
        name = names.canonical(name)
        text = normalize_text(content)
        check_size(text, self.editor.max_page_bytes)
        snapshot = self.wiki.refresh()
        if snapshot.commit is None:
            raise PageNotFound(name, "This wiki has no pages yet to suggest changes to.")
        name = snapshot.catalog.redirects.get(name, name)
        record = snapshot.catalog.get(name)
        if record is None and not create:
            raise PageNotFound(name, f"There is no page '{name}' to suggest a change to.")
        if record is not None and create:
            raise PageExists(f"There is already a page at '{name}': suggest a change to it.")
        start = self._base(base, snapshot.commit)
        file = record.file if record else names.new_file_for(name)
        if record is not None and self.storage.read_file(start, file) is None:
            start = snapshot.commit  # the page was not there then: start from now
        summary = model.one_line(summary, 200) or f"{'Create' if create else 'Change'} {name}"
        with self.lock():
            number = self._next_id()
            proposal = Proposal(
                id=number, path=name, author=user.username,
                author_name=user.name or user.username, author_email=author_of(user).email,
                summary=summary, state="open",
                created=self.now(), updated=self.now(), base=start, tip="",
                new_page=record is None,
            )  # fmt: skip
            message = model.message(summary, proposal.facts())
            self._commit_on(
                proposal.ref, {file: text.encode()}, message, author_of(user), start, None
            )
        return self.get(number)

    def _base(self, base: str | None, head: str) -> str:
        """The form's base when it is a commit of the main branch's history, else HEAD."""
        if base and is_sha(base):
            try:
                resolved = self.storage.resolve(base)
            except RevisionNotFound:
                return head
            if self.storage.is_ancestor(resolved, head):
                return resolved
        return head

    def _next_id(self) -> int:
        """An id no server has handed out, kept in the shared database (servers behind
        one remote share it) and above every proposal branch this repository has."""
        highest = max((p.id for p in self.all()), default=0)
        with self.database.write() as db:
            current = db.value("SELECT value FROM counters WHERE name = :n", n=COUNTER)
            number = max(int(current or 0), highest) + 1
            if current is None:
                db.run("INSERT INTO counters (name, value) VALUES (:n, :v)", n=COUNTER, v=number)
            else:
                db.run("UPDATE counters SET value = :v WHERE name = :n", n=COUNTER, v=number)
        return number

    def update(self, number: int, content: str, summary: str, user: User | None) -> Proposal:
        """The proposer's new text for their open proposal: one more commit on its
        branch. Raises LoginRequired, Forbidden, ProposalNotFound, ProposalClosed,
        PageTooLarge, RepositoryBusy."""
        if user is None:
            raise LoginRequired("Log in to change your suggestion.")
        text = normalize_text(content)
        check_size(text, self.editor.max_page_bytes)
        with self.lock():
            proposal = self._open(number)
            if proposal.author != user.username:
                raise Forbidden("Only the person who made a suggestion can change it.")
            if summary.strip():
                proposal = replace(proposal, summary=model.one_line(summary, 200))
            file = self._file_of(proposal)
            message = model.message(
                summary.strip() or f"Update suggestion {number}", proposal.facts()
            )
            self._commit_on(
                proposal.ref, {file: text.encode()}, message, author_of(user), proposal.tip,
                proposal.tip,
            )  # fmt: skip
        return self.get(number)

    # -- deciding ---------------------------------------------------------------------

    def may_merge(self, user: User | None, proposal: Proposal) -> bool:
        """Whether `user` may edit the page the proposal changes."""
        if user is None or not user.can("editor"):
            return False
        if user.can("admin"):
            return True
        name = self.current_name(proposal)
        record = self.wiki.snapshot.catalog.get(name)
        marked = record is not None and is_marked(self.wiki.source(record))
        return not self.editor.protection.is_protected(name, marked)

    def merge(
        self,
        number: int,
        user: User | None,
        *,
        resolution: str | None = None,
        resolution_base: str | None = None,
    ) -> tuple[Proposal, SaveResult]:
        """Save the proposal's text on the main branch: three-way against the page as it
        is now (following a move), authored by the proposer, committed by `user`.

        After a conflict the editor sends `resolution` (their combined text, from the
        page at `resolution_base`), saved the same way. Raises LoginRequired,
        Forbidden, ProposalNotFound, ProposalClosed, EditConflict, PageProtected,
        PageDeletedMeanwhile, RepositoryBusy.
        """
        editor_user = self._decider(user, "merge")
        with self.lock():
            proposal = self._open(number)
            if not self.may_merge(editor_user, proposal):
                raise Forbidden("Only editors who may change this page can merge suggestions.")
            texts = self.texts(proposal)
            # From where the page was at `base`: the save follows a move since.
            base: str | None
            name, text, base = proposal.path, texts.proposed, proposal.base
            if resolution is not None:
                name, text = texts.current_name, resolution
                base = resolution_base or proposal.base
            if proposal.new_page and texts.current is None:
                name, base = texts.current_name, None  # a page of its own: nothing to merge
            # A save already made for this proposal (a process killed before it recorded
            # the merge) merges cleanly to "no change", and is recorded below.
            result = self.editor.save(
                name, text,
                f"{proposal.summary}\n\nMerged suggestion {number} by {proposal.author_name}."
                f"\nProposal: {number}",
                base, Author(proposal.author_name, proposal.author_email),
                admin=editor_user.can("admin"), committer=author_of(editor_user),
            )  # fmt: skip
            merged_as = result.commit or self.storage.head() or ""
            closed = model.closed(proposal, "merged", editor_user.username, merged_as)
            note = f"Merged as {merged_as[:10]} by {editor_user.username}."
            self._record(closed, f"Merged suggestion {number}", editor_user, note)
        return self.get(number), result

    def decline(self, number: int, user: User | None, note: str = "") -> Proposal:
        """Close the proposal unmerged, with the editor's reason. Raises LoginRequired,
        Forbidden, ProposalNotFound, ProposalClosed."""
        editor_user = self._decider(user, "decline")
        with self.lock():
            proposal = self._open(number)
            if not self.may_merge(editor_user, proposal):
                raise Forbidden("Only editors who may change this page can decline suggestions.")
            closed = model.closed(proposal, "declined", editor_user.username)
            self._record(closed, f"Declined suggestion {number}", editor_user, _note(note))
        return self.get(number)

    def withdraw(self, number: int, user: User | None) -> Proposal:
        """The proposer takes their open proposal back. Raises LoginRequired, Forbidden,
        ProposalNotFound, ProposalClosed."""
        if user is None:
            raise LoginRequired("Log in to withdraw your suggestion.")
        with self.lock():
            proposal = self._open(number)
            if proposal.author != user.username:
                raise Forbidden("Only the person who made a suggestion can withdraw it.")
            closed = model.closed(proposal, "withdrawn", user.username)
            self._record(closed, f"Withdrew suggestion {number}", user)
        return self.get(number)

    @staticmethod
    def _decider(user: User | None, verb: str) -> User:
        if user is None:
            raise LoginRequired(f"Log in to {verb} suggestions.")
        if not user.can("editor"):
            raise Forbidden(f"Only editors can {verb} suggestions; your role is {user.role}.")
        return user

    def _open(self, number: int) -> Proposal:
        proposal = self.get(number)
        if not proposal.is_open:
            raise ProposalClosed(f"Suggestion {number} was already {proposal.state}.")
        return proposal

    def _record(self, proposal: Proposal, subject: str, user: User, note: str = "") -> str:
        """A commit on the branch that changes no file and records the new facts."""
        message = model.message(subject, proposal.facts(), note)
        return self._commit_on(
            proposal.ref, {}, message, author_of(user), proposal.tip, proposal.tip
        )

    def commit_comments(self, proposal: Proposal, data: bytes, subject: str, user: User) -> str:
        """The discussion's new log as a commit on the branch (under the lock)."""
        message = model.message(subject, proposal.facts())
        return self._commit_on(
            proposal.ref, {model.COMMENTS_FILE: data}, message, author_of(user), proposal.tip,
            proposal.tip,
        )  # fmt: skip

    def _commit_on(
        self, ref: str, changes: dict[str, bytes | None], message: str, author: Author,
        parent: str, expected: str | None,
    ) -> str:  # fmt: skip
        tip = self.storage.commit_on(ref, changes, message, author, parent, expected)
        for hook in list(self.after_change):
            hook()
        return tip

    @contextmanager
    def lock(self, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
        """One change to proposals at a time across this server's processes. Taken
        before the wiki's write lock."""

        def busy() -> Exception:
            return RepositoryBusy("Suggestions are busy; please try again.")

        with exclusive(self.storage.git_dir / "masterywiki-proposals.lock", timeout, busy):
            yield


def _note(text: str) -> str:
    note = text.replace("\r\n", "\n").strip()
    if len(note) > 2000:
        raise InvalidInput(f"The note is {len(note):,} characters; keep it under 2,000.")
    return note
