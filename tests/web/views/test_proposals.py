"""Suggested edits through the Flask test client, on a real repository and database."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.proposals.service import Proposals
from masterywiki.web.app import create_app
from masterywiki.web.views import watch
from masterywiki.web.views.proposals import EXTENSION
from tests.auth_fixtures import PASSWORD, accounts_of, csrf_token, logged_in_client, login
from tests.conftest import git
from tests.web.views.test_watch import new_feed


@pytest.fixture
def reader(app: Flask) -> FlaskClient:
    return logged_in_client(app, "rae", "reader")


@pytest.fixture
def commenter(app: Flask) -> FlaskClient:
    return logged_in_client(app, "cam", "commenter")


def service(app: Flask) -> Proposals:
    found: Proposals = app.extensions[EXTENSION]
    return found


def form_of(client: FlaskClient, url: str) -> dict[str, str]:
    """The hidden and text fields of the first form on `url`, as a browser sends them."""
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    form = page.select_one("form.editor")
    assert form is not None, url
    fields = {i["name"]: i.get("value", "") for i in form.select("input[name]")}
    fields["content"] = form.select_one("textarea[name=content]").text
    return {str(k): str(v) for k, v in fields.items()}


def suggest(client: FlaskClient, name: str, change: str, summary: str = "A fix") -> str:
    fields = form_of(client, f"/{name}/-/propose")
    fields.update(content=fields["content"] + change, summary=summary)
    response = client.post(f"/{name}/-/propose", data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return response.headers["Location"]


def page_links(client: FlaskClient, name: str) -> list[str]:
    page = BeautifulSoup(client.get(f"/{name}").get_data(as_text=True), "html.parser")
    return [a.get_text(strip=True) for a in page.select("nav.page-actions a")]


def test_who_sees_suggest_and_who_sees_edit(
    app: Flask, client: FlaskClient, reader: FlaskClient, editor_client: FlaskClient
) -> None:
    assert "Suggest an edit" in page_links(reader, "guide/first")
    assert "Edit" in page_links(editor_client, "guide/first")
    assert "Suggest an edit" not in page_links(editor_client, "guide/first")
    assert "Edit" in page_links(client, "guide/first")  # a visitor is asked to log in
    assert client.get("/guide/first/-/propose").status_code in (302, 401)


def test_a_commenter_suggests_and_an_editor_merges(
    app: Flask, basic_repo: Path, commenter: FlaskClient, editor_client: FlaskClient
) -> None:
    location = suggest(commenter, "guide/first", "\nA commenter's line.\n", "Add a line")
    assert location == "/-/proposals/1"
    assert "A commenter's line." not in editor_client.get("/guide/first").get_data(as_text=True)
    links = page_links(editor_client, "guide/first")
    assert "1 open suggestion" in links
    shown = editor_client.get(location).get_data(as_text=True)
    assert "A commenter&#39;s line." in shown and "Merge into the page" in shown
    assert "Merge into the page" not in commenter.get(location).get_data(as_text=True)
    token = csrf_token(editor_client, location)
    merged = editor_client.post(f"{location}/merge", data={"csrf_token": token})
    assert merged.status_code == 303 and merged.headers["Location"] == "/guide/first"
    assert "A commenter's line." in editor_client.get("/guide/first/-/raw").get_data(as_text=True)
    assert git(basic_repo, "log", "-1", "--format=%an|%cn", "main") == "Cam|Edna"
    history = editor_client.get("/guide/first/-/history").get_data(as_text=True)
    assert "Cam" in history and "Add a line" in history
    assert "1 open suggestion" not in page_links(editor_client, "guide/first")
    api = editor_client.get("/-/api/v1/proposals/1").get_json()
    assert api["state"] == "merged" and api["author"] == "cam" and api["path"] == "guide/first"


def test_refusals(app: Flask, client: FlaskClient, reader: FlaskClient, basic_repo: Path) -> None:
    fields = form_of(reader, "/guide/first/-/propose")
    no_token = {k: v for k, v in fields.items() if k != "csrf_token"}
    assert reader.post("/guide/first/-/propose", data=no_token).status_code == 400
    assert client.post("/guide/first/-/propose", data=fields).status_code in (400, 401)
    missing = reader.post("/guide/nowhere/-/propose", data=fields)
    assert missing.status_code == 404
    huge = dict(fields, content="x" * (1024 * 1024 + 1))
    refused = reader.post("/guide/first/-/propose", data=huge)
    assert refused.status_code == 413 and "limit" in refused.get_data(as_text=True)
    assert git(basic_repo, "for-each-ref", "refs/heads/proposals/") == ""
    # A new page is proposed from its own form, which says so.
    new = form_of(reader, "/guide/late-work/-/propose")
    assert new["create"] == "1"
    created = reader.post("/guide/late-work/-/propose", data=new)
    assert created.status_code == 303


def test_a_conflict_is_shown_and_resolved_in_the_form(
    app: Flask, reader: FlaskClient, editor_client: FlaskClient
) -> None:
    fields = form_of(reader, "/guide/first/-/propose")
    original = fields["content"]
    fields.update(content=original.replace("# First", "# Reader's title", 1))
    assert reader.post("/guide/first/-/propose", data=fields).status_code == 303
    edit = form_of(editor_client, "/guide/first/-/edit")
    edit.update(content=original.replace("# First", "# Editor's title", 1))
    assert editor_client.post("/guide/first/-/edit", data=edit).status_code == 303
    token = csrf_token(editor_client, "/-/proposals/1")
    conflict = editor_client.post("/-/proposals/1/merge", data={"csrf_token": token})
    assert conflict.status_code == 409
    page = BeautifulSoup(conflict.get_data(as_text=True), "html.parser")
    assert "Editor's title" in page.select_one("textarea[aria-label='The page as it is now']").text
    resolution = page.select_one("form.editor")
    assert resolution is not None and "Reader's title" in resolution.select_one("textarea").text
    data = {i["name"]: i.get("value", "") for i in resolution.select("input[name]")}
    data["content"] = original.replace("# First", "# Both titles", 1)
    assert editor_client.post("/-/proposals/1/merge", data=data).status_code == 303
    assert "# Both titles" in editor_client.get("/guide/first/-/raw").get_data(as_text=True)


def test_decline_withdraw_update_and_the_listing(
    app: Flask, reader: FlaskClient, commenter: FlaskClient, editor_client: FlaskClient
) -> None:
    suggest(reader, "guide/first", "one\n", "Reader's idea")
    suggest(commenter, "guide/second", "two\n", "Commenter's idea")
    listing = editor_client.get("/-/proposals").get_data(as_text=True)
    assert "Reader&#39;s idea" in listing and "Commenter&#39;s idea" in listing
    by_cam = editor_client.get("/-/api/v1/proposals?author=cam").get_json()
    assert [p["summary"] for p in by_cam["proposals"]] == ["Commenter's idea"]
    # The reader changes their suggestion, then withdraws it; the commenter may not.
    fields = form_of(reader, "/-/proposals/1/edit")
    fields.update(content=fields["content"] + "more\n", summary="Better idea")
    assert reader.post("/-/proposals/1/update", data=fields).status_code == 303
    token = csrf_token(commenter, "/-/proposals/1")
    assert commenter.post("/-/proposals/1/withdraw", data={"csrf_token": token}).status_code == 403
    token = csrf_token(reader, "/-/proposals/1")
    assert reader.post("/-/proposals/1/withdraw", data={"csrf_token": token}).status_code == 303
    # The editor declines the other with a note; the commenter reads it.
    token = csrf_token(editor_client, "/-/proposals/2")
    declined = editor_client.post(
        "/-/proposals/2/decline", data={"csrf_token": token, "note": "Covered elsewhere."}
    )
    assert declined.status_code == 303
    assert "Covered elsewhere." in commenter.get("/-/proposals/2").get_data(as_text=True)
    states = editor_client.get("/-/api/v1/proposals?state=all").get_json()
    assert {p["id"]: p["state"] for p in states["proposals"]} == {1: "withdrawn", 2: "declined"}
    assert editor_client.get("/-/api/v1/proposals").get_json()["proposals"] == []
    assert editor_client.get("/-/proposals?state=nonsense").status_code == 400
    assert editor_client.get("/-/proposals/99").status_code == 404


def test_a_discussion_on_a_suggestion(
    app: Flask, reader: FlaskClient, commenter: FlaskClient
) -> None:
    suggest(reader, "guide/first", "one\n")
    token = csrf_token(commenter, "/-/proposals/1")
    posted = commenter.post(
        "/-/proposals/1/comments", data={"csrf_token": token, "body": "Why *this*?"}
    )
    assert posted.status_code == 303
    shown = reader.get("/-/proposals/1").get_data(as_text=True)
    assert "<em>this</em>" in shown
    other = logged_in_client(app, "ria", "reader")
    token = csrf_token(other, "/-/proposals/1")
    refused = other.post("/-/proposals/1/comments", data={"csrf_token": token, "body": "Hi"})
    assert refused.status_code == 403


@pytest.fixture
def mail_app(basic_repo: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app with a mail server that is never reached: messages wait in the outbox."""
    application = create_app({
        "repo": basic_repo, "instance": tmp_path / "instance", "smtp_host": "127.0.0.1",
        "smtp_port": 9, "base_url": "http://wiki.example.org", "notify_batch_seconds": 3600,
    })  # fmt: skip
    application.config["TESTING"] = True
    yield application
    application.extensions[watch.EXTENSION].notifier.close()
    application.extensions["masterywiki"].wiki.storage.close()


def outbox(app: Flask) -> list[tuple[str, str]]:
    with app.extensions["masterywiki"].database.read() as db:
        rows = db.all("SELECT recipient, message FROM notify_outbox ORDER BY id")
    parsed = [email.message_from_bytes(bytes(row["message"]), policy=email.policy.default)
              for row in rows]  # fmt: skip
    return [
        (row["recipient"], str(m["Subject"]).strip()) for row, m in zip(rows, parsed, strict=True)
    ]


def test_watching_editors_and_the_proposer_are_told(mail_app: Flask) -> None:
    accounts = accounts_of(mail_app)
    accounts.add_user("rae", PASSWORD, role="reader", name="Rae", email="rae@example.org")
    accounts.add_user("eve", PASSWORD, role="editor", name="Eve", email="eve@example.org")
    accounts.add_user("ivy", PASSWORD, role="editor", name="Ivy", email="ivy@example.org")
    watchlist = mail_app.extensions[watch.EXTENSION].watchlist
    for username, target in (("eve", "guide"), ("ivy", "glossary")):
        watchlist.watch(username, target, "section")
        watchlist.set_email(username, True)
    reader, editor = mail_app.test_client(), mail_app.test_client()
    login(reader, "rae")
    login(editor, "eve")
    suggest(reader, "guide/first", "one\n", "Reader's idea")
    assert outbox(mail_app) == [
        ("eve@example.org", "[Mastery Learning Wiki] Suggested edit to guide/first: Reader's idea")
    ]  # ivy watches another section
    feed = editor.get(new_feed(editor)).get_data(as_text=True)
    assert "Suggested edit to First Chapter: Reader&#39;s idea" in feed
    assert "/-/proposals/1" in feed
    token = csrf_token(editor, "/-/proposals/1")
    editor.post("/-/proposals/1/comments", data={"csrf_token": token, "body": "Nice."})
    editor.post("/-/proposals/1/merge", data={"csrf_token": token})
    told = [subject for to, subject in outbox(mail_app) if to == "rae@example.org"]
    assert told == [
        "[Mastery Learning Wiki] Eve commented on your suggested edit to guide/first",
        "[Mastery Learning Wiki] Eve merged your suggested edit to guide/first",
    ]


def test_suggestions_are_limited_like_comments(basic_repo: Path, tmp_path: Path) -> None:
    app = create_app({"repo": basic_repo, "instance": tmp_path / "instance",
                      "comment_rate_limit": 1})  # fmt: skip
    app.config["TESTING"] = True
    reader = logged_in_client(app, "rae", "reader")
    suggest(reader, "guide/first", "one\n")
    fields = form_of(reader, "/guide/second/-/propose")
    refused = reader.post("/guide/second/-/propose", data=fields)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert [p.id for p in service(app).all()] == [1]
    app.extensions["masterywiki"].wiki.storage.close()
