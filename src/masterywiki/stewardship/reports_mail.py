"""The email that tells a page's owner about a reader's report. No Flask, no sending.

The message is built here and handed to the watchlist notifier's outbox, which
sends it once whichever server's thread claims it (watching/notify.py).
"""

from __future__ import annotations

from masterywiki.people.accounts import User
from masterywiki.resources import message_catalog
from masterywiki.stewardship.feedback import REASON_LABELS, Report
from masterywiki.watching.notices import ENGLISH, Mail, Words, message_bytes, one_line


def report_text(
    report: Report, title: str, link: str, mail: Mail, words: Words = ENGLISH
) -> tuple[str, str]:
    """(subject, body) of the message about `report` on the page `title` at `link`, in
    `words` (the owner's language)."""
    _ = words.gettext
    reason = report.reason or "other"
    names = {"title": one_line(title), "reason": reason, "site": mail.site_name}
    subject = _("Reader report on %(title)s: %(reason)s") % names
    who = report.username or _("a reader who was not logged in")
    note = [_("Their note:"), "", *(f"  {line}" for line in report.note.split("\n")), ""]
    lines = [
        _("A reader reported a problem with “%(title)s” on %(site)s.") % names,
        "",
        _("Reason: %(reason)s") % {"reason": _(REASON_LABELS.get(reason, reason))},
        _("From: %(who)s") % {"who": who},
        "",
        *(note if report.note else [_("They left no note."), ""]),
        _("The page: %(link)s") % {"link": link},
        _("Once it is dealt with, press “Resolved” beside the report at the foot of the page."),
        "",
        "--",
        _("You get this email because the page names you as an owner."),
    ]
    return subject, "\n".join(lines) + "\n"


def report_message(
    report: Report, title: str, link: str, owner: User, mail: Mail, now: float
) -> tuple[str, bytes]:
    """(recipient address, the message as bytes) telling `owner` about `report`."""
    words = message_catalog(owner.language or mail.language)  # theirs, else the wiki's
    subject, body = report_text(report, title, link, mail, words)
    to = (owner.name or owner.username, owner.email)
    return owner.email, message_bytes(mail, to, subject, body, now, "report")
