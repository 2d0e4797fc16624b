"""History, revisions, diffs, backlinks and recent changes as readers see them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from tests.conftest import commit_files, git


def soup(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def test_history_rows_link_to_revisions_and_diffs(client: FlaskClient, basic_repo: Path) -> None:
    for n in range(3):
        commit_files(basic_repo, {"guide/first.md": f"# First\n\nversion {n}\n"}, f"edit {n}")
    page = soup(client, "/guide/first/-/history")
    rows = page.select("table.history tbody tr")
    assert [r.select("td")[2].get_text(strip=True) for r in rows] == [
        "edit 2", "edit 1", "edit 0", "createdInitial pages",
    ]  # fmt: skip
    newest = git(basic_repo, "rev-parse", "HEAD")
    assert rows[0].select_one("a")["href"] == f"/guide/first/-/rev/{newest}"
    assert rows[0].select("td")[3].select_one("a")["href"] == f"/guide/first/-/diff?to={newest}"
    assert rows[0].select("td")[1].get_text() == "Ada Coach"


def test_history_is_paginated(client: FlaskClient, basic_repo: Path) -> None:
    for n in range(55):
        commit_files(basic_repo, {"guide/first.md": f"# First\n\nversion {n}\n"}, f"edit {n}")
    first = soup(client, "/guide/first/-/history")
    assert len(first.select("table.history tbody tr")) == 50
    assert first.select_one(".pager a[rel=next]")["href"] == "/guide/first/-/history?page=2"
    second = soup(client, "/guide/first/-/history?page=2")
    assert len(second.select("table.history tbody tr")) == 6
    assert second.select_one(".pager a[rel=next]") is None


def test_revision_is_a_permanent_link(client: FlaskClient, basic_repo: Path) -> None:
    old = git(basic_repo, "rev-parse", "HEAD")
    commit_files(basic_repo, {"guide/first.md": "# Rewritten\n"}, "rewrite")
    page = soup(client, f"/guide/first/-/rev/{old}")
    assert page.select_one("article h1").get_text(strip=True) == "First Chapter"
    assert "old revision" in page.select_one(".revision-banner").get_text()
    assert page.select_one(".revision-banner form") is None, "readers get no restore button"
    soup(client, "/guide/first/-/rev/notasha", 404)
    soup(client, f"/guide/third/-/rev/{old}", 404)


def test_diff_highlights_words(client: FlaskClient, basic_repo: Path) -> None:
    one = commit_files(basic_repo, {"guide/first.md": "# F\n\nGrades reflect effort.\n"}, "one")
    two = commit_files(basic_repo, {"guide/first.md": "# F\n\nGrades reflect learning.\n"}, "two")
    page = soup(client, f"/guide/first/-/diff?from={one}&to={two}")
    assert [d.get_text() for d in page.select("table.diff tr.del del")] == ["effort"]
    assert [i.get_text() for i in page.select("table.diff tr.add ins")] == ["learning"]
    assert page.select_one(".counts .added").get_text() == "+1"
    implicit = soup(client, f"/guide/first/-/diff?to={two}")
    assert [i.get_text() for i in implicit.select("tr.add ins")] == ["learning"]


def test_backlinks(client: FlaskClient, basic_repo: Path) -> None:
    page = soup(client, "/guide/first/-/backlinks")
    assert [a["href"] for a in page.select(".results a")] == ["/guide", "/guide/second"]
    term = soup(client, "/glossary/rubric/-/backlinks")
    assert [a["href"] for a in term.select(".results a")] == [
        "/glossary", "/glossary/grade-composition",
    ]  # fmt: skip
    commit_files(basic_repo, {"lonely.md": "# Lonely\n"})
    empty = soup(client, "/lonely/-/backlinks")
    assert "No page links here" in empty.select_one(".empty").get_text()


def test_recent_changes_with_filters_and_feed(client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.md": "# F\n"}, "guide edit")
    commit_files(basic_repo, {"glossary/rubric.md": "# R\n"}, "glossary edit")
    page = soup(client, "/-/changes")
    summaries = [r.select("td")[2].get_text() for r in page.select("table.history tbody tr")]
    assert summaries == ["glossary edit", "guide edit", "Initial pages"]
    options = [o["value"] for o in page.select("select[name=section] option")]
    assert options == ["", "guide", "glossary"]
    in_guide = soup(client, "/-/changes?section=guide")
    summaries = [r.select("td")[2].get_text() for r in in_guide.select("table.history tbody tr")]
    assert summaries == ["guide edit", "Initial pages"]
    nobody = soup(client, "/-/changes?user=Nobody")
    assert "No changes match" in nobody.select_one(".empty").get_text()
    soup(client, "/-/changes?section=../etc", 400)
    feed = client.get("/-/changes.atom")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
    assert titles == ["glossary edit", "guide edit", "Initial pages"]


def test_changes_filters_do_not_leak_into_the_search_box(client: FlaskClient) -> None:
    page = soup(client, "/-/changes?user=Ada")
    assert page.select_one("#search-q")["value"] == ""
    assert page.select_one("input[name=user]")["value"] == "Ada"


def test_feed_escapes_what_people_write(client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.md": "# F\n"}, "Grades <b>&</b> reports")
    root = ET.fromstring(client.get("/-/changes.atom").data)  # well-formed XML
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.findall("a:entry", ns)[0].findtext("a:title", namespaces=ns) == (
        "Grades <b>&</b> reports"
    )


def test_comment_commits_link_to_the_discussion(client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.comments.jsonl": "{}\n"}, "Comment on guide/first")
    row = soup(client, "/-/changes").select_one("table.history tbody tr")
    assert row.select_one(".changed-files a")["href"] == "/guide/first/-/comments"
