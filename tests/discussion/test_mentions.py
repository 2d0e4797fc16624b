"""Finding `@username` in comment text and marking up the known ones."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from masterywiki.discussion import mentions
from masterywiki.discussion.comments import mentioned, render_body


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ("Thanks @ada!", ("ada",)),
        ("@ada and @Ben, and @ada again.", ("ada", "ben")),  # once each, lowercased
        ("Ask @mr.smith.", ("mr.smith",)),  # a final `.` ends the sentence
        ("@first_last-2 and @x", ("first_last-2", "x")),
        ("mail ada@example.org or see http://x.org/@ada", ()),
        ("`@ada` in code and\n\n    @ben in a code block\n", ()),
        ("[@ada](https://example.org) is a link", ()),
        ("@@ada and @.ada and @ alone", ()),
        ("**@ada** and _@ben_", ("ada", "ben")),
    ],
)
def test_mentioned_names(body: str, names: tuple[str, ...]) -> None:
    assert mentioned(body) == names


def test_only_so_many_names_are_taken() -> None:
    body = " ".join(f"@user{i}" for i in range(mentions.MAX_MENTIONS + 5))
    assert len(mentioned(body)) == mentions.MAX_MENTIONS


def test_known_accounts_are_marked_and_others_stay_text() -> None:
    html = render_body("Hi @Ada, @ghost and `@ada`.", {"ada": "Ada Lovelace"})
    page = BeautifulSoup(html, "html.parser")
    (mark,) = page.select("span.mention")
    assert mark.get_text() == "@Ada"
    assert mark["title"] == "Ada Lovelace" and mark["data-username"] == "ada"
    assert "@ghost" in page.get_text() and page.select_one("code").get_text() == "@ada"


def test_names_and_text_around_mentions_are_escaped() -> None:
    html = render_body("<b>@ada</b> & co", {"ada": '"><script>alert(1)</script>'})
    page = BeautifulSoup(html, "html.parser")
    assert page.select("script, b") == []
    assert page.select_one("span.mention")["title"] == '"><script>alert(1)</script>'
    assert "<b>" in page.get_text() and "& co" in page.get_text()


def test_without_known_accounts_nothing_changes() -> None:
    assert render_body("Hi @ada") == "<p>Hi @ada</p>\n"
