"""Attachments through HTTP: uploads with CSRF and roles, serving headers, limits, history."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.web.app import create_app
from tests.auth_fixtures import csrf_token, login, make_user
from tests.conftest import commit_files, git
from tests.content.test_filetypes import HTML, PDF, PNG, SVG_WITH_SCRIPT


def upload(
    client: FlaskClient, name: str, data: bytes, page: str = "guide/first", token: str = ""
) -> object:
    token = token or csrf_token(client, f"/{page}/-/files")
    return client.post(
        f"/{page}/-/files",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def html_of(response: object) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")  # type: ignore[attr-defined]


def test_editor_uploads_and_everyone_sees_the_file(
    editor_client: FlaskClient, client: FlaskClient, basic_repo: Path
) -> None:
    response = upload(editor_client, "Plan.png", PNG)
    assert response.status_code == 303  # type: ignore[attr-defined]
    listing = html_of(editor_client.get("/guide/first/-/files"))
    assert "Attached plan.png" in listing.select_one(".flash-success").get_text()
    assert listing.select_one(".attachment-markdown").get_text() == (
        "![plan.png](first.files/plan.png)"
    )
    page = html_of(client.get("/guide/first"))
    link = page.select_one(".page-attachments a")
    assert link["href"] == "/guide/first/-/files/plan.png"
    assert "Files (1)" in page.select_one(".page-actions").get_text()
    served = client.get("/guide/first/-/files/plan.png")
    assert served.status_code == 200 and served.data == PNG


@pytest.mark.parametrize(
    ("name", "data", "mimetype", "disposition"),
    [
        ("plan.png", PNG, "image/png", "inline"),
        ("policy.pdf", PDF, "application/pdf", "attachment"),
        ("drawing.svg", SVG_WITH_SCRIPT, "image/svg+xml", "attachment"),
        ("notes.txt", b"<b>plain</b> notes\n", "text/plain", "inline"),
    ],
)
def test_serving_headers(
    editor_client: FlaskClient, name: str, data: bytes, mimetype: str, disposition: str
) -> None:
    assert upload(editor_client, name, data).status_code == 303  # type: ignore[attr-defined]
    served = editor_client.get(f"/guide/first/-/files/{name}")
    assert served.mimetype == mimetype
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == f'{disposition}; filename="{name}"'
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert "script-src" not in served.headers["Content-Security-Policy"]  # default-src 'none'
    again = editor_client.get(
        f"/guide/first/-/files/{name}", headers={"If-None-Match": served.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", PNG, "its content is a PNG image"),
        ("diagram.png", HTML, "its content is not one"),
        ("page.html", HTML, "not a kind of file this wiki accepts"),
    ],
)
def test_wrong_content_is_refused_with_415(
    editor_client: FlaskClient, basic_repo: Path, name: str, data: bytes, message: str
) -> None:
    before = git(basic_repo, "rev-parse", "HEAD")
    response = upload(editor_client, name, data)
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert message in html_of(response).get_text()
    assert git(basic_repo, "rev-parse", "HEAD") == before


@pytest.mark.parametrize("name", ["diagram.png", "notes.txt"])
def test_an_empty_file_is_refused_as_empty(
    editor_client: FlaskClient, basic_repo: Path, name: str
) -> None:
    before = git(basic_repo, "rev-parse", "HEAD")
    response = upload(editor_client, name, b"")
    assert response.status_code == 400  # type: ignore[attr-defined]
    page = html_of(response)
    assert page.select_one("h1").get_text() == "Empty file"
    assert f"'{name}' is empty (0 bytes)" in page.get_text()
    assert "Text file" not in page.get_text()
    assert git(basic_repo, "rev-parse", "HEAD") == before


def test_too_large_is_a_clear_413(basic_repo: Path, tmp_path: Path) -> None:
    app = create_app(
        {"repo": basic_repo, "instance": tmp_path / "inst", "max_attachment_bytes": 2_000}
    )
    try:
        make_user(app, "edna", "editor")
        client = app.test_client()
        login(client, "edna")
        near = upload(client, "plan.pdf", PDF + bytes(10_000))  # over the limit, under the room
        assert near.status_code == 413  # type: ignore[attr-defined]
        assert "at most 2,000 bytes" in html_of(near).get_text()
        far = upload(client, "plan.pdf", PDF + bytes(200_000))  # refused before it is read
        assert far.status_code == 413  # type: ignore[attr-defined]
        assert "2,000 bytes a file" in html_of(far).get_text()
        # A page body is still held to its own, smaller limit elsewhere.
        assert upload(client, "plan.pdf", PDF).status_code == 303  # type: ignore[attr-defined]
    finally:
        app.extensions["masterywiki"].wiki.storage.close()


def test_uploads_need_an_editor_and_a_csrf_token(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client)  # the login form's: anonymous, but a valid session token
    assert upload(client, "plan.png", PNG, token=token).status_code == 401  # type: ignore[attr-defined]
    make_user(app, "rita", "reader")
    login(client, "rita")
    assert upload(client, "plan.png", PNG).status_code == 403  # type: ignore[attr-defined]
    make_user(app, "edna", "editor")
    login(client, "edna")
    assert upload(client, "plan.png", PNG, token="forged").status_code == 400  # type: ignore[attr-defined]
    listing = html_of(client.get("/guide/first/-/files"))
    assert listing.select_one(".empty") is not None  # nothing was attached


def test_history_and_old_versions(editor_client: FlaskClient, basic_repo: Path) -> None:
    upload(editor_client, "plan.png", PNG)
    first = git(basic_repo, "rev-parse", "HEAD")
    upload(editor_client, "plan.png", PNG + b"second")
    page = html_of(editor_client.get("/guide/first/-/files/plan.png/history"))
    versions = [a["href"] for a in page.select("table.history a")]
    assert len(versions) == 2
    assert editor_client.get(versions[1]).data == PNG
    old = editor_client.get(f"/guide/first/-/files/plan.png?rev={first}")
    assert old.data == PNG and "immutable" in old.headers["Cache-Control"]
    assert editor_client.get("/guide/first/-/files/plan.png?rev=nonsense").status_code == 404


def test_remove_then_history_says_removed(editor_client: FlaskClient) -> None:
    upload(editor_client, "plan.png", PNG)
    token = csrf_token(editor_client, "/guide/first/-/files")
    removed = editor_client.post("/guide/first/-/files/plan.png/delete", data={"csrf_token": token})
    assert removed.status_code == 303
    assert editor_client.get("/guide/first/-/files/plan.png").status_code == 404
    page = html_of(editor_client.get("/guide/first/-/files/plan.png/history"))
    assert "has been removed" in page.select_one(".warning-box").get_text()


@pytest.mark.parametrize(
    "url",
    [
        "/guide/first/-/files/..%2F..%2Fsecond.md",
        "/guide/first/-/files/.git",
        "/guide/first/-/files/Plan.PNG",
        "/guide/first/-/files/first.md",
    ],
)
def test_attachment_names_never_reach_other_files(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code in (400, 404)


def test_markdown_images_point_at_the_file(
    app: Flask, editor_client: FlaskClient, client: FlaskClient, basic_repo: Path
) -> None:
    upload(editor_client, "plan.png", PNG)
    # A person's git command in the served folder waits for the wiki's work-tree update
    # (git's index.lock), as git itself would make them.
    app.extensions["masterywiki"].wiki.storage.wait_for_work_tree()
    commit_files(basic_repo, {"guide/second.md": "# Second\n\n![plan](first.files/plan.png)\n"})
    image = html_of(client.get("/guide/second")).select_one(".body img")
    assert image["src"] == "/guide/first/-/files/plan.png"
    assert client.get(image["src"]).data == PNG


def test_old_page_addresses_redirect_for_files_too(
    editor_client: FlaskClient, client: FlaskClient
) -> None:
    upload(editor_client, "plan.png", PNG)
    token = csrf_token(editor_client, "/guide/first/-/rename")
    editor_client.post(
        "/guide/first/-/rename", data={"new_path": "guide/opening", "csrf_token": token}
    )
    moved = client.get("/guide/first/-/files/plan.png")
    assert moved.status_code == 301
    assert moved.headers["Location"] == "/guide/opening/-/files/plan.png"


def test_a_304_answers_without_reading_the_file(
    app: Flask, editor_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(editor_client, "policy.pdf", PDF)
    etag = editor_client.get("/guide/first/-/files/policy.pdf").headers["ETag"]

    def no_reading(*_args: object) -> bytes:
        raise AssertionError("a 304 must not read the file")

    monkeypatch.setattr(app.extensions["masterywiki"].attachments, "read", no_reading)
    again = editor_client.get("/guide/first/-/files/policy.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "no-cache"


def test_several_files_in_one_upload_are_one_commit(
    editor_client: FlaskClient, basic_repo: Path
) -> None:
    before = int(git(basic_repo, "rev-list", "--count", "HEAD"))
    token = csrf_token(editor_client, "/guide/first/-/files")
    files = [(io.BytesIO(PNG), "Plan.png"), (io.BytesIO(PDF), "Policy.pdf")]
    response = editor_client.post(
        "/guide/first/-/files",
        data={"csrf_token": token, "file": files},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert int(git(basic_repo, "rev-list", "--count", "HEAD")) == before + 1
    assert git(basic_repo, "log", "-1", "--format=%s") == (
        "Attach 2 files on guide/first: plan.png, policy.pdf"
    )
    listing = html_of(editor_client.get("/guide/first/-/files"))
    assert "Attached 2 files: plan.png, policy.pdf" in listing.select_one(".flash").get_text()


@pytest.mark.parametrize(
    ("files", "status"),
    [
        ([(PNG, "plan.png"), (HTML, "notes.png")], 415),  # one bad file stops them all
        ([(PNG, "Plan.png"), (PNG + b"x", "plan.PNG")], 400),  # the same name twice
        ([], 400),
    ],
)
def test_a_bad_batch_writes_nothing(
    editor_client: FlaskClient, basic_repo: Path, files: list[tuple[bytes, str]], status: int
) -> None:
    before = git(basic_repo, "rev-parse", "HEAD")
    token = csrf_token(editor_client, "/guide/first/-/files")
    response = editor_client.post(
        "/guide/first/-/files",
        data={"csrf_token": token, "file": [(io.BytesIO(d), n) for d, n in files]},
        content_type="multipart/form-data",
    )
    assert response.status_code == status
    assert git(basic_repo, "rev-parse", "HEAD") == before


def test_a_protected_page_offers_uploads_to_admins_only(
    app: Flask, editor_client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {"guide/first.md": "---\nprotected: true\n---\n# First\n"})
    listing = html_of(editor_client.get("/guide/first/-/files"))
    assert listing.select_one(".upload-form") is None
    assert "only admins can attach files" in listing.select_one(".warning-box").get_text()
    make_user(app, "ada", "admin")
    admin = app.test_client()
    login(admin, "ada")
    assert html_of(admin.get("/guide/first/-/files")).select_one(".upload-form") is not None


def test_the_editor_lists_the_lines_to_paste(editor_client: FlaskClient) -> None:
    upload(editor_client, "plan.png", PNG)
    form = html_of(editor_client.get("/guide/first/-/edit"))
    lines = [code.get_text() for code in form.select(".editor-files code")]
    assert lines == ["![plan.png](first.files/plan.png)"]
    assert form.select_one(".editor-files a")["href"] == "/guide/first/-/files"
