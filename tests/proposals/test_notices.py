"""A suggested edit's emails in each recipient's language: the account's, else the wiki's."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header

from masterywiki.people.accounts import User
from masterywiki.proposals.notices import to_proposer, to_watchers
from masterywiki.proposals.record import Proposal
from masterywiki.watching.notices import Mail
from masterywiki.watching.watches import Watch, Watcher

WHEN = datetime(2026, 12, 5, tzinfo=UTC)
PROPOSAL = Proposal(7, "framework/grading-policy", "rosa", "Rosa", "rosa@example.org",
                    "Fecha de entrega", "open", WHEN, WHEN, "abc", "def")  # fmt: skip
MAIL = Mail("Wiki", "https://wiki.example.org", "Wiki <wiki@example.org>", "en")
EDNA = User("edna", "Edna", "edna@example.org", "editor")


def subject_and_body(data: bytes) -> tuple[str, str]:
    message = message_from_bytes(data)
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(make_header(decode_header(message["Subject"]))), payload.decode()


def test_the_proposer_hears_in_their_language() -> None:
    rosa = User("rosa", "Rosa", "rosa@example.org", "reader", language="es")
    sent = to_proposer(PROPOSAL, rosa, "merged", EDNA, "", MAIL, 0.0)
    assert sent is not None
    subject, body = subject_and_body(sent[1])
    assert subject == "[Wiki] Edna incorporó su cambio sugerido en framework/grading-policy"
    assert "Recibe este correo porque sugirió este cambio." in body
    english = to_proposer(PROPOSAL, User("rosa", "Rosa", "rosa@example.org", "reader"),
                          "declined", EDNA, "", MAIL, 0.0)  # fmt: skip
    assert english is not None
    assert subject_and_body(english[1])[0].startswith("[Wiki] Edna declined your suggested edit")


def test_each_watching_editor_hears_in_their_own_language() -> None:
    watch = (Watch("framework/grading-policy", "page"),)
    watchers = [
        Watcher("ana", "Ana", "ana@example.org", watch, "es"),
        Watcher("ben", "Ben", "ben@example.org", watch, ""),
    ]
    sent = dict(to_watchers(PROPOSAL, watchers, lambda _: True, MAIL, 0.0))
    assert subject_and_body(sent["ana@example.org"])[0].startswith("[Wiki] Cambio sugerido en")
    assert subject_and_body(sent["ben@example.org"])[0].startswith("[Wiki] Suggested edit to")
