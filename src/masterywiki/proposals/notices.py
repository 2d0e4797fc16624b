"""The emails a suggested edit sends. No Flask, no sending: built here, handed to the
watchlist notifier's outbox, which sends each once whichever server claims it.

The proposer hears of a merge, a decline and every comment (not their own); editors
who watch the page, or its section, with email notices on hear of a new suggestion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from masterywiki.people.accounts import User
from masterywiki.proposals.record import Proposal
from masterywiki.watching.notices import Mail, message_bytes, one_line
from masterywiki.watching.watches import Watcher

EVENTS = {"merged": "merged", "declined": "declined", "comment": "commented on"}


def link(mail: Mail, proposal: Proposal) -> str:
    return f"{mail.base_url.rstrip('/')}/-/proposals/{proposal.id}"


def to_proposer(
    proposal: Proposal, proposer: User, event: str, by: User, text: str, mail: Mail, now: float
) -> tuple[str, bytes] | None:
    """(address, message) telling the proposer that `by` did `event`; None when there
    is nobody to tell (no address, or they did it themselves)."""
    if not proposer.email or proposer.username == by.username:
        return None
    who = by.name or by.username
    subject = f"[{mail.site_name}] {who} {EVENTS[event]} your suggested edit to {proposal.path}"
    said = text or (proposal.note if event == "declined" else "")
    lines = [
        f"{who} {EVENTS[event]} your suggested edit “{one_line(proposal.summary)}”"
        f" to /{proposal.path}.",
        "",
        *([*(f"  {line}" for line in said.split("\n")), ""] if said else []),
        f"The suggestion: {link(mail, proposal)}",
        "",
        "--",
        "You get this email because you suggested this edit.",
    ]
    to = (proposer.name or proposer.username, proposer.email)
    body = "\n".join(lines) + "\n"
    return proposer.email, message_bytes(mail, to, subject, body, now, "proposal")


def to_watchers(
    proposal: Proposal,
    watchers: Sequence[Watcher],
    may_review: Callable[[str], bool],
    mail: Mail,
    now: float,
) -> list[tuple[str, bytes]]:
    """(address, message) for each watcher of the page or its section who
    `may_review` (by username) the suggestion, other than the proposer."""
    subject = f"[{mail.site_name}] Suggested edit to {proposal.path}: {proposal.summary}"
    body = "\n".join([
        f"{proposal.author_name} suggested an edit to /{proposal.path}:",
        f"“{one_line(proposal.summary)}”",
        "",
        f"Review it, then merge or decline: {link(mail, proposal)}",
        "",
        "--",
        "You get this email because you watch this page and can edit it.",
    ]) + "\n"  # fmt: skip
    return [
        (watcher.email, message_bytes(mail, _to(watcher), subject, body, now, "proposal"))
        for watcher in watchers
        if watcher.username != proposal.author
        and any(watch.covers(proposal.path) for watch in watcher.watches)
        and may_review(watcher.username)
    ]


def _to(watcher: Watcher) -> tuple[str, str]:
    return watcher.name or watcher.username, watcher.email
