"""The email that tells someone a comment mentions them. No Flask, no sending.

Built here and handed to the notifier's outbox (watching/notify.py), which sends it
once, whichever server's thread claims it.
"""

from __future__ import annotations

from masterywiki.people.accounts import User
from masterywiki.watching.notices import Mail, message_bytes, one_line

EXCERPT = 600  # characters of the comment quoted in the message


def mention_text(by: str, title: str, body: str, link: str, mail: Mail) -> tuple[str, str]:
    """(subject, body) telling that `by` mentioned the reader in a comment on `title`."""
    excerpt = body if len(body) <= EXCERPT else body[:EXCERPT].rstrip() + " …"
    lines = [
        f"{one_line(by)} mentioned you in a comment on “{one_line(title)}” on {mail.site_name}:",
        "",
        *(f"  {line}" for line in excerpt.split("\n")),
        "",
        f"The comment: {link}",
        "",
        "--",
        "You get this email because someone wrote @ and your username in a comment.",
    ]
    return f"{one_line(by)} mentioned you on {one_line(title)}", "\n".join(lines) + "\n"


def mention_message(
    by: str, title: str, body: str, link: str, to: User, mail: Mail, now: float
) -> tuple[str, bytes]:
    """(recipient address, the message as bytes) telling `to` about the mention."""
    subject, text = mention_text(by, title, body, link, mail)
    address = (to.name or to.username, to.email)
    return to.email, message_bytes(mail, address, subject, text, now, "mention")
