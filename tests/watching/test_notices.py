"""The words of watchlist emails (pure: digests in, subject and text out)."""

from __future__ import annotations

from datetime import UTC, datetime

from masterywiki.resources import message_catalog
from masterywiki.watching.notices import Mail, render_digest
from masterywiki.watching.watches import Change, Digest, Note, Touch, Watch, Watcher

MAIL = Mail("Riverbend\nHandbook", "https://wiki.example.org/", "Riverbend <wiki@example.org>")
EDNA = Watcher("edna", "Edna", "edna@example.org", (Watch("index", "section"),))
WHEN = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def change(commit: str, *touches: Touch, summary: str = "A change") -> Change:
    return Change(commit, "Ada Coach", "ada@example.org", WHEN, summary, touches)


def test_one_change_names_the_page_in_the_subject() -> None:
    digest = Digest(EDNA, (change("abc", Touch("guide/first", "edit"), summary="Fix\ntypo"),))
    subject, text = render_digest(digest, {"guide/first": "First Chapter"}, MAIL)
    assert subject == "[Riverbend Handbook] First Chapter changed (Ada Coach)"
    assert "- Ada Coach edited, 1 Mar 2025, 09:30 UTC: “Fix typo”" in text
    assert "  https://wiki.example.org/guide/first/-/diff?to=abc" in text
    assert text.startswith("Hello Edna,\n")
    assert text.endswith("turn them off: https://wiki.example.org/-/watchlist\n")


def test_many_changes_are_grouped_by_page() -> None:
    note = Note("comment", "k1", "Bo", "Is this final?")
    digest = Digest(EDNA, (
        change("c1", Touch("guide/first", "edit")),
        change("c2", Touch("chapters/one", "moved", "guide/second"), summary="Move"),
        change("c3", Touch("guide/first", "comment", notes=(note,))),
        change("c4", Touch("old", "deleted")),
        change("c5", Touch("index", "comment")),
    ))  # fmt: skip
    subject, text = render_digest(digest, {}, MAIL)
    assert subject == "[Riverbend Handbook] 5 changes to 4 pages you watch"
    first = text.index("First (/guide/first)")
    assert text.index("One (/chapters/one)") > first, "pages in the order they first changed"
    assert "- Bo commented, 1 Mar 2025, 09:30 UTC\n  > Is this final?\n" in text
    assert "https://wiki.example.org/guide/first#comment-k1" in text
    assert "- Ada Coach moved it here from guide/second" in text
    assert "https://wiki.example.org/old/-/history" in text
    assert "Index (/)\n- Ada Coach commented" in text
    assert "https://wiki.example.org/#comments" in text


def test_a_digest_in_the_watchers_language() -> None:
    moved = Touch("guide/second", "moved", old="guide/old")
    digest = Digest(EDNA, (change("abc", Touch("guide/first", "edit")), change("def", moved)))
    subject, text = render_digest(digest, {}, MAIL, message_catalog("es"), "es")
    assert subject == "[Riverbend Handbook] 2 cambios en 2 páginas que sigue"
    assert text.startswith("Hola, Edna:\n")
    assert "- Ada Coach editó, 1 mar 2025, 09:30 UTC: “A change”" in text
    assert "- Ada Coach la movió aquí desde guide/old" in text
    assert "desactívelos: https://wiki.example.org/-/watchlist" in text
