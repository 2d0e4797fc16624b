"""@mentions over HTTP: the mark in the thread, the email to each person named (once,
never the author, only accounts), and the usernames the comment box is offered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.web.app import create_app
from masterywiki.web.views.mentions import MAX_SUGGESTIONS
from masterywiki.web.views.watch import EXTENSION as WATCH
from tests.auth_fixtures import PASSWORD, accounts_of, csrf_token, login
from tests.mail import SmtpServer, wait_for
from tests.web.views.test_api import check
from tests.web.views.test_comments_views import PAGE, post, post_comment


@pytest.fixture
def mail_app(basic_repo: Path, tmp_path: Path, smtp: SmtpServer) -> Iterator[Flask]:
    app = create_app({
        "repo": basic_repo, "instance": tmp_path / "mail", "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port, "smtp_starttls": False, "notify_batch_seconds": 0,
        "base_url": "https://wiki.example.org/",
    })  # fmt: skip
    app.config["TESTING"] = True
    accounts = accounts_of(app)
    accounts.add_user("cora", PASSWORD, "commenter", name="Cora", email="cora@example.org")
    accounts.add_user("olive", PASSWORD, "reader", name="Olive", email="olive@example.org")
    accounts.add_user("pat", PASSWORD, "editor", name="Pat", email="pat@example.org")
    accounts.add_user("nomail", PASSWORD, "reader")
    yield app
    notifier = app.extensions[WATCH].notifier
    assert notifier is not None
    notifier.close()
    app.extensions["masterywiki"].wiki.storage.close()


def client_of(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def test_a_mention_is_marked_and_mailed_once(mail_app: Flask, smtp: SmtpServer) -> None:
    cora = client_of(mail_app, "cora")
    body = "@olive, see this. @Olive again, @cora myself, @nomail and @ghost."
    comment_id = post_comment(cora, body)
    assert wait_for(lambda: bool(smtp.inbox.to("olive@example.org")))
    time.sleep(0.3)
    (message,) = smtp.inbox.to("olive@example.org")
    assert message["Subject"] == "Cora mentioned you on First Chapter"
    assert message["To"] == "Olive <olive@example.org>"
    text = message.get_content()
    assert "Cora mentioned you in a comment on “First Chapter”" in text
    assert f"https://wiki.example.org{PAGE}#comment-{comment_id}" in text
    assert "  @olive, see this." in text
    assert len(smtp.inbox.messages) == 1  # not the author, no address, no account

    page = BeautifulSoup(mail_app.test_client().get(PAGE).data, "html.parser")
    marks = page.select(f"#comment-{comment_id} .comment-body span.mention")
    assert [m["data-username"] for m in marks] == ["olive", "olive", "cora", "nomail"]
    assert marks[0]["title"] == "Olive"
    assert "@ghost" in page.select_one(f"#comment-{comment_id} .comment-body").get_text()

    # an edit tells only the people it adds
    url = f"{PAGE}/-/comments/{comment_id}/edit"
    response = cora.post(url, data={"csrf_token": csrf_token(cora, PAGE), "body": body + " @pat"})
    assert response.status_code == 303
    assert wait_for(lambda: bool(smtp.inbox.to("pat@example.org")))
    time.sleep(0.3)
    assert len(smtp.inbox.to("olive@example.org")) == 1
    assert len(smtp.inbox.messages) == 2


def test_without_a_mail_server_mentions_are_still_marked(app: Flask) -> None:
    accounts_of(app).add_user("cora", PASSWORD, "commenter", name="Cora")
    accounts_of(app).add_user("olive", PASSWORD, "reader")
    cora = client_of(app, "cora")
    comment_id = post_comment(cora, "Over to @olive")
    page = BeautifulSoup(app.test_client().get(PAGE).data, "html.parser")
    mark = page.select_one(f"#comment-{comment_id} span.mention")
    assert mark is not None and mark["title"] == "@olive"
    assert post(cora, body="").status_code == 400  # refusals are unchanged


def test_the_comment_box_is_offered_usernames(mail_app: Flask) -> None:
    reader = client_of(mail_app, "olive")
    answer = reader.get("/-/api/v1/users?q=P")
    assert answer.status_code == 200
    assert answer.get_json() == {"users": [{"username": "pat", "name": "Pat"}]}
    check(reader.get("/-/api/v1/openapi.json").get_json(), "UserList", answer.get_json())
    assert reader.get("/-/api/v1/users?q=@co").get_json()["users"][0]["username"] == "cora"
    assert reader.get("/-/api/v1/users?q=zzz").get_json() == {"users": []}
    assert reader.get("/-/api/v1/users?q=o%25").get_json() == {"users": []}  # no wildcards


def test_suggestions_are_capped(mail_app: Flask) -> None:
    for i in range(MAX_SUGGESTIONS + 5):
        accounts_of(mail_app).add_user(f"student{i:02}", PASSWORD, "reader")
    users = client_of(mail_app, "olive").get("/-/api/v1/users?q=stu").get_json()["users"]
    assert [u["username"] for u in users] == [f"student{i:02}" for i in range(MAX_SUGGESTIONS)]


@pytest.mark.parametrize(("query", "status"), [("", 400), ("?q=", 400), ("?q=" + "a" * 41, 400)])
def test_bad_queries_are_refused(mail_app: Flask, query: str, status: int) -> None:
    answer = client_of(mail_app, "olive").get("/-/api/v1/users" + query)
    assert answer.status_code == status
    assert answer.get_json()["error"]


def test_visitors_who_are_not_logged_in_get_no_accounts(mail_app: Flask) -> None:
    answer = mail_app.test_client().get("/-/api/v1/users?q=o")
    assert answer.status_code == 401
    assert "olive" not in answer.get_data(as_text=True)


def test_an_anonymous_comment_marks_names_but_tells_nobody(
    basic_repo: Path, tmp_path: Path, smtp: SmtpServer
) -> None:
    app = create_app({
        "repo": basic_repo, "instance": tmp_path / "anon", "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port, "smtp_starttls": False, "notify_batch_seconds": 0,
        "anonymous_comments": True,
    })  # fmt: skip
    app.config["TESTING"] = True
    accounts_of(app).add_user("olive", PASSWORD, "reader", email="olive@example.org")
    notifier = app.extensions[WATCH].notifier
    assert notifier is not None
    try:
        comment_id = post_comment(app.test_client(), "Spam for @olive")
        page = BeautifulSoup(app.test_client().get(PAGE).data, "html.parser")
        assert page.select_one(f"#comment-{comment_id} span.mention") is not None
        assert notifier.outbox() == 0
        time.sleep(0.3)
        assert smtp.inbox.messages == []
    finally:
        notifier.close()
        app.extensions["masterywiki"].wiki.storage.close()
