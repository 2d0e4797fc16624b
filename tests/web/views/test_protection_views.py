"""Protected pages through HTTP: the badge, and a 403 on every write path for non-admins."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from masterywiki.web.app import create_app
from tests.auth_fixtures import csrf_token, login, make_user
from tests.conftest import commit_files, git

PROTECTED = "---\ntitle: First Chapter\nprotected: true\n---\n# First Chapter\n\nPolicy.\n"


@pytest.fixture
def protected(basic_repo: Path) -> str:
    return commit_files(basic_repo, {"guide/first.md": PROTECTED}, "Protect it")


def test_the_page_says_it_is_protected(client: FlaskClient, protected: str) -> None:
    html = BeautifulSoup(client.get("/guide/first").data, "html.parser")
    assert html.select_one(".badge-protected").get_text() == "Protected"
    assert "admins only" in html.select_one('.page-actions a[accesskey="e"]').get_text()
    other = BeautifulSoup(client.get("/guide/second").data, "html.parser")
    assert other.select_one(".badge-protected") is None


def test_editors_get_a_clear_403_everywhere(
    editor_client: FlaskClient, basic_repo: Path, protected: str
) -> None:
    token = csrf_token(editor_client, "/guide/second/-/edit")
    before = git(basic_repo, "rev-parse", "HEAD")
    for action, verb in (("edit", "change"), ("rename", "move"), ("delete", "delete")):
        form = editor_client.get(f"/guide/first/-/{action}")
        assert form.status_code == 403, action
        assert f"only admins can {verb} it" in form.get_data(as_text=True)
    posts = {
        "/guide/first/-/edit": {"content": "# Mine\n", "base": before},
        "/guide/first/-/rename": {"new_path": "guide/mine"},
        "/guide/first/-/delete": {},
        "/guide/first/-/revert": {"rev": before},
    }
    for url, data in posts.items():
        response = editor_client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 403, url
        html = BeautifulSoup(response.data, "html.parser")
        assert html.select_one("h1").get_text() == "Protected page", url
    assert git(basic_repo, "rev-parse", "HEAD") == before


def test_admins_edit_protected_pages(
    admin_client: FlaskClient, basic_repo: Path, protected: str
) -> None:
    assert admin_client.get("/guide/first/-/edit").status_code == 200
    token = csrf_token(admin_client, "/guide/first/-/edit")
    text = PROTECTED.replace("Policy.", "Policy, revised.")
    response = admin_client.post(
        "/guide/first/-/edit", data={"content": text, "base": protected, "csrf_token": token}
    )
    assert response.status_code == 303
    admin_client.application.extensions["masterywiki"].wiki.storage.wait_for_work_tree()
    assert "Policy, revised." in (basic_repo / "guide/first.md").read_text()


def test_the_json_api_answers_403_too(
    editor_client: FlaskClient, basic_repo: Path, protected: str
) -> None:
    token = csrf_token(editor_client, "/guide/second/-/edit")
    response = editor_client.post(
        "/guide/first/-/delete",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "Protected page"


def test_the_protected_sections_setting(basic_repo: Path, tmp_path: Path) -> None:
    app = create_app(
        {"repo": basic_repo, "instance": tmp_path / "inst", "protected_sections": "guide"}
    )
    try:
        make_user(app, "edna", "editor")
        client = app.test_client()
        login(client, "edna")
        html = BeautifulSoup(client.get("/guide/second").data, "html.parser")
        assert html.select_one(".badge-protected") is not None
        assert client.get("/guide/second/-/edit").status_code == 403
        assert client.get("/guide/new-page/-/edit").status_code == 403
        assert client.get("/glossary/rubric/-/edit").status_code == 200
    finally:
        app.extensions["masterywiki"].wiki.storage.close()


CLAIM = "---\ntitle: Rubric\nredirect_from: [{claimed}]\n---\n# Rubric\n\nScores.\n"


@pytest.mark.parametrize(
    ("claimed", "where"),
    [
        ("guide/old-policy", "in the protected section 'guide'"),
        ("guide", "in the protected section 'guide'"),
        ("Guide/Old Policy", "in the protected section 'guide'"),
        ("policy", "a protected page"),
    ],
)
def test_editors_cannot_claim_protected_addresses(
    basic_repo: Path, tmp_path: Path, claimed: str, where: str
) -> None:
    commit_files(basic_repo, {"policy.md": "---\nprotected: true\n---\n# Policy\n"})
    settings = {"repo": basic_repo, "instance": tmp_path / "inst", "protected_sections": "guide"}
    app = create_app(settings)
    try:
        make_user(app, "edna", "editor")
        make_user(app, "ada", "admin")
        edna, ada = app.test_client(), app.test_client()
        login(edna, "edna")
        login(ada, "ada")
        before = git(basic_repo, "rev-parse", "HEAD")
        text = CLAIM.format(claimed=claimed)
        data = {"content": text, "base": before, "summary": "Take it"}
        token = csrf_token(edna, "/glossary/rubric/-/edit")
        response = edna.post("/glossary/rubric/-/edit", data={**data, "csrf_token": token})
        assert response.status_code == 403
        html = BeautifulSoup(response.data, "html.parser")
        message = html.select_one(".warning-box").get_text()
        assert f"redirect_from '{claimed}' is {where}" in message
        assert "only admins" in message
        assert html.select_one("textarea[name=content]").get_text() == text
        assert git(basic_repo, "rev-parse", "HEAD") == before
        token = csrf_token(ada, "/glossary/rubric/-/edit")
        response = ada.post("/glossary/rubric/-/edit", data={**data, "csrf_token": token})
        assert response.status_code == 303, "an admin may"
        # The claim an admin made stays when an editor changes the page's text.
        after = git(basic_repo, "rev-parse", "HEAD")
        token = csrf_token(edna, "/glossary/rubric/-/edit")
        edited = {"content": text.replace("Scores.", "Scores evidence."), "base": after}
        response = edna.post("/glossary/rubric/-/edit", data={**edited, "csrf_token": token})
        assert response.status_code == 303
    finally:
        app.extensions["masterywiki"].wiki.storage.close()


def test_an_editor_cannot_revert_to_a_claim_of_a_protected_address(
    basic_repo: Path, tmp_path: Path
) -> None:
    # A revision made outside the wiki claims an address in a protected section;
    # reverting to it is a save like any other, and is checked the same way.
    claimed = commit_files(basic_repo, {"glossary/rubric.md": CLAIM.format(claimed="guide/x")})
    commit_files(basic_repo, {"glossary/rubric.md": "---\ntitle: Rubric\n---\n# Rubric\n"})
    settings = {"repo": basic_repo, "instance": tmp_path / "inst", "protected_sections": "guide"}
    app = create_app(settings)
    try:
        make_user(app, "edna", "editor")
        edna = app.test_client()
        login(edna, "edna")
        before = git(basic_repo, "rev-parse", "HEAD")
        token = csrf_token(edna, "/glossary/rubric")
        response = edna.post(
            "/glossary/rubric/-/revert", data={"rev": claimed, "csrf_token": token}
        )
        assert response.status_code == 403
        text = BeautifulSoup(response.data, "html.parser").get_text()
        assert "redirect_from 'guide/x' is in the protected section 'guide'" in text
        assert git(basic_repo, "rev-parse", "HEAD") == before
    finally:
        app.extensions["masterywiki"].wiki.storage.close()
