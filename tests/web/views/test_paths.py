"""Onboarding paths over HTTP: two readers' progress on a path (recorded from cached
pages), a step changed since it was read, "step N of M" on a step, `/-/paths`,
progress that follows a move, and what anonymous visitors see."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from masterywiki.onboarding.acknowledge import asks_confirmation
from masterywiki.onboarding.paths import is_path, steps_of
from masterywiki.web.app import create_app
from tests.auth_fixtures import csrf_token, logged_in_client
from tests.conftest import DATA, commit_files

PATH = """---
title: "New staff: start here"
type: path
---

# New staff: start here

```{toctree}
/guide/first
/guide/second
```
"""


@pytest.fixture(autouse=True)
def path_page(basic_repo: Path) -> None:
    commit_files(basic_repo, {"start.md": PATH}, "Add a path")


def soup(response: TestResponse) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.data, "html.parser")


def block(client: FlaskClient) -> Tag:
    found = soup(client.get("/start")).select_one("section#path-progress")
    assert found is not None
    return found


def states(client: FlaskClient) -> list[tuple[str, str]]:
    return [(li.a["href"], li["class"][1].removeprefix("path-step-"))
            for li in block(client).select("li.path-step")]  # fmt: skip


def test_two_readers_each_see_their_own_progress(app: Flask, client: FlaskClient) -> None:
    tina = logged_in_client(app, "tina", "reader")
    sam = logged_in_client(app, "sam", "reader")
    assert client.get("/guide/first").status_code == 200  # anonymous: nothing recorded
    assert tina.get("/guide/first").status_code == 200  # served from the page cache now
    assert states(tina) == [("/guide/first", "done"), ("/guide/second", "new")]
    assert states(sam) == [("/guide/first", "new"), ("/guide/second", "new")]
    assert block(tina).select_one(".path-next a")["href"] == "/guide/second"
    assert "1 of 2" in block(tina).select_one(".path-summary").get_text()
    sam.get("/guide/second")
    sam.get("/guide/first")
    summary = block(sam).select_one(".path-summary").get_text()
    assert "2 of 2" in summary and "finished" in summary
    assert block(sam).select_one(".path-next") is None
    assert states(tina)[1] == ("/guide/second", "new")  # sam's reading is not tina's


def test_a_step_changed_since_it_was_read_is_flagged(app: Flask, basic_repo: Path) -> None:
    tina = logged_in_client(app, "tina", "reader")
    tina.get("/guide/first")
    text = (DATA / "basic" / "guide" / "first.md").read_text()
    commit_files(basic_repo, {"guide/first.md": text + "\nA new paragraph.\n"}, "Revise")
    assert states(tina)[0] == ("/guide/first", "changed")
    assert "Changed since you read it" in block(tina).get_text()
    tina.get("/guide/first")
    assert states(tina)[0] == ("/guide/first", "done")


def test_a_step_says_where_it_is_in_the_path_and_what_comes_next(app: Flask) -> None:
    tina = logged_in_client(app, "tina", "reader")
    bar = soup(tina.get("/guide/first")).select_one("nav.path-step-bar")
    assert bar is not None
    assert "Step 1 of 2" in bar.get_text() and bar.select_one("a")["href"] == "/start"
    assert bar.select_one("a[rel=next]")["href"] == "/guide/second"
    last = soup(tina.get("/guide/second")).select_one("nav.path-step-bar .path-next-link")
    assert last["href"] == "/start"  # the last step leads back to the path


def test_the_list_of_paths_shows_the_readers_progress(app: Flask, client: FlaskClient) -> None:
    tina = logged_in_client(app, "tina", "reader")
    tina.get("/guide/second")
    row = soup(tina.get("/-/paths")).select_one("table.paths-table tbody tr")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[0].startswith("New staff: start here") and cells[1:3] == ["2", "1 of 2 read"]
    assert row.select("td")[3].a["href"] == "/guide/first"
    anonymous = soup(client.get("/-/paths"))
    assert len(anonymous.select("table.paths-table thead th")) == 2  # no progress columns
    assert anonymous.select_one(".lead a")["href"].startswith("/-/login")


def test_anonymous_readers_are_asked_to_log_in_and_see_no_step_bar(client: FlaskClient) -> None:
    assert "Log in" in block(client).get_text()
    assert soup(client.get("/guide/first")).select_one("nav.path-step-bar") is None


def test_progress_follows_a_moved_page(app: Flask, editor_client: FlaskClient) -> None:
    tina = logged_in_client(app, "tina", "reader")
    tina.get("/guide/first")
    token = csrf_token(editor_client, "/guide/first/-/rename")
    moved = editor_client.post(
        "/guide/first/-/rename", data={"new_path": "chapters/one", "csrf_token": token}
    )
    assert moved.status_code == 303
    assert states(tina) == [("/chapters/one", "done"), ("/guide/second", "new")]


def test_a_path_page_is_marked_as_one(client: FlaskClient) -> None:
    badge = soup(client.get("/start")).select_one(".page-meta-top .badge-path")
    assert badge is not None and badge.get_text() == "Onboarding path"


def test_the_starter_has_the_new_staff_path_and_its_grading_policy_asks(tmp_path: Path) -> None:
    starter = create_app({"instance": tmp_path / "starter"})
    try:
        catalog = starter.extensions["masterywiki"].wiki.refresh().catalog
        path = catalog.pages["onboarding"]
        assert path.title == "New staff: your first two weeks" and is_path(path)
        steps = [record.name for record in steps_of(catalog, path)]
        assert len(steps) >= 8 and "framework/grading-policy" in steps
        assert catalog.in_nav("onboarding"), "in a toctree, so check stays clean"
        policy = catalog.pages["framework/grading-policy"]
        assert asks_confirmation(policy.info.front_matter)
        assert catalog.children("onboarding") == (), "its steps keep their own place"
    finally:
        starter.extensions["masterywiki"].wiki.storage.close()
