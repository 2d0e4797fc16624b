"""The mention email in its reader's language: the account's choice, else the wiki's."""

from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header

import pytest

from masterywiki.people.accounts import User
from masterywiki.watching.mention_mail import mention_message
from masterywiki.watching.notices import Mail


def read(data: bytes) -> tuple[str, str]:
    message = message_from_bytes(data)
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(make_header(decode_header(message["Subject"]))), payload.decode()


@pytest.mark.parametrize(
    ("chosen", "wiki", "expected"),
    [
        ("es", "en", "Ana le mencionó en Política de calificación"),  # the account's choice
        ("", "es", "Ana le mencionó en Política de calificación"),  # else the wiki's
        ("en", "es", "Ana mentioned you on Política de calificación"),
        ("", "fr", "Ana mentioned you on Política de calificación"),  # no French catalog
    ],
)
def test_the_mention_email_speaks_the_readers_language(
    chosen: str, wiki: str, expected: str
) -> None:
    mail = Mail("Wiki", "https://wiki.example.org", "Wiki <wiki@example.org>", wiki)
    reader = User("rosa", "Rosa", "rosa@example.org", "reader", language=chosen)
    to, data = mention_message(
        "Ana", "Política de calificación", "@rosa ¿lo ve?", "https://x/#c", reader, mail, 0.0
    )
    subject, body = read(data)
    assert to == "rosa@example.org"
    assert subject == expected
    if expected.startswith("Ana le"):
        assert "El comentario: https://x/#c" in body
        assert "Recibe este correo porque alguien escribió @" in body
