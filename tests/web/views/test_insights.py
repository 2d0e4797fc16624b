"""Search records through the web (HTML and JSON searches, opened results) and the
insights page and API for editors, on both databases, checked by HTML structure."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.db.database import Database
from masterywiki.web.app import create_app
from masterywiki.web.views.search import RECORDS_EXTENSION
from tests.auth_fixtures import logged_in_client
from tests.search.test_search import PAGES


@pytest.fixture
def insights_app(
    repo_factory: Callable[..., Path], tmp_path: Path, database: Database
) -> Iterator[Flask]:
    repo = repo_factory(PAGES)
    app = create_app(
        {"repo": repo, "instance": tmp_path / "instance", "database_url": database.url}
    )
    app.config["TESTING"] = True
    yield app
    app.extensions[RECORDS_EXTENSION].close()
    app.extensions["masterywiki.search"].close()
    app.extensions["masterywiki"].wiki.storage.close()
    app.extensions["masterywiki"].database.close()


@pytest.fixture
def web(insights_app: Flask) -> FlaskClient:
    return insights_app.test_client()


@pytest.fixture
def editor(insights_app: Flask) -> FlaskClient:
    return logged_in_client(insights_app, "edna", "editor")


@pytest.fixture
def records(insights_app: Flask, database: Database) -> Callable[[], list[dict[str, Any]]]:
    """The table's rows, once the app's queue of records is written."""

    def read() -> list[dict[str, Any]]:
        insights_app.extensions[RECORDS_EXTENSION].write_queued()
        with database.read() as db:
            return [dict(r) for r in db.all("SELECT * FROM search_records ORDER BY id")]

    return read


Rows = Callable[[], list[dict[str, Any]]]


def opened_url(record: dict[str, Any], page: str) -> str:
    """The open address of a stored search: its time in microseconds, query and page."""
    micros = round(record["at"] * 1_000_000)
    return f"/-/search/opened/{micros}?q={record['normalized'].replace(' ', '+')}&page={page}"


def soup(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.data, "html.parser")


# -- recording searches ---------------------------------------------------------------


def test_a_search_is_recorded_and_its_result_links_report_a_click(
    web: FlaskClient, records: Rows
) -> None:
    page = soup(web, "/-/search?q=+Rubric+")
    (record,) = records()
    assert (record["query"], record["normalized"], record["results"]) == ("Rubric", "rubric", 2)
    assert record["opened"] is None
    links = page.select(".results .result-title a")
    # The links stay the pages' own addresses (what readers copy); the ping reports a click.
    assert [a["href"] for a in links] == ["/terms/rubric", "/notes/retakes"]
    assert [a["ping"] for a in links] == [
        opened_url(record, "terms/rubric"),
        opened_url(record, "notes/retakes"),
    ]
    card = page.select_one(".definition-card h2 a")
    assert card["href"] == "/terms/rubric" and card["ping"] == opened_url(record, "terms/rubric")


def test_a_search_that_finds_nothing_is_recorded_with_no_results(
    web: FlaskClient, records: Rows
) -> None:
    soup(web, "/-/search?q=zebra+crossing")
    assert [(r["normalized"], r["results"]) for r in records()] == [("zebra crossing", 0)]


def test_later_pages_facets_and_empty_queries_are_not_new_searches(
    web: FlaskClient, records: Rows
) -> None:
    soup(web, "/-/search?q=rubric&type=term")
    soup(web, "/-/search?q=rubric&page=2")
    soup(web, "/-/search?q=")
    soup(web, "/-/search?q=%3F%21")  # no words
    assert records() == []
    page = soup(web, "/-/search?q=rubric&type=term")
    assert all(not a.has_attr("ping") for a in page.select(".results a"))


def test_the_json_search_is_recorded_and_gives_open_urls(web: FlaskClient, records: Rows) -> None:
    data = web.get("/-/api/v1/search?q=scoring+guide").json
    (record,) = records()
    assert record["normalized"] == "scoring guide" and record["results"] == data["total"] == 2
    assert [r["open_url"] for r in data["results"]] == [
        opened_url(record, "terms/rubric"),
        opened_url(record, "notes/retakes"),
    ]
    later = web.get("/-/api/v1/search?q=rubric&type=term").json  # a facet: no new search
    assert later["results"] and all("open_url" not in r for r in later["results"])


# -- opened results ---------------------------------------------------------------------


def first_open_url(web: FlaskClient, query: str = "rubric") -> str:
    url: str = web.get(f"/-/api/v1/search?q={query}").json["results"][0]["open_url"]
    return url.split("&page=")[0]


def test_opening_a_result_redirects_to_the_page_and_is_recorded(
    web: FlaskClient, records: Rows
) -> None:
    response = web.get(first_open_url(web) + "&page=notes/retakes")
    assert response.status_code == 303
    assert response.headers["Location"] == "/notes/retakes"
    assert records()[0]["opened"] == "notes/retakes"


def test_a_link_ping_is_recorded_without_a_form_token(web: FlaskClient, records: Rows) -> None:
    response = web.post(
        first_open_url(web) + "&page=terms/rubric",
        data="PING",
        headers={"Content-Type": "text/ping", "Ping-To": "http://localhost/terms/rubric"},
    )
    assert response.status_code == 204
    assert records()[0]["opened"] == "terms/rubric"


@pytest.mark.parametrize(
    "target",
    ["", "nope", "/terms/rubric", "//evil.example", "https://evil.example/", "terms/../notes"],
)
def test_opened_answers_404_for_anything_but_a_page_here(
    web: FlaskClient, records: Rows, target: str
) -> None:
    base = first_open_url(web)
    response = web.get(base + (f"&page={quote(target, safe='')}" if target else ""))
    assert response.status_code == 404
    assert "Location" not in response.headers
    assert records()[0]["opened"] is None


def test_an_unknown_search_still_takes_the_reader_to_the_page(
    web: FlaskClient, records: Rows
) -> None:
    base = first_open_url(web)
    forged = base.replace("q=rubric", "q=scale")  # the time of one search, another's query
    response = web.get(forged + "&page=terms/rubric")
    assert response.status_code == 303 and response.headers["Location"] == "/terms/rubric"
    assert web.get("/-/search/opened/987654?q=rubric&page=terms/rubric").status_code == 303
    assert records()[0]["opened"] is None
    assert web.get(f"/-/search/opened/{10**30}?q=rubric&page=terms/rubric").status_code == 404


# -- who may see the insights ------------------------------------------------------------


def test_anonymous_readers_are_sent_to_log_in(web: FlaskClient) -> None:
    response = web.get("/-/insights?days=7")
    assert response.status_code == 302
    assert response.headers["Location"] == "/-/login?next=/-/insights%3Fdays%3D7"
    api = web.get("/-/api/v1/insights")
    assert api.status_code == 401 and api.json["error"]


@pytest.mark.parametrize("role", ["reader", "commenter"])
def test_readers_and_commenters_are_refused(insights_app: Flask, role: str) -> None:
    client = logged_in_client(insights_app, "rita", role)
    assert client.get("/-/insights").status_code == 403
    assert client.get("/-/api/v1/insights").status_code == 403


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_editors_and_admins_see_them(insights_app: Flask, role: str) -> None:
    client = logged_in_client(insights_app, "ed", role)
    assert client.get("/-/insights").status_code == 200
    assert client.get("/-/api/v1/insights").status_code == 200


# -- the page and the JSON ---------------------------------------------------------------


def searches(client: FlaskClient, *queries: str) -> None:
    for query in queries:
        assert client.get("/-/search", query_string={"q": query}).status_code == 200


def test_the_json_lists_top_no_results_and_not_opened(
    web: FlaskClient, editor: FlaskClient
) -> None:
    searches(web, "zebra crossing", "Zebra crossing", "habits", "rubric", "Rubric", "rubric")
    web.get(first_open_url(web) + "&page=terms/rubric")

    data = editor.get("/-/api/v1/insights?days=30&limit=2").json
    assert {"top", "no_results", "not_opened"} <= set(data)
    for name in ("top", "no_results", "not_opened"):
        assert all({"query", "count"} <= set(item) for item in data[name])
    assert [(i["query"], i["count"]) for i in data["top"]] == [("rubric", 4), ("Zebra crossing", 2)]
    assert [(i["query"], i["count"]) for i in data["no_results"]] == [("Zebra crossing", 2)]
    assert [(i["query"], i["count"]) for i in data["not_opened"]] == [("habits", 1)]
    assert data["days"] == 30 and data["searches"] == 7 and data["found_under"] == []


@pytest.mark.parametrize(
    "query",
    ["days=abc", "days=0", "days=-5", "days=3651", "days=99999999999999999999", "days=²",
     "days=1.5", "limit=0", "limit=101", "limit=x"],
)  # fmt: skip
def test_a_bad_period_or_limit_is_a_clear_400(editor: FlaskClient, query: str) -> None:
    api = editor.get(f"/-/api/v1/insights?{query}")
    assert api.status_code == 400
    name = query.split("=")[0]
    assert f"'{name}' must be a whole number from 1 to" in api.json["message"]
    page = editor.get(f"/-/insights?{query}")
    assert page.status_code == 400
    assert "must be a whole number" in page.get_data(as_text=True)


def test_an_empty_period_says_so(editor: FlaskClient) -> None:
    page = soup(editor, "/-/insights")
    assert page.select_one(".insights-empty h2").get_text() == (
        "No searches recorded in the last 30 days"
    )
    assert page.select_one(".insights-table") is None
    periods = page.select(".insights-periods a")
    assert [a["href"] for a in periods] == [f"/-/insights?days={d}" for d in (7, 30, 90, 180)]
    assert [a.get_text() for a in periods if a.get("aria-current")] == ["30 days"]


def test_the_page_lists_gaps_with_links_that_open_the_new_page_form_prefilled(
    web: FlaskClient, editor: FlaskClient
) -> None:
    searches(web, "zebra crossing", "Zebra crossing", "habits", "rubric")
    page = soup(editor, "/-/insights?days=7")
    assert [a.get_text() for a in page.select(".insights-periods a.current")] == ["7 days"]

    gaps = page.select("#no-results tbody tr")
    assert [r.select_one(".insights-query").get_text() for r in gaps] == ["Zebra crossing"]
    assert gaps[0].select_one("td.num").get_text() == "2 searches"  # (its label for phones)
    page_link, term_link = gaps[0].select(".insights-offers a")
    assert page_link.get_text(" ", strip=True) == "Create a page for “Zebra crossing”"
    assert parse_qs(urlsplit(page_link["href"]).query) == {
        "path": ["zebra-crossing"], "title": ["Zebra crossing"],
    }  # fmt: skip
    # New terms go where this wiki keeps its terms (terms/, not glossary/).
    assert parse_qs(urlsplit(term_link["href"]).query) == {
        "path": ["terms/zebra-crossing"], "title": ["Zebra crossing"], "template": ["term"],
    }  # fmt: skip
    unopened = page.select("#not-opened tbody tr .insights-query")
    assert [a.get_text() for a in unopened] == ["habits", "rubric"]
    assert [a.get_text() for a in page.select("#top tbody tr .insights-query")] == [
        "Zebra crossing", "habits", "rubric",
    ]  # fmt: skip

    # One click: /-/new takes the editor to the editor, the title filled in.
    opened = editor.get(page_link["href"])
    assert opened.status_code == 302
    assert opened.headers["Location"] == "/zebra-crossing/-/edit?title=Zebra+crossing"
    form = soup(editor, opened.headers["Location"])
    assert "title: Zebra crossing" in form.select_one("textarea").get_text()


def test_a_suggested_address_that_exists_links_to_its_page(
    web: FlaskClient, editor: FlaskClient
) -> None:
    searches(web, "rubric")  # found, not opened: terms/rubric is there already
    row = soup(editor, "/-/insights").select_one("#not-opened tbody tr")
    links = [(a.get_text(" ", strip=True), a["href"]) for a in row.select(".insights-offers a")]
    assert links[1] == ("Open the term for “rubric”", "/terms/rubric")


def test_old_gaps_that_name_a_term_are_shown_under_it(
    insights_app: Flask, web: FlaskClient, editor: FlaskClient
) -> None:
    kept = insights_app.extensions[RECORDS_EXTENSION]
    for _ in range(3):  # found nothing when made (a live search corrects "rubirc")
        kept.record("rubirc", 0)
    searches(web, "zebra crossing")
    page = soup(editor, "/-/insights")
    assert [a.get_text() for a in page.select("#no-results tbody .insights-query")] == [
        "zebra crossing"
    ]
    (under,) = page.select(".insights-found-under li")
    assert under.select_one("q").get_text() == "rubirc"
    assert under.select_one("a")["href"] == "/terms/rubric"
    assert "(3) found under Rubric" in under.get_text(" ", strip=True)
    data = editor.get("/-/api/v1/insights").json
    assert [(u["term"], u["path"], u["count"]) for u in data["found_under"]] == [
        ("Rubric", "terms/rubric", 3)
    ]
    assert [i["query"] for i in data["no_results"]] == ["zebra crossing"]
