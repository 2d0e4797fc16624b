"""What a change request (a proposal) is, and how it is written into git. Pure.

A proposal is the branch `proposals/<id>`: its first commit sits on the main-branch
commit the proposer started from (`base`) and changes one page; later commits are the
proposer's updates, its discussion, and the decision. Every commit on the branch
carries the proposal's facts as trailers, so the newest commit alone says what the
proposal is now, one `for-each-ref` lists them all, and the facts travel with the
branch to every server that fetches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from masterywiki.errors import WikiError
from masterywiki.git.parse import RefTip, is_sha

PREFIX = "refs/heads/proposals/"
STATES = ("open", "merged", "declined", "withdrawn")
CLOSED = STATES[1:]
COMMENTS_FILE = ".proposal.comments.jsonl"  # the discussion, in the branch's own tree
PER_PAGE = 50
_KEYS = {
    "Proposal-Page": "path",
    "Proposal-By": "author",
    "Proposal-By-Name": "author_name",
    "Proposal-By-Email": "author_email",
    "Proposal-Summary": "summary",
    "Proposal-State": "state",
    "Proposal-Created": "created",
    "Proposal-Base": "base",
    "Proposal-New-Page": "new_page",
    "Proposal-Closed-By": "closed_by",
    "Proposal-Merged-As": "merged_as",
}


class ProposalNotFound(WikiError):
    status = 404
    title = "Suggestion not found"


class ProposalClosed(WikiError):
    status = 409
    title = "Suggestion already closed"


@dataclass(frozen=True)
class Proposal:
    id: int
    path: str  # the page's name when it was proposed (it may have moved since)
    author: str  # the proposer's username
    author_name: str
    author_email: str
    summary: str
    state: str
    created: datetime
    updated: datetime
    base: str  # the main-branch commit the proposal started from
    tip: str  # the branch's newest commit
    new_page: bool = False
    closed_by: str = ""
    merged_as: str = ""  # the main-branch commit the merge made
    note: str = ""  # what the newest commit says besides its facts (a decline's reason)

    @property
    def ref(self) -> str:
        return f"{PREFIX}{self.id}"

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    def facts(self) -> dict[str, str]:
        """The trailers every commit of the branch carries."""
        values = {
            "path": self.path,
            "author": self.author,
            "author_name": self.author_name,
            "author_email": self.author_email,
            "summary": self.summary,
            "state": self.state,
            "created": self.created.isoformat(timespec="seconds"),
            "base": self.base,
            "new_page": "yes" if self.new_page else "",
            "closed_by": self.closed_by,
            "merged_as": self.merged_as,
        }
        return {key: one_line(values[field]) for key, field in _KEYS.items() if values[field]}


def one_line(text: str, limit: int = 300) -> str:
    """A trailer's value: one line, trimmed, never empty of meaning."""
    return " ".join(text.split())[:limit]


def message(subject: str, facts: Mapping[str, str], note: str = "") -> str:
    """A commit message: `subject`, an optional `note` paragraph, then the trailers."""
    parts = [one_line(subject, 200) or "Suggested edit"]
    if note.strip():
        parts.append(note.strip())
    parts.append("\n".join(f"{key}: {value}" for key, value in facts.items()))
    return "\n\n".join(parts) + "\n"


def split_message(text: str) -> tuple[str, dict[str, str]]:
    """(the note: what is between the subject and the trailers, {trailer: value})."""
    paragraphs = text.strip("\n").split("\n\n")
    trailers: dict[str, str] = {}
    if len(paragraphs) > 1:
        for line in paragraphs[-1].splitlines():
            key, sep, value = line.partition(": ")
            if sep and key in _KEYS:
                trailers[key] = value.strip()
        if trailers:
            paragraphs = paragraphs[:-1]
    return "\n\n".join(paragraphs[1:]).strip(), trailers


def merged_message(ours: str, theirs: str) -> str:
    """The message of a sync's merge where two servers both changed one proposal: its
    facts from the side that closed it (a decision is never undone by a comment made
    elsewhere meanwhile), else from theirs."""

    def closed_state(text: str) -> bool:
        return split_message(text)[1].get("Proposal-State", "open") in CLOSED

    chosen = ours if closed_state(ours) and not closed_state(theirs) else theirs
    note, facts = split_message(chosen)
    return message("Merge suggestion changes from the central repository", facts, note)


def id_of(ref: str) -> int | None:
    """The id in `refs/heads/proposals/<id>`, or None for any other ref."""
    if not ref.startswith(PREFIX):
        return None
    rest = ref[len(PREFIX) :]
    return int(rest) if rest.isdigit() and not rest.startswith("0") else None


def from_tip(tip: RefTip) -> Proposal | None:
    """The proposal a branch's newest commit describes, or None when the branch is not
    one (no id in its name, or commits without the facts)."""
    number = id_of(tip.ref)
    note, facts = split_message(tip.message)
    values = {field: facts.get(key, "") for key, field in _KEYS.items()}
    if number is None or not values["path"] or not is_sha(values["base"]):
        return None
    try:
        created = datetime.fromisoformat(values["created"])
    except ValueError:
        created = tip.authored
    state = values["state"] if values["state"] in STATES else "open"
    return Proposal(
        id=number,
        path=values["path"],
        author=values["author"],
        author_name=values["author_name"] or values["author"],
        author_email=values["author_email"] or tip.email,
        summary=values["summary"],
        state=state,
        created=created if created.tzinfo else created.replace(tzinfo=UTC),
        updated=tip.committed,
        base=values["base"],
        tip=tip.commit,
        new_page=values["new_page"] == "yes",
        closed_by=values["closed_by"],
        merged_as=values["merged_as"],
        note=note,
    )


def closed(proposal: Proposal, state: str, by: str, merged_as: str = "") -> Proposal:
    """`proposal` as its deciding commit describes it."""
    assert state in CLOSED
    return replace(proposal, state=state, closed_by=by, merged_as=merged_as)


@dataclass(frozen=True)
class Filters:
    state: str = "open"  # "" for every state
    page: str = ""
    author: str = ""


def select(proposals: Iterable[Proposal], filters: Filters) -> list[Proposal]:
    """The proposals that pass `filters`, newest first."""
    found = [
        proposal
        for proposal in proposals
        if (not filters.state or proposal.state == filters.state)
        and (not filters.page or proposal.path == filters.page)
        and (not filters.author or proposal.author == filters.author)
    ]
    found.sort(key=lambda proposal: proposal.id, reverse=True)
    return found


def page_of(items: list[Proposal], page: int, per_page: int = PER_PAGE) -> list[Proposal]:
    start = (max(page, 1) - 1) * per_page
    return items[start : start + per_page]
