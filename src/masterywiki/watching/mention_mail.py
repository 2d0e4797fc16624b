"""The email that tells someone a comment mentions them. No Flask, no sending.

Built here and handed to the notifier's outbox (watching/notify.py), which sends it
once, whichever server's thread claims it.
"""

from __future__ import annotations

from masterywiki.people.accounts import User
from masterywiki.resources import message_catalog
from masterywiki.watching.notices import ENGLISH, Mail, Words, message_bytes, one_line

EXCERPT = 600  # characters of the comment quoted in the message


def mention_text(
    by: str, title: str, body: str, link: str, mail: Mail, words: Words = ENGLISH
) -> tuple[str, str]:
    """(subject, body) telling that `by` mentioned the reader in a comment on `title`,
    in `words` (the reader's language)."""
    excerpt = body if len(body) <= EXCERPT else body[:EXCERPT].rstrip() + " …"
    names = {"by": one_line(by), "title": one_line(title), "site": mail.site_name}
    lines = [
        words.gettext("%(by)s mentioned you in a comment on “%(title)s” on %(site)s:") % names,
        "",
        *(f"  {line}" for line in excerpt.split("\n")),
        "",
        words.gettext("The comment: %(link)s") % {"link": link},
        "",
        "--",
        words.gettext("You get this email because someone wrote @ and your username in a comment."),
    ]
    subject = words.gettext("%(by)s mentioned you on %(title)s") % names
    return subject, "\n".join(lines) + "\n"


def mention_message(
    by: str, title: str, body: str, link: str, to: User, mail: Mail, now: float
) -> tuple[str, bytes]:
    """(recipient address, the message as bytes) telling `to` about the mention."""
    words = message_catalog(to.language or mail.language)  # the reader's, else the wiki's
    subject, text = mention_text(by, title, body, link, mail, words)
    address = (to.name or to.username, to.email)
    return to.email, message_bytes(mail, address, subject, text, now, "mention")
