"""Comments in the browser and for scripts: threads on the page, forms, roles, JSON, feed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from masterywiki.web.app import create_app
from tests.auth_fixtures import csrf_token, login, make_user
from tests.conftest import commit_files, git

PAGE = "/guide/first"


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def cora(app: Flask) -> FlaskClient:
    make_user(app, "cora", "commenter")
    client = app.test_client()
    login(client, "cora")
    return client


def post(client: FlaskClient, url: str = f"{PAGE}/-/comments", **data: str) -> TestResponse:
    return client.post(url, data={"csrf_token": csrf_token(client, PAGE), **data})


def post_comment(client: FlaskClient, body: str, **data: str) -> str:
    """Post through the page's form; returns the new comment's id."""
    response = post(client, body=body, **data)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    location = response.headers["Location"]
    assert location.startswith(f"{PAGE}#comment-")
    return location.rsplit("#comment-", 1)[1]


# -- on the page ----------------------------------------------------------------------


def test_page_shows_thread_count_and_section_marker(cora: FlaskClient, client: FlaskClient) -> None:
    first = post_comment(cora, "Does **this** apply to K-2?", anchor="principles")
    post_comment(cora, "A reply", parent=first)
    post_comment(cora, "About the whole page")
    page = soup(client.get(PAGE))
    assert page.select_one(".page-meta-top a.comment-count").get_text() == "3 comments"
    assert page.select_one(".page-meta-top a.comment-count")["href"] == "#comments"
    marker = page.select_one("h2#principles a.comment-marker")
    assert marker.get_text() == "2" and marker["href"] == f"#comment-{first}"
    threads = page.select("#comments .thread")
    assert len(threads) == 2
    assert threads[0].select_one(".thread-context a")["href"] == f"{PAGE}#principles"
    assert [a.select_one(".comment-body").get_text(strip=True) for a in threads[0].select(
        "article.comment")] == ["Doesthisapply to K-2?", "A reply"]  # fmt: skip
    assert threads[0].select_one(f"#comment-{first} .comment-body strong").get_text() == "this"
    assert page.select_one("link[href='/-/static/comments.css']") is not None
    assert page.select_one("script[src='/-/static/comments.js']") is not None


def test_cached_page_stays_user_neutral(app: Flask, cora: FlaskClient, client: FlaskClient) -> None:
    post_comment(cora, "hello")
    as_cora = soup(cora.get(PAGE))  # fills the shared cache
    token = as_cora.select_one("#comments input[name=csrf_token]")["value"]
    assert as_cora.select_one("#comments a[data-edit]") is not None
    anonymous = client.get(PAGE)
    text = anonymous.get_data(as_text=True)
    assert token not in text and "masterywiki:comments" not in text
    page = soup(anonymous)
    assert page.select("#comments form") == []
    assert page.select_one("#comments .comment-hint a")["href"].startswith("/-/login?next=")
    assert page.select_one("#comments .comment-body").get_text(strip=True) == "hello"


def test_page_without_comments_invites_login(client: FlaskClient) -> None:
    page = soup(client.get("/guide/second"))
    section = page.select_one("section#comments")
    assert "No comments yet." in section.get_text()
    assert section.select_one("a")["href"] == "/-/login?next=/guide/second%23comments"
    assert page.select_one("a.comment-count") is None


def test_root_page_comments_use_the_index_actions(cora: FlaskClient) -> None:
    response = post(cora, "/index/-/comments", body="On the home page")
    assert response.status_code == 303 and response.headers["Location"].startswith("/#comment-")
    page = soup(cora.get("/"))
    assert page.select_one("#new-comment form")["action"] == "/index/-/comments"


# -- forms and roles -------------------------------------------------------------------


def test_anonymous_reader_and_csrf_refusals(
    app: Flask, client: FlaskClient, basic_repo: Path
) -> None:
    before = git(basic_repo, "rev-parse", "HEAD")
    token = csrf_token(client)
    response = client.post(f"{PAGE}/-/comments", data={"body": "anonymous", "csrf_token": token})
    assert response.status_code == 401
    assert "Log in to comment" in soup(response).get_text()
    make_user(app, "rita", "reader")
    login(client, "rita")
    response = post(client, body="reader")
    assert response.status_code == 403
    assert "commenter role; your account has the reader role" in soup(response).get_text()
    reader_page = soup(client.get(PAGE))
    assert "your account has the reader role" in reader_page.select_one(".comment-hint").get_text()
    make_user(app, "cleo", "commenter")
    login(client, "cleo")
    response = client.post(f"{PAGE}/-/comments", data={"body": "no token"})
    assert response.status_code == 400
    assert git(basic_repo, "rev-parse", "HEAD") == before


def test_comment_limit_counts_its_own_bytes_not_the_encoded_form(
    basic_repo: Path, tmp_path: Path
) -> None:
    """A comment limit above the page limit still admits a non-ASCII comment within it
    (percent-encoded, each of its bytes travels as three)."""
    settings = {"max_page_bytes": 4096, "max_comment_bytes": 60_000}
    app = create_app({"repo": basic_repo, "instance": tmp_path / "big", **settings})
    try:
        make_user(app, "cora", "commenter")
        client = app.test_client()
        login(client, "cora")
        within = "Ученик показывает, что умеет. " * 1000  # 54,000 bytes: 152,000 on the wire
        assert post(client, body=within).status_code == 303
        over = "Ученик показывает, что умеет. " * 1200
        response = post(client, body=over)
        assert response.status_code == 413
        assert "the limit is 60,000 bytes" in soup(response).select_one(".form-error").get_text()
        assert soup(response).select_one("#new-comment textarea").get_text() == over
        flood = post(client, body="x" * 700_000)  # past any comment's weight on the wire
        assert flood.status_code == 413
        assert "(60,000 bytes a comment)" in soup(flood).get_text()
    finally:
        app.extensions["masterywiki"].wiki.storage.close()


def test_anonymous_comments_when_turned_on(basic_repo: Path, tmp_path: Path) -> None:
    app = create_app(
        {"repo": basic_repo, "instance": tmp_path / "open", "anonymous_comments": True}
    )
    try:
        client = app.test_client()
        form = soup(client.get(PAGE)).select_one("#new-comment form")
        assert "Anonymous" in soup(client.get(PAGE)).select_one("#new-comment").get_text()
        token = form.select_one("input[name=csrf_token]")["value"]
        response = client.post(f"{PAGE}/-/comments", data={"body": "hi", "csrf_token": token})
        assert response.status_code == 303
        assert git(basic_repo, "log", "-1", "--format=%an|%s") == "Anonymous|Comment on guide/first"
        page = soup(client.get(PAGE))
        assert page.select_one(".comment-author").get_text() == "Anonymous"
        assert page.select_one("#comments a[data-edit]") is None
    finally:
        app.extensions["masterywiki"].wiki.storage.close()


def test_reply_edit_resolve_through_forms(
    app: Flask, cora: FlaskClient, editor_client: FlaskClient, basic_repo: Path
) -> None:
    first = post_comment(cora, "Question")
    # Without JavaScript, "Reply" leads to the discussion page with the form open.
    link = soup(editor_client.get(PAGE)).select_one(f"#comment-{first} a[data-reply]")
    reply_page = soup(editor_client.get(link["href"]))
    form = reply_page.select_one(f"form#reply-{first}")
    assert form.select_one("input[name=parent]")["value"] == first
    assert form.select_one("input[name=next]")["value"] == "discussion"
    response = editor_client.post(
        form["action"],
        data={"body": "Answer", "parent": first, "next": "discussion",
              "csrf_token": form.select_one("input[name=csrf_token]")["value"]},
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"{PAGE}/-/comments#comment-")
    assert git(basic_repo, "log", "-1", "--format=%an") == "Edna"

    # Edit: only the author gets the form; the old text stays in the history.
    assert soup(editor_client.get(PAGE)).select_one(f"#edit-{first}") is None
    edit_form = soup(cora.get(PAGE)).select_one(f"form#edit-{first}")
    assert edit_form.has_attr("hidden") and edit_form.textarea.get_text() == "Question"
    response = post(cora, edit_form["action"], body="Question, clarified")
    assert response.status_code == 303 and response.headers["Location"].endswith(first)
    comment = soup(cora.get(PAGE)).select_one(f"#comment-{first}")
    assert comment.select_one(".edited") is not None
    assert comment.select_one(".comment-body").get_text(strip=True) == "Question, clarified"
    assert comment.select_one(".comment-history .comment-body").get_text(strip=True) == "Question"
    response = post(editor_client, edit_form["action"], body="hijack")
    assert response.status_code == 403

    # Resolve (an editor) folds the thread away; reopen brings it back.
    resolve = soup(editor_client.get(PAGE)).select_one(f"#comment-{first} form[action$=resolve]")
    assert post(editor_client, resolve["action"]).status_code == 303
    page = soup(cora.get(PAGE))
    assert page.select_one(f"details.resolved-threads #thread-{first}") is not None
    assert "Resolved by Edna" in page.select_one(f"#thread-{first} .resolved-badge").get_text()
    reopen = page.select_one(f"#comment-{first} form[action$=reopen]")  # the thread's author
    assert post(cora, reopen["action"]).status_code == 303
    assert soup(cora.get(PAGE)).select_one("details.resolved-threads") is None


def test_delete_visibility_by_role(
    app: Flask, cora: FlaskClient, admin_client: FlaskClient, client: FlaskClient
) -> None:
    first = post_comment(cora, "Something I regret")
    other = post_comment(admin_client, "Admin's own")
    assert soup(cora.get(PAGE)).select_one(f"#comment-{other} form[action$=delete]") is None
    assert post(cora, f"{PAGE}/-/comments/{other}/delete").status_code == 403
    delete = soup(cora.get(PAGE)).select_one(f"#comment-{first} form[action$=delete]")
    assert delete["data-confirm"]
    assert post(cora, delete["action"]).status_code == 303
    for viewer in (client, cora):
        comment = soup(viewer.get(PAGE)).select_one(f"#comment-{first}")
        assert "Something I regret" not in comment.get_text()
        assert "This comment was deleted by Cora" in comment.select_one(".deleted-note").get_text()
        data = viewer.get(f"{PAGE}/-/comments", headers={"Accept": "application/json"}).get_json()
        shown = data["threads"][0]["comments"][0]
        assert shown["deleted"] and shown["body"] is None and shown["html"] is None
    admin_view = soup(admin_client.get(PAGE)).select_one(f"#comment-{first} details.deleted-text")
    assert "Something I regret" in admin_view.get_text()
    assert soup(client.get(PAGE)).select_one("a.comment-count").get_text() == "1 comment"


def test_form_errors_keep_the_text(app: Flask, cora: FlaskClient) -> None:
    big = "x" * (20 * 1024 + 1)
    response = post(cora, body=big)
    assert response.status_code == 413
    page = soup(response)
    assert "20,480" in page.select_one("#new-comment .form-error").get_text()
    assert page.select_one("#new-comment textarea").get_text() == big
    response = post(cora, body="   ")
    assert response.status_code == 400
    assert "The comment is empty" in soup(response).select_one(".form-error").get_text()
    response = post(cora, body="on a section", anchor="nope")
    assert response.status_code == 400
    assert "no section 'nope'" in soup(response).select_one(".form-error").get_text()


def test_rate_limit_answers_429(app: Flask, cora: FlaskClient) -> None:
    limit = app.extensions["masterywiki"].settings.comment_rate_limit
    for n in range(limit):
        post_comment(cora, f"comment {n}")
    response = post(cora, body="one more")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Please wait" in soup(response).select_one(".form-error").get_text()
    assert soup(response).select_one("#new-comment textarea").get_text() == "one more"
    token = csrf_token(cora, PAGE)
    scripted = cora.post(
        f"{PAGE}/-/comments",
        json={"body": "via json"},
        headers={"X-CSRFToken": token, "Accept": "application/json"},
    )
    assert scripted.status_code == 429 and "Retry-After" in scripted.headers
    assert scripted.get_json()["error"] == "Too many comments"


# -- JSON, feed, changes ----------------------------------------------------------------


def test_json_read_and_post(cora: FlaskClient, client: FlaskClient) -> None:
    token = csrf_token(cora, PAGE)
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    created = cora.post(f"{PAGE}/-/comments", json={"body": "From a *script*"}, headers=headers)
    assert created.status_code == 201
    body: dict[str, Any] = created.get_json()
    assert body["body"] == "From a *script*" and body["html"] == "<p>From a <em>script</em></p>\n"
    assert created.headers["Location"] == f"{PAGE}#comment-{body['id']}"
    form_reply = cora.post(
        f"{PAGE}/-/comments", data={"body": "reply", "parent": body["id"]}, headers=headers
    )
    assert form_reply.status_code == 201 and form_reply.get_json()["parent"] == body["id"]
    listing = client.get(f"{PAGE}/-/comments", headers={"Accept": "application/json"})
    assert "Accept" in listing.headers["Vary"]
    data = listing.get_json()
    assert data["page"] == "guide/first" and data["count"] == 2
    (thread,) = data["threads"]
    assert [c["name"] for c in thread["comments"]] == ["Cora", "Cora"]
    assert thread["resolved"] is False and thread["anchor"] is None
    missing = client.get("/guide/nowhere/-/comments", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.get_json()["error"] == "Page not found"
    refused = client.post(f"{PAGE}/-/comments", json={"body": "x"}, headers=headers)
    assert refused.status_code == 400 and refused.is_json  # no session: the token is not valid


def test_discussion_page_html(cora: FlaskClient, client: FlaskClient) -> None:
    post_comment(cora, "Visible on the discussion page")
    page = soup(client.get(f"{PAGE}/-/comments"))
    assert page.select_one("h1").get_text() == "Discussion of “First Chapter”"
    assert page.select_one(".comment-body").get_text(strip=True) == "Visible on the discussion page"
    assert page.select_one("a[href='/guide/first/-/comments.atom']") is not None


def test_atom_feed(cora: FlaskClient, client: FlaskClient) -> None:
    first = post_comment(cora, "Older <b>&</b>")
    post_comment(cora, "Newer")
    response = client.get(f"{PAGE}/-/comments.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert [e.findtext("a:title", namespaces=ns) for e in entries] == [
        "Cora commented on First Chapter"
    ] * 2
    assert entries[1].find("a:link", ns).get("href") == f"http://localhost{PAGE}#comment-{first}"
    assert (
        entries[1].findtext("a:content", namespaces=ns) == "<p>Older &lt;b&gt;&amp;&lt;/b&gt;</p>\n"
    )


def test_recent_changes_list_comments(cora: FlaskClient, client: FlaskClient) -> None:
    post_comment(cora, "In the changes")
    row = soup(client.get("/-/changes")).select_one("table.history tbody tr")
    assert "Comment on guide/first" in row.get_text()
    assert "Cora" in row.get_text()


# -- moves ------------------------------------------------------------------------------


def test_renamed_page_keeps_its_discussion(
    cora: FlaskClient, editor_client: FlaskClient, basic_repo: Path
) -> None:
    post_comment(cora, "Follow me")
    token = csrf_token(editor_client, PAGE)
    response = editor_client.post(
        f"{PAGE}/-/rename", data={"new_path": "guide/moved", "csrf_token": token}
    )
    assert response.status_code == 303
    old = cora.get(f"{PAGE}/-/comments")
    assert old.status_code == 301 and old.headers["Location"] == "/guide/moved/-/comments"
    page = soup(cora.get("/guide/moved"))
    assert page.select_one(".comment-body").get_text(strip=True) == "Follow me"
    # A comment sent from a page opened before the move follows it, body and all.
    token = csrf_token(cora, "/guide/moved")
    sent = cora.post(f"{PAGE}/-/comments", data={"body": "Late", "csrf_token": token})
    assert sent.status_code == 308 and sent.headers["Location"] == "/guide/moved/-/comments"
    # (a browser sends the same body again to the new address; the test client does not)
    followed = cora.post(sent.headers["Location"], data={"body": "Late", "csrf_token": token})
    assert followed.status_code == 303
    bodies = [
        b.get_text(strip=True) for b in soup(cora.get("/guide/moved")).select(".comment-body")
    ]
    assert bodies == ["Follow me", "Late"]


def test_deleted_page_discussion_is_gone_and_restored(
    cora: FlaskClient, editor_client: FlaskClient, basic_repo: Path
) -> None:
    post_comment(cora, "Keep me")
    before = git(basic_repo, "rev-parse", "HEAD")
    token = csrf_token(editor_client, PAGE)
    assert editor_client.post(f"{PAGE}/-/delete", data={"csrf_token": token}).status_code == 303
    assert cora.get(f"{PAGE}/-/comments").status_code == 410
    response = editor_client.post(f"{PAGE}/-/revert", data={"rev": before, "csrf_token": token})
    assert response.status_code == 303
    assert soup(cora.get(PAGE)).select_one(".comment-body").get_text(strip=True) == "Keep me"


def test_broken_file_still_shows_good_comments(cora: FlaskClient, basic_repo: Path) -> None:
    post_comment(cora, "Survivor")
    text = git(basic_repo, "show", "HEAD:guide/first.comments.jsonl")
    commit_files(basic_repo, {"guide/first.comments.jsonl": "<<<<<<< ours\n" + text + "\n"})
    page = soup(cora.get(PAGE))
    assert [c.get_text(strip=True) for c in page.select(".comment-body")] == ["Survivor"]


@pytest.fixture
def no_limit_app(basic_repo: Path, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"repo": basic_repo, "instance": tmp_path / "i2", "comment_rate_limit": 0})
    yield app
    app.extensions["masterywiki"].wiki.storage.close()


def test_xss_in_comment_is_inert(no_limit_app: Flask) -> None:
    make_user(no_limit_app, "mal", "commenter")
    client = no_limit_app.test_client()
    login(client, "mal")
    for body in (
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "<img src=x onerror=a()>",
    ):
        post_comment(client, body)
    html = client.get(PAGE).get_data(as_text=True)
    section = html[html.index('id="comments"') :]
    assert "<script>alert" not in section and "<img" not in section
    assert not re.search(r'href="javascript', section)


def test_no_javascript_edit_link_opens_the_form(cora: FlaskClient) -> None:
    first = post_comment(cora, "Typo hree")
    link = soup(cora.get(PAGE)).select_one(f"#comment-{first} a[data-edit]")
    assert link["href"] == f"{PAGE}/-/comments?edit={first}#edit-{first}"
    form = soup(cora.get(link["href"])).select_one(f"form#edit-{first}")
    assert not form.has_attr("hidden")
    assert form.select_one("input[name=next]")["value"] == "discussion"


@pytest.mark.parametrize("action", ["edit", "resolve", "reopen", "delete"])
def test_anonymous_changes_need_a_login(
    cora: FlaskClient, client: FlaskClient, basic_repo: Path, action: str
) -> None:
    first = post_comment(cora, "Mine")
    before = git(basic_repo, "rev-parse", "HEAD")
    token = csrf_token(client)
    response = client.post(
        f"{PAGE}/-/comments/{first}/{action}", data={"body": "x", "csrf_token": token}
    )
    assert response.status_code == 401
    assert git(basic_repo, "rev-parse", "HEAD") == before
