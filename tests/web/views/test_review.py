"""Owners and review dates in the web: the review line and out-of-date notice on a
page, the dashboard and its JSON twin with filters, and "Mark reviewed"."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.git.storage import Author
from masterywiki.stewardship.feedback import Feedback
from masterywiki.web.app import create_app
from masterywiki.web.views.review import today
from tests.auth_fixtures import csrf_token, logged_in_client, make_user
from tests.conftest import git


def ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


def pages() -> dict[str, str]:
    return {
        "index.md": "# Home\n",
        "framework/grading.md": f"---\ntitle: Grading\nowner: olive\nreview_every: 90 days\n"
        f"reviewed: {ago(120)}\n---\n# Grading\n\nPolicy.\n",
        "framework/tracking.md": f"---\nowner: [olive, bo]\nreview_by: {ago(-10)}\n---\n"
        "# Tracking\n",
        "glossary/rubric.md": "---\ntype: term\n---\n# Rubric\n\nA scoring guide.\n",
        "glossary/mastery.md": f"---\nowner: bo\nreview_every: 1 year\nreviewed: {ago(30)}\n---\n"
        "# Mastery\n",
    }


@pytest.fixture
def wiki_app(repo_factory: Callable[..., Path], tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"repo": repo_factory(pages()), "instance": tmp_path / "instance"})
    app.config["TESTING"] = True
    yield app
    app.extensions["masterywiki"].wiki.storage.close()


def soup(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_an_overdue_page_tells_every_reader(wiki_app: Flask) -> None:
    page = soup(wiki_app.test_client(), "/framework/grading")
    notice = page.select_one(".stale-notice")
    assert notice is not None and "may be out of date" in notice.get_text()
    assert "last reviewed on" in notice.get_text() and "Ask olive" in notice.get_text()
    line = page.select_one(".review-line").get_text(" ", strip=True)
    assert "Owner: olive" in line and "Review was due" in line
    assert page.select_one(".review-line form") is None, "an anonymous reader cannot review"


def test_an_up_to_date_page_shows_its_dates_quietly(wiki_app: Flask) -> None:
    page = soup(wiki_app.test_client(), "/glossary/mastery")
    assert page.select_one(".stale-notice") is None
    assert "Next review" in page.select_one(".review-line").get_text()
    assert soup(wiki_app.test_client(), "/glossary/rubric").select_one(".review-line") is None


def test_the_dashboard_orders_counts_and_filters(wiki_app: Flask) -> None:
    client = wiki_app.test_client()
    page = soup(client, "/-/review")
    rows = [a.get_text() for a in page.select(".review-table td:first-child > a")]
    assert rows[:2] == ["Grading", "Tracking"], "overdue first, then due"
    counts = {a.get_text(" ", strip=True) for a in page.select(".review-counts a")}
    assert {"1 overdue", "1 due soon", "2 with no owner", "5 all pages"} <= counts
    only_bo = soup(client, "/-/review?owner=bo")
    assert [a.get_text() for a in only_bo.select(".review-table td:first-child > a")] == [
        "Tracking", "Mastery",
    ]  # fmt: skip
    unowned = soup(client, "/-/review?owner=-&section=glossary")
    assert [a.get_text() for a in unowned.select(".review-table td:first-child > a")] == ["Rubric"]
    assert "No page matches" in soup(client, "/-/review?state=ok&owner=olive").get_text()
    assert client.get("/-/review?state=stale").status_code == 400


def test_the_json_twin(wiki_app: Flask) -> None:
    client = wiki_app.test_client()
    found = client.get("/-/api/v1/review?state=overdue").json
    assert found == [{
        "path": "framework/grading", "title": "Grading", "url": "/framework/grading",
        "owner": ["olive"], "reviewed": ago(120),
        "review_by": (date.fromisoformat(ago(120)) + timedelta(days=90)).isoformat(),
        "state": "overdue", "reports": 0,
    }]  # fmt: skip
    assert len(client.get("/-/api/v1/review").json) == 5


def mark(client: FlaskClient, name: str, note: str = "", **extra: str) -> object:
    data = {"csrf_token": csrf_token(client, f"/{name}"), "note": note, **extra}
    return client.post(f"/{name}/-/reviewed", data=data)


def test_the_owner_marks_a_page_reviewed_in_one_commit(wiki_app: Flask) -> None:
    owner = logged_in_client(wiki_app, "olive", "reader")  # owning is enough
    page = soup(owner, "/framework/grading")
    assert page.select_one(".review-line form button").get_text() == "Mark reviewed"
    response = mark(owner, "framework/grading", "Checked against the 2026 policy.")
    assert response.status_code == 303 and response.headers["Location"] == "/framework/grading"
    repo = wiki_app.extensions["masterywiki"].settings.repo
    message = git(repo, "log", "-1", "--format=%ae%n%B")
    assert message.startswith(
        "olive@users.masterywiki.invalid\nReviewed Grading\n\nChecked against the 2026 policy."
    )
    assert f"reviewed: {today().isoformat()}" in git(repo, "show", "HEAD:framework/grading.md")
    assert git(repo, "show", "--stat", "--format=", "HEAD").count("|") == 1, "one file"
    after = soup(owner, "/framework/grading")
    assert after.select_one(".stale-notice") is None


def test_who_may_mark_a_page_reviewed(wiki_app: Flask) -> None:
    anonymous = wiki_app.test_client()
    assert mark(anonymous, "framework/grading").status_code == 401
    reader = logged_in_client(wiki_app, "rita", "reader")
    assert mark(reader, "framework/grading").status_code == 403, "not an owner"
    editor = logged_in_client(wiki_app, "edna", "editor")
    back = mark(editor, "framework/tracking", next="/-/review?owner=bo")
    assert back.status_code == 303 and back.headers["Location"] == "/-/review?owner=bo"
    elsewhere = mark(editor, "framework/tracking", next="//evil.example/")
    assert elsewhere.headers["Location"] == "/framework/tracking", "never an open redirect"
    assert mark(editor, "no/such-page").status_code == 404
    no_token = editor.post("/framework/grading/-/reviewed", data={"note": "x"})
    assert no_token.status_code == 400
    long_note = mark(editor, "framework/grading", "x" * 501)
    assert long_note.status_code == 400


def test_json_answer(wiki_app: Flask) -> None:
    make_user(wiki_app, "bo", "reader")
    from tests.auth_fixtures import login

    client = wiki_app.test_client()
    login(client, "bo")
    data = {"csrf_token": csrf_token(client, "/glossary/mastery")}
    answer = client.post("/glossary/mastery/-/reviewed", data=data,
                         headers={"Accept": "application/json"})  # fmt: skip
    assert answer.status_code == 200
    assert answer.json["path"] == "glossary/mastery" and len(answer.json["commit"]) == 40


def test_reports_follow_a_moved_page(wiki_app: Flask) -> None:
    found = wiki_app.extensions["masterywiki"]
    Feedback(found.database).send(
        "framework/grading", None, "outdated", "", None, address="1.1.1.1"
    )
    found.editor.rename("framework/grading", "policy/grading", Author("Ed", "ed@example.org"), "")
    rows = {row["path"]: row for row in wiki_app.test_client().get("/-/api/v1/review").json}
    assert "framework/grading" not in rows and rows["policy/grading"]["reports"] == 1
