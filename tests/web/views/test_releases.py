"""Releases in the browser: the list, making one (admins only), a page as released,
the diff between two releases and the list of pages changed between them."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from tests.auth_fixtures import csrf_token, logged_in_client
from tests.conftest import commit_files, git


def soup(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:400]
    return BeautifulSoup(response.data, "html.parser")


def release(client: FlaskClient, name: str, message: str = "", status: int = 303) -> BeautifulSoup:
    token = csrf_token(client, "/-/releases")
    response = client.post(
        "/-/releases", data={"name": name, "message": message, "csrf_token": token}
    )
    assert response.status_code == status, response.data[:400]
    return BeautifulSoup(response.data, "html.parser")


def test_an_admin_releases_the_wiki_from_the_releases_page(
    admin_client: FlaskClient, basic_repo: Path
) -> None:
    page = soup(admin_client, "/-/releases")
    assert page.select_one("form[action='/-/releases'] input[name=name]") is not None
    assert page.select_one("p.empty") is not None
    release(admin_client, "2025-26-adopted", "Adopted by the board")
    assert "release/2025-26-adopted" in git(basic_repo, "tag", "-l")
    tag = git(basic_repo, "cat-file", "-p", "release/2025-26-adopted")
    assert "tagger Ada <" in tag and "Adopted by the board" in tag
    listed = soup(admin_client, "/-/releases")
    assert "Released the wiki as it is now as '2025-26-adopted'" in listed.get_text()
    row = listed.select_one("tr#release-2025-26-adopted")
    assert row is not None and "Adopted by the board" in row.get_text()
    assert git(basic_repo, "rev-parse", "HEAD")[:10] in row.get_text()


def test_a_bad_name_is_refused_on_the_form_keeping_what_was_typed(
    admin_client: FlaskClient, basic_repo: Path
) -> None:
    page = release(admin_client, "2025 26", "Our message", status=400)
    assert "is not a valid release name" in page.select_one("#release-error").get_text()
    assert page.select_one("input[name=name]")["value"] == "2025 26"
    assert page.select_one("textarea[name=message]").get_text() == "Our message"
    page = release(admin_client, "a..b", status=400)
    assert "not a valid git tag name" in page.select_one("#release-error").get_text()
    release(admin_client, "v1")
    page = release(admin_client, "v1", "again", status=409)
    assert "already a release called 'v1'" in page.select_one("#release-error").get_text()
    assert git(basic_repo, "tag", "-l") == "release/v1"


def test_only_admins_make_releases(app: Flask, client: FlaskClient, basic_repo: Path) -> None:
    editor = logged_in_client(app, "edna", "editor")
    assert soup(editor, "/-/releases").select_one("form[action='/-/releases']") is None
    token = csrf_token(editor, "/-/releases")
    refused = editor.post("/-/releases", data={"name": "v1", "csrf_token": token})
    assert refused.status_code == 403
    anonymous = client.post("/-/releases", data={"name": "v1"})
    assert anonymous.status_code in (302, 303, 400, 401)
    no_token = logged_in_client(app, "ada", "admin").post("/-/releases", data={"name": "v1"})
    assert no_token.status_code == 400  # the CSRF check
    assert git(basic_repo, "tag", "-l") == ""


def test_pages_as_released_and_compared_between_releases(
    app: Flask, admin_client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {"guide/first.md": "# First Chapter\n\nThe 2025 rule.\n"})
    release(admin_client, "2025-26")
    git(basic_repo, "mv", "guide/second.md", "guide/later.md")
    commit_files(basic_repo, {
        "guide/first.md": "# First Chapter\n\nThe 2026 rule.\n",
        "guide/new.md": "# New Page\n",
        "glossary/rubric.md": None,
    }, "A year of changes")  # fmt: skip
    release(admin_client, "2026-27")
    commit_files(basic_repo, {"guide/first.md": "# First Chapter\n\nUnreleased draft.\n"})

    old = soup(admin_client, "/guide/first/-/rev/2025-26")
    assert "The 2025 rule." in old.select_one("article").get_text()
    assert "as released in 2025-26" in old.select_one(".revision-banner").get_text(" ", strip=True)
    assert "The 2026 rule." in soup(admin_client, "/guide/first/-/rev/2026-27").get_text()
    soup(admin_client, "/guide/first/-/rev/no-such-release", status=404)

    diff = soup(admin_client, "/guide/first/-/diff?from=2025-26&to=2026-27")
    assert "2025" in diff.select_one("tr.del").get_text()
    assert "2026" in diff.select_one("tr.add").get_text()
    assert "release 2025-26" in diff.select_one(".diff-meta").get_text()
    to_sha = git(basic_repo, "rev-parse", "HEAD")
    assert (
        "Unreleased draft."
        in soup(admin_client, f"/guide/first/-/diff?from=2026-27&to={to_sha}")
        .select_one("tr.add")
        .get_text()
    )
    moved = soup(admin_client, "/guide/later/-/diff?from=2025-26&to=2026-27")
    assert moved.select_one(".diff-meta") is not None

    listing = soup(admin_client, "/-/releases")
    since = listing.select_one("tr#release-2026-27 a")
    assert since is not None and since["href"] == "/-/releases/2025-26...2026-27"
    changes = soup(admin_client, since["href"])
    assert changes.select_one("h1").get_text() == "From 2025-26 to 2026-27"
    links = {
        section["class"][1]: [a["href"] for a in section.select("li a")]
        for section in changes.select("section.release-changes")
    }
    assert links == {
        "release-added": [
            "/guide/new",
            "/guide/new/-/rev/2026-27",
            "/guide/new/-/diff?from=2025-26&to=2026-27",
        ],
        "release-changed": ["/guide/first", "/guide/first/-/diff?from=2025-26&to=2026-27"],
        "release-moved": ["/guide/later", "/guide/later/-/diff?from=2025-26&to=2026-27"],
        "release-removed": ["/glossary/rubric/-/rev/2025-26"],
    }
    for hrefs in links.values():
        for href in hrefs:
            assert admin_client.get(href).status_code == 200, href
    added = soup(admin_client, "/guide/new/-/diff?from=2025-26&to=2026-27")
    assert "Not in release 2025-26" in added.select_one(".diff-meta").get_text()
    assert "New Page" in added.select_one("tr.add").get_text()
    assert admin_client.get("/glossary/rubric/-/diff?from=2025-26&to=2026-27").status_code in (
        404,
        410,
    )
    form = admin_client.get("/-/releases/compare?from=2025-26&to=2026-27")
    assert form.status_code == 303 and form.location.endswith("/-/releases/2025-26...2026-27")


def test_bad_comparisons_say_what_is_wrong(client: FlaskClient) -> None:
    assert "Compare two releases as" in soup(client, "/-/releases/2025-26", status=400).get_text()
    assert "no release called 'a'" in soup(client, "/-/releases/a...b", status=404).get_text()
    assert (
        "Choose two releases" in soup(client, "/-/releases/compare?from=a", status=400).get_text()
    )
