"""The words of the wiki's email: one watcher's digest as a subject and a plain text
body, grouped by page, with links; and the message around any such text (headers,
SMTP line ends). Pure: values in, text and bytes out."""

from __future__ import annotations

import email.policy
import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Protocol
from urllib.parse import urlsplit

from babel.core import UnknownLocaleError
from babel.dates import format_datetime as format_date_in

from masterywiki.content import names
from masterywiki.watching.watches import Change, Digest, Touch, touch_link


@dataclass(frozen=True)
class Mail:
    """How messages look: the site's name, where its links point, who sends."""

    site_name: str
    base_url: str
    sender: str  # a full From header, `Site <wiki@example.org>`
    language: str = "en"  # the wiki's own: of recipients who chose none

    @property
    def sender_address(self) -> str:
        return self.sender.rsplit("<", 1)[-1].rstrip(">").strip()


def default_sender(site_name: str, base_url: str, configured: str = "") -> str:
    """The From header: `smtp_from` as set, else the site's name at its host."""
    if configured.strip():
        return configured.strip()
    host = urlsplit(base_url).hostname or "localhost"
    return formataddr((site_name, f"masterywiki@{host}"))


class Words(Protocol):
    """The recipient's language: a gettext catalog (`resources.message_catalog`)."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...

    def pgettext(self, context: str, message: str, /) -> str: ...


ENGLISH: Words = gettext.NullTranslations()  # each message as written


def pgettext(context: str, message: str) -> str:
    """Mark `message` for the catalog under `context` (a verb in a list of changes is not
    a page's badge: "editó", not "editada"); `words.pgettext` translates it where it is
    written."""
    return message


VERBS = {
    "edit": pgettext("verb", "edited"),
    "comment": pgettext("verb", "commented"),
    "new": pgettext("verb", "created"),
    "deleted": pgettext("verb", "deleted"),
    "moved": pgettext("verb", "moved"),
    "attachment": pgettext("verb", "changed an attachment of"),
}
NOTE_VERBS = {
    "comment": pgettext("verb", "commented"),
    "edit": pgettext("verb", "edited a comment"),
    "resolve": pgettext("verb", "resolved a thread"),
    "reopen": pgettext("verb", "reopened a thread"),
    "delete": pgettext("verb", "deleted a comment"),
}


def one_line(text: str) -> str:
    """Text for a header or a list line: line breaks would end a header."""
    return " ".join(text.split())


def _when(change: Change, language: str) -> str:
    """5 Dec 2026, 14:03 UTC, with the month in `language`."""
    at = change.date.astimezone(UTC)
    try:
        return format_date_in(at, "d MMM y, HH:mm 'UTC'", tzinfo=UTC, locale=language)
    except (UnknownLocaleError, ValueError):  # a language Babel has no dates for
        return format_date_in(at, "d MMM y, HH:mm 'UTC'", tzinfo=UTC, locale="en")


def _lines(change: Change, touch: Touch, base: str, words: Words, language: str) -> list[str]:
    when = _when(change, language)
    if touch.kind == "comment" and touch.notes:
        lines = []
        for note in touch.notes:
            verb = words.pgettext("verb", NOTE_VERBS.get(note.kind, "commented"))
            lines.append(f"- {note.author} {verb}, {when}")
            if note.excerpt:
                lines.append(f"  > {note.excerpt}")
            lines.append(f"  {base}{names.url_for_name(touch.page)}#comment-{note.id}")
        return lines
    verb = words.pgettext("verb", VERBS.get(touch.kind, "commented"))
    if touch.kind == "moved" and touch.old:
        verb = words.gettext("moved it here from %(old)s") % {"old": touch.old}
    line = f"- {change.author} {verb}, {when}"
    if change.summary and touch.kind != "comment":
        line += f": “{one_line(change.summary)}”"
    return [line, f"  {base}{touch_link(change, touch)}"]


def render_digest(
    digest: Digest,
    titles: Mapping[str, str],
    mail: Mail,
    words: Words = ENGLISH,
    language: str = "en",
) -> tuple[str, str]:
    """(subject, plain text body) of one watcher's message in `words` (their language):
    the changes grouped by page, pages in the order they first changed."""
    base = mail.base_url.rstrip("/")
    by_page: dict[str, list[str]] = {}
    for change in digest.changes:
        for touch in change.touches:
            by_page.setdefault(touch.page, []).extend(_lines(change, touch, base, words, language))
    count = len(digest.changes)

    def title(name: str) -> str:
        return one_line(titles.get(name) or names.title_from_name(name))

    if count == 1 and len(by_page) == 1:
        only = digest.changes[0]
        page = next(iter(by_page))
        subject = words.gettext("%(page)s changed (%(author)s)") % {
            "page": title(page), "author": only.author
        }  # fmt: skip
    else:
        pages = words.ngettext(
            "%(count)d changes to %(pages)d page you watch",
            "%(count)d changes to %(pages)d pages you watch",
            len(by_page),
        )
        subject = pages % {"count": count, "pages": len(by_page)}
    lines = [
        words.gettext("Hello %(name)s,") % {"name": digest.watcher.name},
        "",
        words.gettext("Here is what changed in %(site)s on pages you watch:")
        % {"site": mail.site_name},
    ]
    for page, items in by_page.items():
        lines += ["", f"{title(page)} ({names.url_for_name(page)})", *items]
    lines += [
        "",
        "-- ",
        words.gettext(
            "You get these emails because you turned on email notices for your watchlist."
        ),
        words.gettext("Change what you watch, or turn them off: %(url)s")
        % {"url": f"{base}/-/watchlist"},
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
