"""Reader feedback over HTTP: the block under each page, sending votes and reports with
and without JavaScript, bad input, the rate limit, the reports owners and editors see,
resolving them, and the email to a page's owners."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from masterywiki.stewardship.feedback import Feedback
from masterywiki.web.app import create_app
from masterywiki.web.views.feedback import EXTENSION
from masterywiki.web.views.watch import EXTENSION as WATCH
from tests.auth_fixtures import PASSWORD, accounts_of, csrf_token, logged_in_client, login
from tests.conftest import DATA, commit_files
from tests.mail import SmtpServer, wait_for

PAGE = "/guide/first"
JSON = {"Accept": "application/json"}


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def block(response: TestResponse) -> Tag:
    found = soup(response).select_one("section#feedback")
    assert found is not None, response.get_data(as_text=True)[:800]
    return found


def service(app: Flask) -> Feedback:
    found: Feedback = app.extensions[EXTENSION]
    return found


def send(client: FlaskClient, url: str = PAGE, headers: dict[str, str] | None = None,
         **data: str) -> TestResponse:  # fmt: skip
    token = csrf_token(client)  # the session's token, from any form
    base = "/index" if url == "/" else url  # the home page's actions live under /index
    return client.post(f"{base}/-/feedback", data={"csrf_token": token, **data}, headers=headers)


def set_owner(repo: Path, owner: str) -> None:
    """guide/first as in the test data, with `owner:` in its front matter."""
    text = (DATA / "basic" / "guide" / "first.md").read_text()
    commit_files(repo, {"guide/first.md": text.replace("---\n", f"---\n{owner}\n", 1)})


@pytest.fixture
def limited_app(basic_repo: Path, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"repo": basic_repo, "instance": tmp_path / "limited",
                      "comment_rate_limit": 2})  # fmt: skip
    app.config["TESTING"] = True
    yield app
    app.extensions["masterywiki"].wiki.storage.close()


# -- the block under the page ------------------------------------------------------------------


def test_every_page_has_the_forms_with_this_visitors_token(app: Flask, client: FlaskClient) -> None:
    section = block(client.get(PAGE))
    forms = section.select("form[data-feedback]")
    assert [f["action"] for f in forms] == [f"{PAGE}/-/feedback"] * 2
    assert all(f["method"] == "post" for f in forms)
    token = forms[0].select_one("input[name=csrf_token]")["value"]
    assert token and forms[1].select_one("input[name=csrf_token]")["value"] == token
    assert [b["value"] for b in section.select(".feedback-helpful button[name=helpful]")] == [
        "yes",
        "no",
    ]
    group = section.select_one(".feedback-choices")
    assert group["role"] == "group" and section.select_one(f"#{group['aria-labelledby']}")
    reasons = section.select(".feedback-reasons input[name=reason]")
    assert [r["value"] for r in reasons] == ["outdated", "unclear", "missing", "other"]
    assert section.select_one(".feedback-reasons legend").get_text() == "What is wrong?"
    assert section.select_one("label[for=feedback-note]") is not None
    assert section.select_one("textarea#feedback-note")["maxlength"] == "2000"
    assert section.select(".feedback-review") == []  # readers see only the forms
    assert section.select_one("link[href='/-/static/feedback.css']") is not None
    assert section.select_one("script[src='/-/static/feedback.js']") is not None
    other = app.test_client().get(PAGE).get_data(as_text=True)
    assert token not in other and "masterywiki:feedback" not in other  # the cache stays neutral


def test_the_home_page_posts_to_index(client: FlaskClient) -> None:
    assert block(client.get("/")).select_one("form")["action"] == "/index/-/feedback"
    assert send(client, "/", helpful="yes").headers["Location"] == "/?feedback=thanks#feedback"


def test_the_static_files_are_served(client: FlaskClient) -> None:
    for name in ("feedback.css", "feedback.js"):
        with client.get(f"/-/static/{name}") as response:
            assert response.status_code == 200


# -- sending ------------------------------------------------------------------------------


def test_a_vote_without_javascript_comes_back_with_thanks(app: Flask, client: FlaskClient) -> None:
    response = send(client, helpful="yes")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{PAGE}?feedback=thanks#feedback"
    page = block(client.get(response.headers["Location"]))
    assert (
        page.select_one(".feedback-status").get_text(strip=True) == "Thank you for your feedback."
    )
    assert page.select_one(".feedback-helpful").has_attr("hidden")
    assert service(app).helpful_counts("guide/first") == (1, 0)
    assert block(client.get(PAGE)).select_one(".feedback-thanks") is None


def test_a_report_from_a_logged_in_reader_in_json(app: Flask) -> None:
    reader = logged_in_client(app, "rita", "reader")
    response = send(reader, headers=JSON, reason="outdated", note="The dates are from 2019.")
    assert response.status_code == 201
    body: dict[str, Any] = response.get_json()
    assert body["reason"] == "outdated" and body["helpful"] is None and body["resolved"] is False
    (report,) = service(app).open_reports("guide/first")
    assert report.id == body["id"] and report.username == "rita"
    assert report.note == "The dates are from 2019."


def test_a_json_body_works_too(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client, PAGE)
    headers = {**JSON, "X-CSRFToken": token}
    response = client.post(f"{PAGE}/-/feedback", json={"helpful": False}, headers=headers)
    assert response.status_code == 201 and response.get_json()["helpful"] is False
    refused = client.post(f"{PAGE}/-/feedback", json=["yes"], headers=headers)
    assert refused.status_code == 400 and "JSON object" in refused.get_json()["message"]


def test_anonymous_feedback_is_stored_without_a_name(app: Flask, client: FlaskClient) -> None:
    send(client, helpful="no", reason="unclear", note="Which rubric?")
    (report,) = service(app).open_reports()
    assert report.username is None and report.helpful is False and report.reason == "unclear"


BAD = [
    ({"reason": "boring", "note": "kept"}, "'boring' is not a reason to report"),
    ({"helpful": "maybe", "note": "kept"}, "'helpful' must be 'yes' or 'no'"),
    ({"note": "kept"}, "Say whether the page helped you"),
    ({"reason": "other", "note": "kept" + "x" * 2000}, "the limit is 2,000"),
]


@pytest.mark.parametrize(("data", "message"), BAD)
def test_bad_input_shows_the_page_again_with_the_note_kept(
    app: Flask, client: FlaskClient, data: dict[str, str], message: str
) -> None:
    response = send(client, **data)
    assert response.status_code == 400
    section = block(response)
    assert message in section.select_one(".feedback-error[role=alert]").get_text()
    assert section.select_one("textarea#feedback-note").get_text() == data["note"]
    checked = section.select_one("input[name=reason][checked]")
    assert (checked["value"] if checked else None) == (
        data.get("reason") if data.get("reason") == "other" else None
    )
    assert soup(response).select_one("h1").get_text() == "First Chapter"  # the page itself
    assert service(app).open_reports() == [] and service(app).helpful_counts("guide/first") == (
        0,
        0,
    )


@pytest.mark.parametrize(("data", "message"), BAD)
def test_bad_input_in_json(client: FlaskClient, data: dict[str, str], message: str) -> None:
    response = send(client, headers=JSON, **data)
    assert response.status_code == 400 and message in response.get_json()["message"]


def test_a_page_that_does_not_exist(client: FlaskClient) -> None:
    assert send(client, "/guide/nowhere", helpful="yes").status_code == 404
    assert send(client, "/guide/nowhere", headers=JSON, helpful="yes").get_json()["error"] == (
        "Page not found"
    )


def test_a_moved_page_sends_the_form_on(app: Flask, client: FlaskClient, basic_repo: Path) -> None:
    token = csrf_token(client, PAGE)
    commit_files(basic_repo, {"guide/first.md": None}, "move away")
    commit_files(basic_repo, {"chapters/one.md": "---\nredirect_from: [guide/first]\n---\n# One\n"})
    data = {"csrf_token": token, "reason": "outdated"}
    moved = client.post(f"{PAGE}/-/feedback", data=data)
    assert moved.status_code == 308 and moved.headers["Location"] == "/chapters/one/-/feedback"
    # A browser sends the form on to the new address (the test client cannot replay it).
    sent_on = client.post(moved.headers["Location"], data=data)
    assert sent_on.headers["Location"] == "/chapters/one?feedback=thanks#feedback"
    assert [r.page for r in service(app).open_reports()] == ["chapters/one"]


def test_a_post_needs_the_csrf_token(app: Flask, client: FlaskClient) -> None:
    client.get(PAGE)
    response = client.post(f"{PAGE}/-/feedback", data={"helpful": "yes"})
    assert response.status_code == 400 and "security token" in response.get_data(as_text=True)
    assert service(app).helpful_counts("guide/first") == (0, 0)


def test_a_private_wiki_takes_feedback_from_logged_in_readers(
    basic_repo: Path, tmp_path: Path
) -> None:
    app = create_app({"repo": basic_repo, "instance": tmp_path / "p", "private": True})
    try:
        anonymous = app.test_client()
        assert send(anonymous, helpful="yes").status_code == 401  # reading needs a login
        reader = logged_in_client(app, "rita", "reader")
        assert send(reader, helpful="yes").status_code == 303
    finally:
        app.extensions["masterywiki"].wiki.storage.close()


# -- the rate limit ------------------------------------------------------------------------


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_anonymous_readers_are_limited_per_address(limited_app: Flask) -> None:
    here, there = (client_at(limited_app, a) for a in ("10.0.0.1", "10.0.0.2"))
    for _ in range(2):
        assert send(here, helpful="yes").status_code == 303
    response = send(here, reason="other", note="still here")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    section = block(response)
    assert "Please wait" in section.select_one(".feedback-error").get_text()
    assert section.select_one("textarea").get_text() == "still here"
    assert send(here, headers=JSON, helpful="yes").get_json()["error"] == "Too much feedback"
    assert send(there, helpful="yes").status_code == 303


def test_logged_in_readers_are_limited_per_user(limited_app: Flask) -> None:
    first = logged_in_client(limited_app, "rita", "reader")
    second = client_at(limited_app, "10.0.0.9")
    login(second, "rita")
    assert send(first, helpful="yes").status_code == 303
    assert send(second, helpful="yes").status_code == 303
    assert send(first, helpful="no").status_code == 429
    assert send(second, helpful="no").status_code == 429
    assert send(limited_app.test_client(), helpful="no").status_code == 303  # anonymous: apart


def test_comments_and_feedback_do_not_share_counts(limited_app: Flask) -> None:
    cora = logged_in_client(limited_app, "cora", "commenter")
    token = csrf_token(cora, PAGE)
    for n in range(2):
        posted = cora.post(f"{PAGE}/-/comments", data={"csrf_token": token, "body": f"c{n}"})
        assert posted.status_code == 303
    assert cora.post(f"{PAGE}/-/comments", data={"csrf_token": token, "body": "x"}).status_code == (
        429
    )
    assert send(cora, helpful="yes").status_code == 303
    assert send(cora, helpful="yes").status_code == 303
    assert send(cora, helpful="yes").status_code == 429


# -- what owners and editors see, and resolving -------------------------------------------------


def test_editors_see_votes_and_open_reports_escaped(app: Flask, client: FlaskClient) -> None:
    send(client, helpful="yes")
    send(client, helpful="no", reason="unclear", note="<script>alert(1)</script>\nline two")
    editor = logged_in_client(app, "edna", "editor")
    response = editor.get(PAGE)
    review = block(response).select_one(".feedback-review")
    assert review.select_one(".feedback-votes").get_text(" ", strip=True) == (
        "Helpful: 1 yes, 1 no"
    )
    (item,) = review.select(".feedback-item")
    assert item.select_one(".feedback-reason-badge").get_text() == "Unclear or confusing"
    assert item.select_one(".feedback-note").get_text() == "<script>alert(1)</script>\nline two"
    assert "by a reader who was not logged in" in item.get_text()
    assert item.select_one("form")["action"] == f"{PAGE}/-/feedback/{item['id'][7:]}/resolve"
    html = response.get_data(as_text=True)
    section = html[html.index('id="feedback"') :]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section and "<script>alert" not in section


def test_the_reporters_name_is_shown_when_logged_in(app: Flask) -> None:
    send(logged_in_client(app, "rita", "reader"), reason="missing")
    item = block(logged_in_client(app, "edna", "editor").get(PAGE)).select_one(".feedback-item")
    assert "by rita" in item.get_text()


def test_owners_see_the_reports_and_readers_do_not(app: Flask, basic_repo: Path) -> None:
    set_owner(basic_repo, "owner: [olive, oscar]")
    owner = logged_in_client(app, "olive", "reader")
    reader = logged_in_client(app, "rita", "reader")
    send(reader, reason="outdated")
    assert len(block(owner.get(PAGE)).select(".feedback-review .feedback-item")) == 1
    assert block(reader.get(PAGE)).select(".feedback-review") == []


def resolve(client: FlaskClient, report_id: int, page: str = PAGE, **headers: str) -> TestResponse:
    token = csrf_token(client)
    return client.post(
        f"{page}/-/feedback/{report_id}/resolve", data={"csrf_token": token}, headers=headers
    )


@pytest.fixture
def report_id(app: Flask, client: FlaskClient, basic_repo: Path) -> int:
    set_owner(basic_repo, "owner: olive")
    send(client, reason="outdated", note="old")
    (report,) = service(app).open_reports()
    return report.id


def test_readers_may_not_resolve(app: Flask, client: FlaskClient, report_id: int) -> None:
    assert resolve(client, report_id).status_code == 401
    reader = logged_in_client(app, "rita", "reader")
    response = resolve(reader, report_id)
    assert response.status_code == 403 and "owners, editors and admins" in response.get_data(True)
    assert len(service(app).open_reports()) == 1


def test_the_owner_resolves(app: Flask, report_id: int) -> None:
    owner = logged_in_client(app, "olive", "reader")
    response = resolve(owner, report_id)
    assert response.status_code == 303 and response.headers["Location"] == f"{PAGE}#feedback"
    assert service(app).open_reports() == [] and service(app).open_counts() == {}
    (done,) = [service(app).get(report_id)]
    assert done.resolved_by == "olive"
    section = block(owner.get(PAGE))
    assert section.select(".feedback-item") == []
    assert section.select_one(".feedback-none").get_text() == "No open reports."


def test_an_editor_resolves_in_json(app: Flask, report_id: int) -> None:
    editor = logged_in_client(app, "edna", "editor")
    assert service(app).open_counts() == {"guide/first": 1}
    response = resolve(editor, report_id, **JSON)
    assert response.status_code == 200 and response.get_json()["resolved"] is True
    assert service(app).open_counts() == {} and service(app).open_outdated() == {}


def test_a_report_is_resolved_only_on_its_own_page(app: Flask, report_id: int) -> None:
    editor = logged_in_client(app, "edna", "editor")
    assert resolve(editor, report_id, "/guide/second").status_code == 404
    assert resolve(editor, 999_999).status_code == 404
    assert len(service(app).open_reports()) == 1


def test_reports_stay_with_a_moved_page(app: Flask, client: FlaskClient, basic_repo: Path) -> None:
    send(client, reason="outdated", note="before the move")
    commit_files(basic_repo, {"guide/first.md": None}, "move away")
    commit_files(basic_repo, {"chapters/one.md": "---\nredirect_from: [guide/first]\n---\n# One\n"})
    editor = logged_in_client(app, "edna", "editor")
    (item,) = block(editor.get("/chapters/one")).select(".feedback-item")
    assert item.select_one(".feedback-note").get_text() == "before the move"
    report_id = int(str(item["id"]).removeprefix("report-"))
    assert resolve(editor, report_id, "/chapters/one").status_code == 303


# -- email to the owners -------------------------------------------------------------------------


@pytest.fixture
def smtp_app(basic_repo: Path, tmp_path: Path, smtp: SmtpServer) -> Iterator[Flask]:
    app = create_app({
        "repo": basic_repo, "instance": tmp_path / "mail", "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port, "smtp_starttls": False, "notify_batch_seconds": 0,
        "base_url": "https://wiki.example.org/",
    })  # fmt: skip
    app.config["TESTING"] = True
    notifier = app.extensions[WATCH].notifier
    assert notifier is not None
    yield app
    notifier.close()
    app.extensions["masterywiki"].wiki.storage.close()


def test_a_report_is_mailed_to_the_owners(
    smtp_app: Flask, smtp: SmtpServer, basic_repo: Path
) -> None:
    accounts = accounts_of(smtp_app)
    accounts.add_user("olive", PASSWORD, "reader", name="Olive", email="olive@example.org")
    accounts.add_user("oscar", PASSWORD, "editor", name="Oscar", email="oscar@example.org")
    accounts.add_user("nomail", PASSWORD, "reader")  # no address: nobody to write to
    set_owner(basic_repo, "owner: [olive, oscar, nomail, ghost]")
    oscar = smtp_app.test_client()
    login(oscar, "oscar")
    assert send(oscar, reason="outdated", note="The 2019 dates.").status_code == 303
    assert send(oscar, helpful="yes").status_code == 303  # a vote is not mailed
    assert wait_for(lambda: bool(smtp.inbox.to("olive@example.org")))
    time.sleep(0.3)
    (message,) = smtp.inbox.to("olive@example.org")
    assert message["Subject"] == "Reader report on First Chapter: outdated"
    assert message["To"] == "Olive <olive@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] and message["Date"]
    text = message.get_content()
    assert "Reason: Out of date" in text and "  The 2019 dates." in text and "From: oscar" in text
    assert "https://wiki.example.org/guide/first#feedback" in text
    assert smtp.inbox.to("oscar@example.org") == []  # their own report
    assert len(smtp.inbox.messages) == 1


def test_without_a_mail_server_the_report_is_still_kept(app: Flask, basic_repo: Path) -> None:
    assert app.extensions[WATCH].notifier is None
    accounts_of(app).add_user("olive", PASSWORD, "reader", email="olive@example.org")
    set_owner(basic_repo, "owner: olive")
    client = app.test_client()
    assert send(client, reason="missing").status_code == 303
    owner = app.test_client()
    login(owner, "olive")
    assert len(block(owner.get(PAGE)).select(".feedback-item")) == 1


def test_the_anonymous_block_is_kept_per_language_with_each_visitors_token(
    app: Flask, client: FlaskClient
) -> None:
    english = block(client.get(PAGE))
    other = app.test_client()
    spanish = block(other.get(PAGE + "?lang=es"))
    legend = ".feedback-reasons legend"
    assert english.select_one(legend).get_text() == "What is wrong?"
    assert spanish.select_one(legend).get_text() not in ("", "What is wrong?")
    tokens = [b.select_one("input[name=csrf_token]")["value"] for b in (english, spanish)]
    assert tokens[0] != tokens[1] and "slot" not in tokens[0]
    # A visitor's own token in the kept block is the one their session accepts.
    response = client.post(f"{PAGE}/-/feedback", data={"helpful": "yes", "csrf_token": tokens[0]})
    assert response.status_code == 303
