"""The emails a suggested edit sends. No Flask, no sending: built here, handed to the
watchlist notifier's outbox, which sends each once whichever server claims it.

The proposer hears of a merge, a decline and every comment (not their own); editors
who watch the page, or its section, with email notices on hear of a new suggestion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from masterywiki.people.accounts import User
from masterywiki.proposals.record import Proposal
from masterywiki.resources import message_catalog
from masterywiki.watching.notices import Mail, message_bytes, one_line
from masterywiki.watching.watches import Watcher


def N_(message: str) -> str:
    """Mark `message` for the catalog; it is translated where the email is written."""
    return message


# Each event as the proposer reads it: whole sentences, so each language words its own.
EVENTS = {
    "merged": (
        N_("[%(site)s] %(who)s merged your suggested edit to %(page)s"),
        N_("%(who)s merged your suggested edit “%(summary)s” to /%(page)s."),
    ),
    "declined": (
        N_("[%(site)s] %(who)s declined your suggested edit to %(page)s"),
        N_("%(who)s declined your suggested edit “%(summary)s” to /%(page)s."),
    ),
    "comment": (
        N_("[%(site)s] %(who)s commented on your suggested edit to %(page)s"),
        N_("%(who)s commented on your suggested edit “%(summary)s” to /%(page)s."),
    ),
}


def link(mail: Mail, proposal: Proposal) -> str:
    return f"{mail.base_url.rstrip('/')}/-/proposals/{proposal.id}"


def to_proposer(
    proposal: Proposal, proposer: User, event: str, by: User, text: str, mail: Mail, now: float
) -> tuple[str, bytes] | None:
    """(address, message) telling the proposer that `by` did `event`; None when there
    is nobody to tell (no address, or they did it themselves)."""
    if not proposer.email or proposer.username == by.username:
        return None
    words = message_catalog(proposer.language or mail.language)  # theirs, else the wiki's
    names = {
        "site": mail.site_name, "who": by.name or by.username, "page": proposal.path,
        "summary": one_line(proposal.summary),
    }  # fmt: skip
    subject_text, line_text = EVENTS[event]
    subject = words.gettext(subject_text) % names
    said = text or (proposal.note if event == "declined" else "")
    lines = [
        words.gettext(line_text) % names,
        "",
        *([*(f"  {line}" for line in said.split("\n")), ""] if said else []),
        words.gettext("The suggestion: %(link)s") % {"link": link(mail, proposal)},
        "",
        "--",
        words.gettext("You get this email because you suggested this edit."),
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

    def message(watcher: Watcher) -> bytes:
        words = message_catalog(watcher.language or mail.language)
        subject = words.gettext("[%(site)s] Suggested edit to %(page)s: %(summary)s") % {
            "site": mail.site_name, "page": proposal.path, "summary": proposal.summary,
        }  # fmt: skip
        body = "\n".join([
            words.gettext("%(who)s suggested an edit to /%(page)s:")
            % {"who": proposal.author_name, "page": proposal.path},
            f"“{one_line(proposal.summary)}”",
            "",
            words.gettext("Review it, then merge or decline: %(link)s")
            % {"link": link(mail, proposal)},
            "",
            "--",
            words.gettext("You get this email because you watch this page and can edit it."),
        ]) + "\n"  # fmt: skip
        return message_bytes(mail, _to(watcher), subject, body, now, "proposal")

    return [
        (watcher.email, message(watcher))
        for watcher in watchers
        if watcher.username != proposal.author
        and any(watch.covers(proposal.path) for watch in watcher.watches)
        and may_review(watcher.username)
    ]


def _to(watcher: Watcher) -> tuple[str, str]:
    return watcher.name or watcher.username, watcher.email
