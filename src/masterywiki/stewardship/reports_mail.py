"""The email that tells a page's owner about a reader's report. No Flask, no sending.

The message is built here and handed to the watchlist notifier's outbox, which
sends it once whichever server's thread claims it (watching/notify.py).
"""

from __future__ import annotations

from masterywiki.people.accounts import User
from masterywiki.stewardship.feedback import REASON_LABELS, Report
from masterywiki.watching.notices import Mail, message_bytes, one_line


def report_text(report: Report, title: str, link: str, mail: Mail) -> tuple[str, str]:
    """(subject, body) of the message about `report` on the page `title` at `link`."""
    reason = report.reason or "other"
    subject = f"Reader report on {one_line(title)}: {reason}"
    who = report.username or "a reader who was not logged in"
    lines = [
        f"A reader reported a problem with “{one_line(title)}” on {mail.site_name}.",
        "",
        f"Reason: {REASON_LABELS.get(reason, reason)}",
        f"From: {who}",
        "",
        *(["Their note:", "", *(f"  {line}" for line in report.note.split("\n")), ""]
          if report.note else ["They left no note.", ""]),
        f"The page: {link}",
        "Once it is dealt with, press “Resolved” beside the report at the foot of the page.",
        "",
        "--",
        "You get this email because the page names you as an owner.",
    ]  # fmt: skip
    return subject, "\n".join(lines) + "\n"


def report_message(
    report: Report, title: str, link: str, owner: User, mail: Mail, now: float
) -> tuple[str, bytes]:
    """(recipient address, the message as bytes) telling `owner` about `report`."""
    subject, body = report_text(report, title, link, mail)
    to = (owner.name or owner.username, owner.email)
    return owner.email, message_bytes(mail, to, subject, body, now, "report")
