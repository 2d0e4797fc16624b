"""Read confirmations over HTTP: a reader confirms the version they read, a change asks
again and a minor one (marked in the editor) does not, the admins' report and its CSV
and filters, and the refusals: anonymous, a reader on the report, a page that does
not ask, a version that is not current any more, bad filters."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from masterywiki.web.app import create_app
from tests.auth_fixtures import (
    PASSWORD,
    accounts_of,
    csrf_token,
    logged_in_client,
    login,
    make_user,
)
from tests.conftest import DATA, commit_files, git

PAGE = "/guide/first"
FIRST = (DATA / "basic" / "guide" / "first.md").read_text()
ASKING = FIRST.replace("---\n", "---\nacknowledge: true\n", 1)


@pytest.fixture(autouse=True)
def asking(basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.md": ASKING}, "Ask readers to confirm")


def soup(response: TestResponse) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.data, "html.parser")


def box(client: FlaskClient, url: str = PAGE) -> Tag:
    found = soup(client.get(url)).select_one("section#acknowledge")
    assert found is not None
    return found


def confirm(client: FlaskClient, url: str = PAGE, **extra: str) -> TestResponse:
    form = box(client, url).select_one("form")
    assert form is not None, "no confirm button"
    data = {field["name"]: field["value"] for field in form.select("input[type=hidden]")}
    return client.post(form["action"], data={**data, **extra})


def save(editor: FlaskClient, text: str, summary: str = "", minor: bool = False) -> None:
    form = soup(editor.get(f"{PAGE}/-/edit")).select_one("form.editor")
    fields = {
        name: form.select_one(f"input[name={name}]")["value"] for name in ("base", "csrf_token")
    }
    data = {"content": text, "summary": summary, **fields}
    if minor:
        data["minor"] = "yes"
    assert editor.post(f"{PAGE}/-/edit", data=data).status_code == 303


def report_rows(admin: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = admin.get(f"/-/acknowledgements?format=csv{query}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def statuses(admin: FlaskClient, query: str = "") -> dict[str, str]:
    return {row["username"]: row["status"] for row in report_rows(admin, query)}


def test_a_reader_confirms_the_version_they_read(app: Flask, basic_repo: Path) -> None:
    tina = logged_in_client(app, "tina", "reader")
    form = box(tina).select_one("form")
    version = git(basic_repo, "rev-parse", "HEAD")
    assert form.select_one("input[name=version]")["value"] == version
    assert form.select_one("button").get_text() == "I have read this version"
    response = confirm(tina)
    assert (response.status_code, response.headers["Location"]) == (303, f"{PAGE}#acknowledge")
    done = box(tina)
    assert "acknowledge-current" in done["class"] and done.select_one("form") is None
    assert "You confirmed that you read this version" in done.get_text()
    again = tina.post(f"{PAGE}/-/acknowledge", data={"csrf_token": csrf_token(tina)},
                      headers={"Accept": "application/json"})  # fmt: skip
    assert again.status_code == 200 and again.json["version"] == version
    assert again.json["confirmed"].endswith("+00:00") and again.json["username"] == "tina"


def test_a_change_asks_again_and_a_minor_one_does_not(
    app: Flask, editor_client: FlaskClient, admin_client: FlaskClient
) -> None:
    tina = logged_in_client(app, "tina", "reader")
    confirm(tina)
    editor_form = soup(editor_client.get(f"{PAGE}/-/edit"))
    assert "Minor change" in editor_form.select_one("input[name=minor]").parent.get_text()
    save(editor_client, ASKING + "\nA typo fixd.\n", "Typo")
    assert statuses(admin_client)["tina"] == "older"
    changed = box(tina)
    assert "This page has changed since you confirmed it" in changed.get_text()
    diff = changed.select_one("a[href*='/-/diff']")["href"]
    assert tina.get(diff).status_code == 200
    confirm(tina)
    save(editor_client, ASKING + "\nA typo fixed.\n", "Fix the typo", minor=True)
    assert "acknowledge-current" in box(tina)["class"]  # not asked again
    assert statuses(admin_client)["tina"] == "current"


def test_the_minor_checkbox_is_only_on_pages_that_ask(editor_client: FlaskClient) -> None:
    assert soup(editor_client.get(f"{PAGE}/-/edit")).select_one("input[name=minor]")
    assert soup(editor_client.get("/guide/second/-/edit")).select_one("input[name=minor]") is None


def test_the_report_shows_who_confirmed_which_version_with_filters_and_csv(
    app: Flask, admin_client: FlaskClient, editor_client: FlaskClient
) -> None:
    tina = logged_in_client(app, "tina", "reader")
    sam = logged_in_client(app, "sam", "reader")
    confirm(sam)
    save(editor_client, ASKING + "\nA new rule.\n", "New rule")
    confirm(tina)
    rows = report_rows(admin_client)
    assert [(r["page"], r["title"], r["username"], r["status"]) for r in rows] == [
        ("guide/first", "First Chapter", "ada", "none"),
        ("guide/first", "First Chapter", "edna", "none"),
        ("guide/first", "First Chapter", "sam", "older"),
        ("guide/first", "First Chapter", "tina", "current"),
    ]
    assert rows[3]["confirmed"].endswith("+00:00") and len(rows[3]["version"]) == 40
    assert statuses(admin_client, "&status=none") == {"ada": "none", "edna": "none"}
    assert statuses(admin_client, "&user=TIN") == {"tina": "current"}
    page = soup(admin_client.get("/-/acknowledgements?path=/guide/first.md&status=older"))
    cells = [row.select("td") for row in page.select("table.ack-table tbody tr")]
    assert [(c[1].get_text(" ", strip=True), c[3].get_text()) for c in cells] == [
        ("Sam (sam)", "Confirmed an older version")
    ]
    summary = page.select_one("table.ack-summary tbody tr").select("td")
    assert [cell.get_text(strip=True) for cell in summary] == ["First Chapter", "1", "1", "2"]
    download = page.select_one(".ack-filters a")["href"]
    assert "format=csv" in download and "status=older" in download


def test_anonymous_readers_are_asked_to_log_in_and_cannot_confirm(client: FlaskClient) -> None:
    anonymous = box(client)
    assert anonymous.select_one("form") is None
    assert anonymous.select_one("a")["href"].startswith("/-/login")
    response = client.post(f"{PAGE}/-/acknowledge", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 401
    assert "Log in to confirm" in response.get_data(as_text=True)


def test_only_admins_see_the_report(app: Flask, client: FlaskClient) -> None:
    tina = logged_in_client(app, "tina", "reader")
    refused = tina.get("/-/acknowledgements")
    assert refused.status_code == 403
    assert tina.get("/-/acknowledgements?format=csv").status_code == 403
    editor = logged_in_client(app, "eve", "editor")
    assert editor.get("/-/acknowledgements").status_code == 403
    anonymous = client.get("/-/acknowledgements")
    assert anonymous.status_code == 302 and "/-/login" in anonymous.headers["Location"]


def test_a_page_that_does_not_ask_and_a_stale_version_are_refused(
    app: Flask, basic_repo: Path
) -> None:
    tina = logged_in_client(app, "tina", "reader")
    assert soup(tina.get("/guide/second")).select_one("section#acknowledge") is None
    token = csrf_token(tina)
    plain = tina.post("/guide/second/-/acknowledge", data={"csrf_token": token})
    assert plain.status_code == 400 and "does not ask readers" in plain.get_data(as_text=True)
    old = git(basic_repo, "rev-parse", "HEAD")
    commit_files(basic_repo, {"guide/first.md": ASKING + "\nMore.\n"}, "More")
    stale = tina.post(f"{PAGE}/-/acknowledge", data={"csrf_token": token, "version": old})
    assert stale.status_code == 409
    assert "changed since you opened it" in stale.get_data(as_text=True)
    missing = tina.post("/guide/nothing/-/acknowledge", data={"csrf_token": token})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [("status=maybe", "Filter by status"), ("path=../etc", ""), ("format=xml", "format=csv")],
)
def test_bad_filters_are_refused(admin_client: FlaskClient, query: str, message: str) -> None:
    response = admin_client.get(f"/-/acknowledgements?{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_a_moved_page_keeps_its_confirmations(
    app: Flask, editor_client: FlaskClient, admin_client: FlaskClient
) -> None:
    tina = logged_in_client(app, "tina", "reader")
    confirm(tina)
    token = csrf_token(editor_client, f"{PAGE}/-/rename")
    moved = editor_client.post(f"{PAGE}/-/rename", data={"new_path": "rules", "csrf_token": token})
    assert moved.status_code == 303
    assert "acknowledge-current" in box(tina, "/rules")["class"]
    assert statuses(admin_client) == {"ada": "none", "edna": "none", "tina": "current"}


def test_two_servers_on_one_postgresql_share_progress_and_confirmations(
    basic_repo: Path, tmp_path: Path, postgres_url: str
) -> None:
    path = "---\ntype: path\n---\n# Start\n\n```{toctree}\n/guide/first\n```\n"
    commit_files(basic_repo, {"start.md": path})
    shared = {"repo": basic_repo, "database_url": postgres_url, "secret_key": "one key " * 4}
    one, two = (create_app({**shared, "instance": tmp_path / name}) for name in ("one", "two"))
    try:
        for app in (one, two):
            app.config["TESTING"] = True
        tina_one = logged_in_client(one, "tina", "reader")  # the account is in the shared database
        tina_two = two.test_client()
        login(tina_two, "tina")
        confirm(tina_one)  # opened and confirmed on server one...
        step = soup(tina_two.get("/start")).select_one("li.path-step")
        assert "path-step-done" in step["class"]  # ...read, as server two sees it
        make_user(one, "ada", "admin")
        admin_two = two.test_client()
        login(admin_two, "ada")
        assert statuses(admin_two) == {"ada": "none", "tina": "current"}
    finally:
        for app in (one, two):
            app.extensions["masterywiki"].wiki.storage.close()
            app.extensions["masterywiki"].database.close()


def test_the_report_comes_in_pages_and_the_csv_has_every_row(
    app: Flask, admin_client: FlaskClient
) -> None:
    people = accounts_of(app)
    for number in range(120):
        people.add_user(f"t{number:03d}", PASSWORD, role="reader", name=f"T {number}")
    first = soup(admin_client.get("/-/acknowledgements?status=none"))
    assert len(first.select("table.ack-table tbody tr")) == 100
    following = first.select_one("nav.pager a[rel=next]")["href"]
    assert following == "/-/acknowledgements?status=none&page=2"
    second = soup(admin_client.get(following)).select("table.ack-table tbody tr")
    assert len(second) == 21  # 120 teachers and ada
    assert len(report_rows(admin_client, "&status=none")) == 121
    assert admin_client.get("/-/acknowledgements?page=0").status_code == 400


def test_the_report_leaves_the_search_box_alone(admin_client: FlaskClient) -> None:
    page = soup(admin_client.get("/-/acknowledgements?status=none"))
    assert page.select_one("input[name=q]").get("value", "") == ""
