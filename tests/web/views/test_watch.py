"""Watchlists over HTTP: the watch buttons, /-/watchlist, the private feed and its token,
the email choice; logins and CSRF tokens as for every form."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from masterywiki.web.app import create_app
from masterywiki.web.views.watch import EXTENSION
from tests.auth_fixtures import (
    PASSWORD,
    accounts_of,
    csrf_token,
    logged_in_client,
    login,
    make_user,
)
from tests.conftest import commit_files, git

PAGE = "/guide/first"
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def edna(editor_client: FlaskClient) -> FlaskClient:
    return editor_client


@pytest.fixture
def rita(app: Flask) -> FlaskClient:
    return logged_in_client(app, "rita", "reader")


def post(client: FlaskClient, url: str, **data: str) -> TestResponse:
    return client.post(url, data={"csrf_token": csrf_token(client, "/-/watchlist"), **data})


def watch(client: FlaskClient, name: str, scope: str = "page", action: str = "watch") -> None:
    response = post(client, f"/{name}/-/watch", scope=scope, action=action)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def watched(app: Flask, username: str) -> list[tuple[str, str]]:
    return [(w.target, w.scope) for w in app.extensions[EXTENSION].watchlist.watches(username)]


# -- the buttons on the page --------------------------------------------------------------


def test_watch_buttons_toggle_from_the_page(app: Flask, rita: FlaskClient) -> None:
    page = soup(rita.get(PAGE))
    form = page.select_one(".page-actions form.watch-form")
    assert form["action"] == f"{PAGE}/-/watch"
    assert form.select_one("input[name=scope]")["value"] == "page"
    assert form.select_one("input[name=action]")["value"] == "watch"
    assert form.select_one("button").get_text() == "Watch this page"
    assert form.select_one("input[name=csrf_token]")["value"]
    assert len(page.select(".page-actions form.watch-form")) == 1, "a leaf page has no section"

    data = {i["name"]: i["value"] for i in form.select("input")}
    response = rita.post(form["action"], data=data)
    assert response.status_code == 303 and response.headers["Location"] == PAGE
    assert watched(app, "rita") == [("guide/first", "page")]

    page = soup(rita.get(PAGE))
    button = page.select_one(".page-actions form.watch-form button")
    assert button.get_text() == "Unwatch this page" and button["aria-pressed"] == "true"
    assert "is on your watchlist" in page.select_one(".flash").get_text()
    assert page.select_one(".page-actions a[href='/-/watchlist']") is not None
    watch(rita, "guide/first", action="unwatch")
    assert watched(app, "rita") == []


def test_sections_and_the_root_get_a_section_button(app: Flask, rita: FlaskClient) -> None:
    labels = [b.get_text() for b in soup(rita.get("/guide")).select(".page-actions .watch-button")]
    assert labels == ["Watch this page", "Watch this section"]
    root = soup(rita.get("/"))
    assert root.select(".page-actions form.watch-form")[0]["action"] == "/index/-/watch"
    assert root.select(".page-actions .watch-button")[1].get_text() == "Watch the whole wiki"
    watch(rita, "guide", "section")
    page = soup(rita.get(PAGE))
    assert "Watched through guide" in page.select_one(".watch-note").get_text()


def test_cached_pages_stay_user_neutral(rita: FlaskClient, client: FlaskClient) -> None:
    watch(rita, "guide/first")
    rita.get(PAGE)  # the flash makes this one personal
    as_rita = rita.get(PAGE)  # fills the shared cache
    assert "Unwatch this page" in as_rita.get_data(as_text=True)
    anonymous = client.get(PAGE).get_data(as_text=True)
    assert "watch-form" not in anonymous and "masterywiki:watch" not in anonymous
    assert "Watchlist" not in anonymous


def test_the_user_menu_links_the_watchlist(rita: FlaskClient) -> None:
    nav = soup(rita.get("/")).select_one(".site-links")
    assert nav.select_one("a[href='/-/watchlist']").get_text() == "Watchlist"


# -- refusals ---------------------------------------------------------------------------


def test_watching_needs_a_login(app: Flask, client: FlaskClient) -> None:
    response = client.get("/-/watchlist")
    assert response.status_code == 302
    assert response.headers["Location"] == "/-/login?next=/-/watchlist"
    token = csrf_token(client)
    for url in (f"{PAGE}/-/watch", "/-/watchlist/token", "/-/watchlist/email"):
        assert client.post(url, data={"csrf_token": token}).status_code == 401, url


def test_posts_without_a_csrf_token_are_refused(app: Flask, rita: FlaskClient) -> None:
    for url, data in (
        (f"{PAGE}/-/watch", {"scope": "page", "action": "watch"}),
        ("/-/watchlist/token", {"action": "new"}),
        ("/-/watchlist/email", {"email": "on"}),
    ):
        response = rita.post(url, data={**data, "csrf_token": "forged"})
        assert response.status_code == 400, url
        assert "security token" in soup(response).get_text()
    service = app.extensions[EXTENSION].watchlist
    assert watched(app, "rita") == []
    assert service.token_created("rita") is None and not service.wants_email("rita")


@pytest.mark.parametrize(
    ("url", "data", "status", "message"),
    [
        ("/guide/nope/-/watch", {"scope": "page"}, 404, "There is no page at 'guide/nope'"),
        ("/guide/first/-/watch", {"scope": "shelf"}, 400, "Watch a 'page' or a 'section'"),
        ("/guide/first/-/watch", {"action": "stare"}, 400, "Choose 'watch' or 'unwatch'"),
        ("/Guide/-/watch", {}, 400, "lowercase letters"),
        ("/-/watchlist/token", {"action": "lend"}, 400, "Choose 'new' or 'revoke'"),
    ],
)
def test_bad_requests_say_what_is_wrong(
    rita: FlaskClient, url: str, data: dict[str, str], status: int, message: str
) -> None:
    response = post(rita, url, **data)
    assert response.status_code == status
    assert message in soup(response).get_text()


def test_a_renamed_page_is_watched_at_its_new_name(
    app: Flask, rita: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {"guide/first.md": None}, "move away")
    commit_files(
        basic_repo, {"chapters/one.md": "---\nredirect_from: [guide/first]\n---\n# One\n"}, "moved"
    )
    watch(rita, "guide/first")
    assert watched(app, "rita") == [("chapters/one", "page")]


def test_a_watch_follows_a_rename_and_unwatches_from_the_new_name(
    app: Flask, rita: FlaskClient, basic_repo: Path
) -> None:
    watch(rita, "guide/first")
    commit_files(basic_repo, {"guide/first.md": None}, "move away")
    commit_files(
        basic_repo, {"chapters/one.md": "---\nredirect_from: [guide/first]\n---\n# One\n"}, "moved"
    )
    page = soup(rita.get("/chapters/one"))
    assert page.select_one(".page-actions .watch-button").get_text() == "Unwatch this page"
    listed = soup(rita.get("/-/watchlist")).select_one(".watching > li")
    assert listed.select_one("a")["href"] == "/chapters/one"
    assert "renamed from guide/first" in listed.get_text()
    watch(rita, "chapters/one", action="unwatch")
    assert watched(app, "rita") == []


def test_next_stays_on_the_site(rita: FlaskClient) -> None:
    response = post(rita, f"{PAGE}/-/watch", next="https://evil.example/")
    assert response.headers["Location"] == "/"


# -- the watchlist page ------------------------------------------------------------------


def test_empty_watchlist_explains_how_to_start(rita: FlaskClient) -> None:
    page = soup(rita.get("/-/watchlist"))
    assert page.select_one("h1").get_text() == "Your watchlist"
    empty = page.select_one(".watch-empty")
    assert "Watch this page" in empty.get_text()
    assert page.select("table.watch-changes") == []


def test_watchlist_lists_changes_and_comments(
    app: Flask, rita: FlaskClient, edna: FlaskClient, basic_repo: Path
) -> None:
    watch(rita, "guide", "section")
    watch(rita, "glossary/rubric")
    commit_files(basic_repo, {"guide/second.md": "# Second\n\nchanged\n"}, "Second changed")
    commit_files(basic_repo, {"glossary/grade-composition.md": "# GC\n"}, "Not watched")
    commit_files(basic_repo, {"glossary/rubric.md": "# Rubric\n\nnew text\n"}, "Rubric changed")
    make_user(app, "cora", "commenter")
    cora = app.test_client()
    login(cora, "cora")
    cora.post(f"{PAGE}/-/comments", data={"body": "Is this *final*?",
                                          "csrf_token": csrf_token(cora, PAGE)})  # fmt: skip
    page = soup(rita.get("/-/watchlist"))
    rows = page.select("table.watch-changes tbody > tr")
    summaries = [row.select("td")[2].get_text(strip=True) for row in rows]
    assert summaries[:3] == ["Comment on guide/first", "Rubric changed", "Second changed"]
    assert "Not watched" not in summaries
    comment = rows[0].select_one(".changed-files > li")
    assert comment.select_one("a")["href"].startswith(f"{PAGE}#comment-")
    assert comment.select_one(".badge").get_text() == "discussion"
    assert comment.select_one(".comment-notes q").get_text() == "Is this *final*?"
    head = git(basic_repo, "rev-parse", "HEAD~1")
    assert rows[1].select_one(".changed-files a")["href"] == f"/glossary/rubric/-/diff?to={head}"

    listed = page.select(".watching > li")
    assert [li.select_one("a").get_text() for li in listed] == ["Rubric", "Guide"]
    assert [li.select_one(".badge").get_text() for li in listed] == ["page", "section"]
    form = listed[0].select_one("form")
    data = {i["name"]: i["value"] for i in form.select("input")}
    assert data["action"] == "unwatch" and data["next"] == "/-/watchlist"
    response = rita.post(form["action"], data=data)
    assert response.headers["Location"] == "/-/watchlist"
    assert watched(app, "rita") == [("guide", "section")]


def test_watchlist_is_paginated(rita: FlaskClient, basic_repo: Path) -> None:
    watch(rita, "guide/first")
    for n in range(55):
        commit_files(basic_repo, {"guide/first.md": f"# First\n\nv{n}\n"}, f"edit {n}")
    first = soup(rita.get("/-/watchlist"))
    assert len(first.select("table.watch-changes tbody > tr")) == 50
    assert first.select_one(".pager a[rel=next]")["href"] == "/-/watchlist?page=2"
    second = soup(rita.get("/-/watchlist?page=2"))
    assert len(second.select("table.watch-changes tbody > tr")) == 6
    assert "No older changes" in soup(rita.get("/-/watchlist?page=9")).get_text()


# -- the private feed ----------------------------------------------------------------------


def new_feed(client: FlaskClient) -> str:
    response = post(client, "/-/watchlist/token", action="new")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    url = soup(response).select_one("input#feed-url")["value"]
    assert url.startswith("http://localhost/-/watchlist/") and url.endswith(".atom")
    return str(url).removeprefix("http://localhost")


def test_the_feed_lists_watched_changes(
    rita: FlaskClient, client: FlaskClient, basic_repo: Path
) -> None:
    watch(rita, "guide", "section")
    commit_files(basic_repo, {"guide/second.md": "# Second\n\nchanged\n"}, "Second <changed>")
    commit_files(basic_repo, {"index.md": "# Home\n"}, "Home, not watched")
    feed_url = new_feed(rita)
    response = client.get(feed_url)  # no login: the address is the credential
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    assert response.headers["X-Robots-Tag"] == "noindex"
    feed = ET.fromstring(response.data)
    assert feed.findtext("a:title", namespaces=ATOM).endswith("Rita's watchlist")
    entries = feed.findall("a:entry", ATOM)
    titles = [e.findtext("a:title", namespaces=ATOM) for e in entries]
    assert titles[0] == "Second: Second <changed>"
    assert not any("Home" in t for t in titles)
    head = git(basic_repo, "rev-parse", "HEAD~1")
    link = entries[0].find("a:link", ATOM)
    assert (
        link is not None and link.get("href") == f"http://localhost/guide/second/-/diff?to={head}"
    )
    assert entries[0].findtext("a:id", namespaces=ATOM) == f"urn:git:{head}"
    assert "guide/second" in (entries[0].findtext("a:content", namespaces=ATOM) or "")


def test_regenerating_or_revoking_the_token_kills_the_old_address(
    rita: FlaskClient, client: FlaskClient
) -> None:
    watch(rita, "guide/first")
    first = new_feed(rita)
    assert client.get(first).status_code == 200
    page = soup(rita.get("/-/watchlist"))
    assert "You have a feed address" in page.select_one("#feed").get_text()
    assert page.select_one("input#feed-url") is None, "the address is shown only once"
    second = new_feed(rita)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    response = post(rita, "/-/watchlist/token", action="revoke")
    assert response.status_code == 303
    assert client.get(second).status_code == 404
    assert "revoked" in soup(rita.get("/-/watchlist")).select_one(".flash").get_text()
    assert client.get("/-/watchlist/made-up-token.atom").status_code == 404


def test_a_removed_users_feed_is_gone(app: Flask, rita: FlaskClient, client: FlaskClient) -> None:
    feed_url = new_feed(rita)
    accounts_of(app).remove_user("rita")
    assert client.get(feed_url).status_code == 404
    accounts_of(app).add_user("rita", PASSWORD, "reader")
    assert client.get(feed_url).status_code == 404


@pytest.fixture
def private_app(basic_repo: Path, tmp_path: Path) -> Iterator[Flask]:
    application = create_app({"repo": basic_repo, "instance": tmp_path / "private",
                              "private": True})  # fmt: skip
    application.config["TESTING"] = True
    yield application
    application.extensions["masterywiki"].wiki.storage.close()


def test_in_a_private_wiki_the_feed_needs_its_token_only(private_app: Flask) -> None:
    make_user(private_app, "rita", "reader")
    rita = private_app.test_client()
    login(rita, "rita")
    watch(rita, "guide/first")
    feed_url = new_feed(rita)
    anonymous = private_app.test_client()
    assert anonymous.get(feed_url).status_code == 200
    assert anonymous.get("/-/watchlist/wrong.atom").status_code == 404
    assert anonymous.get("/-/watchlist").status_code == 302  # the page itself needs a login


# -- email notices -------------------------------------------------------------------------


def test_email_choice_explains_what_is_missing(app: Flask, rita: FlaskClient) -> None:
    section = soup(rita.get("/-/watchlist")).select_one("#email")
    assert "does not send email" in section.select_one(".note").get_text()
    assert section.select_one("button").has_attr("disabled")
    response = post(rita, "/-/watchlist/email", email="on")
    assert response.status_code == 303 and response.headers["Location"] == "/-/watchlist#email"
    assert app.extensions[EXTENSION].watchlist.wants_email("rita")
    section = soup(rita.get("/-/watchlist")).select_one("#email")
    assert "are on" in section.get_text()
    assert section.select_one("input[name=email]")["value"] == "off"
    assert not section.select_one("button").has_attr("disabled"), "turning off always works"
    post(rita, "/-/watchlist/email", email="off")
    assert not app.extensions[EXTENSION].watchlist.wants_email("rita")


def test_email_choice_with_a_mail_server(basic_repo: Path, tmp_path: Path) -> None:
    app = create_app({"repo": basic_repo, "instance": tmp_path / "mail", "smtp_host": "127.0.0.1",
                      "smtp_port": 1, "notify_batch_seconds": 300})  # fmt: skip
    try:
        accounts_of(app).add_user("edna", PASSWORD, "editor", email="edna@example.org")
        make_user(app, "rita", "reader")
        edna, rita = app.test_client(), app.test_client()
        login(edna, "edna")
        login(rita, "rita")
        text = soup(edna.get("/-/watchlist")).select_one("#email").get_text()
        assert "edna@example.org" in text and "about 5 minutes" in text
        rita_email = soup(rita.get("/-/watchlist")).select_one("#email")
        assert "has no email address" in rita_email.get_text()
        assert rita_email.select_one("button").has_attr("disabled")
    finally:
        notifier = app.extensions[EXTENSION].notifier
        assert notifier is not None
        notifier.close()
        app.extensions["masterywiki"].wiki.storage.close()
