"""The words of the wiki's email: one watcher's digest as a subject and a plain text
body, grouped by page, with links; and the message around any such text (headers,
SMTP line ends). Pure: values in, text and bytes out."""

from __future__ import annotations

import email.policy
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import urlsplit

from masterywiki.content import names
from masterywiki.watching.watches import Change, Digest, Touch, touch_link


@dataclass(frozen=True)
class Mail:
    """How messages look: the site's name, where its links point, who sends."""

    site_name: str
    base_url: str
    sender: str  # a full From header, `Site <wiki@example.org>`

    @property
    def sender_address(self) -> str:
        return self.sender.rsplit("<", 1)[-1].rstrip(">").strip()


def default_sender(site_name: str, base_url: str, configured: str = "") -> str:
    """The From header: `smtp_from` as set, else the site's name at its host."""
    if configured.strip():
        return configured.strip()
    host = urlsplit(base_url).hostname or "localhost"
    return formataddr((site_name, f"masterywiki@{host}"))


VERBS = {
    "edit": "edited",
    "comment": "commented",
    "new": "created",
    "deleted": "deleted",
    "moved": "moved",
    "attachment": "changed an attachment of",
}
NOTE_VERBS = {
    "comment": "commented",
    "edit": "edited a comment",
    "resolve": "resolved a thread",
    "reopen": "reopened a thread",
    "delete": "deleted a comment",
}


def one_line(text: str) -> str:
    """Text for a header or a list line: line breaks would end a header."""
    return " ".join(text.split())


def _when(change: Change) -> str:
    return change.date.astimezone(UTC).strftime("%-d %b %Y, %H:%M UTC")


def _lines(change: Change, touch: Touch, base: str) -> list[str]:
    if touch.kind == "comment" and touch.notes:
        lines = []
        for note in touch.notes:
            verb = NOTE_VERBS.get(note.kind, "commented")
            lines.append(f"- {note.author} {verb}, {_when(change)}")
            if note.excerpt:
                lines.append(f"  > {note.excerpt}")
            lines.append(f"  {base}{names.url_for_name(touch.page)}#comment-{note.id}")
        return lines
    verb = VERBS.get(touch.kind, "commented")
    if touch.kind == "moved" and touch.old:
        verb = f"moved it here from {touch.old}"
    line = f"- {change.author} {verb}, {_when(change)}"
    if change.summary and touch.kind != "comment":
        line += f": “{one_line(change.summary)}”"
    return [line, f"  {base}{touch_link(change, touch)}"]


def render_digest(digest: Digest, titles: Mapping[str, str], mail: Mail) -> tuple[str, str]:
    """(subject, plain text body) of one watcher's message: the changes grouped by
    page, pages in the order they first changed."""
    base = mail.base_url.rstrip("/")
    by_page: dict[str, list[str]] = {}
    for change in digest.changes:
        for touch in change.touches:
            by_page.setdefault(touch.page, []).extend(_lines(change, touch, base))
    count = len(digest.changes)

    def title(name: str) -> str:
        return one_line(titles.get(name) or names.title_from_name(name))

    if count == 1 and len(by_page) == 1:
        only = digest.changes[0]
        page = next(iter(by_page))
        subject = f"{title(page)} changed ({only.author})"
    else:
        pages = f"{len(by_page)} page{'s' if len(by_page) != 1 else ''}"
        subject = f"{count} changes to {pages} you watch"
    lines = [
        f"Hello {digest.watcher.name},",
        "",
        f"Here is what changed in {mail.site_name} on pages you watch:",
    ]
    for page, items in by_page.items():
        lines += ["", f"{title(page)} ({names.url_for_name(page)})", *items]
    lines += [
        "",
        "-- ",
        "You get these emails because you turned on email notices for your watchlist.",
        f"Change what you watch, or turn them off: {base}/-/watchlist",
    ]
    return one_line(f"[{mail.site_name}] {subject}"), "\n".join(lines) + "\n"


def message_bytes(
    mail: Mail, to: tuple[str, str], subject: str, body: str, now: float, kind: str
) -> bytes:
    """A plain text message from the site to `to` (name, address), sent at `now`;
    `kind` names it in the Message-ID (`watchlist`, `report`, `reviews`)."""
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = formataddr(to)
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(datetime.fromtimestamp(now, UTC))
    message["Message-ID"] = make_msgid(kind, mail.sender_address.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    message.set_content(body)
    # SMTP wants CRLF line ends; smtplib sends bytes as they are.
    return message.as_bytes(policy=email.policy.SMTP)
