"""The search page, its JSON twin and the suggestions endpoint, checked by HTML structure."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.search.facets import MAX_VALUES
from masterywiki.search.store import FIRST_BUILD_LOCK, PROGRESS_FILE, WriteLock
from masterywiki.web.app import create_app
from masterywiki.web.views.search import RECORDS_EXTENSION
from tests.conftest import commit_files
from tests.processes import alive, children_of, gone_within
from tests.search.test_search import PAGES
from tests.timing import LINEAR_GROWTH, growth

MANY = {
    f"many/page-{i:02d}.md": f"# Marmot {i}\n\nMarmots {'marmot ' * (i % 4)}.\n" for i in range(25)
}


@pytest.fixture
def search_app(repo_factory: Callable[..., Path], tmp_path: Path) -> Iterator[Flask]:
    repo = repo_factory({**PAGES, **MANY})
    app = create_app({"repo": repo, "instance": tmp_path / "instance"})
    app.config["TESTING"] = True
    yield app
    app.extensions["masterywiki.search"].close()
    app.extensions["masterywiki"].wiki.storage.close()


@pytest.fixture
def web(search_app: Flask) -> FlaskClient:
    return search_app.test_client()


def html(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


def result_urls(page: BeautifulSoup) -> list[str]:
    return [a["href"] for a in page.select(".results .result-title a")]


def test_results_have_title_breadcrumbs_snippet_and_badge(web: FlaskClient) -> None:
    page = html(web, "/-/search?q=rubric")
    assert result_urls(page) == ["/terms/rubric", "/notes/retakes"]
    first = page.select_one(".results .result")
    assert first.select_one(".result-title a").get_text() == "Rubric"
    assert [a.get_text() for a in first.select(".result-crumbs a")] == ["Home", "Terms"]
    assert first.select_one(".badge-term").get_text() == "Glossary term"
    assert [m.get_text().lower() for m in first.select(".snippet mark")] == ["rubric"]
    assert not first.select_one(".snippet").get_text().startswith("Rubric")  # no repeated title
    assert page.select_one("#search-q")["value"] == "rubric"
    assert page.select_one(".result-count").get_text(strip=True) == "Showing 1-2 of 2 results"


def test_definition_card_for_a_term_alias(web: FlaskClient) -> None:
    card = html(web, "/-/search?q=scoring+guide").select_one(".definition-card")
    assert card.select_one("h2 a")["href"] == "/terms/rubric"
    assert "describes levels of quality" in card.select_one(".definition-summary").get_text()
    assert "scoring guide" in card.select_one(".aliases").get_text()
    assert html(web, "/-/search?q=levels").select_one(".definition-card") is None


def test_did_you_mean(web: FlaskClient) -> None:
    corrected = html(web, "/-/search?q=rubirc")
    link = corrected.select_one(".did-you-mean a")
    assert link.get_text() == "rubric"
    assert parse_qs(urlsplit(link["href"]).query)["q"] == ["rubric"]
    assert "Showing results for" in corrected.select_one(".did-you-mean").get_text()
    assert result_urls(corrected)[0] == "/terms/rubric"
    hint = html(web, "/-/search?q=retake+OR+rubirc").select_one(".did-you-mean")
    assert "Did you mean" in hint.get_text()


def test_facets_have_counts_and_combine(web: FlaskClient) -> None:
    page = html(web, "/-/search?q=grading+OR+rubric+OR+proficient")

    def facet(soup: BeautifulSoup, name: str) -> dict[str, str]:
        links = soup.select(f'.facet[data-facet="{name}"] a')
        return {
            a.select_one(".facet-value").get_text(): a.select_one(".count").get_text()
            for a in links
        }

    assert facet(page, "type") == {"Glossary term": "2", "Page": "1", "Resource": "1"}
    assert facet(page, "tag")["Grading"] == "3"
    term_link = page.select_one('.facet[data-facet="type"] a')
    narrowed = html(web, term_link["href"])
    assert sorted(result_urls(narrowed)) == ["/terms/rubric", "/terms/scale"]
    assert narrowed.select_one('.facet[data-facet="type"] a.selected .facet-value').get_text() == (
        "Glossary term"
    )
    grading = next(
        a for a in narrowed.select('.facet[data-facet="tag"] a') if "Grading" in a.get_text()
    )
    both = html(web, grading["href"])
    query = parse_qs(urlsplit(grading["href"]).query)
    assert (query["type"], query["tag"]) == (["term"], ["grading"])
    assert result_urls(both) == ["/terms/scale"]
    chips = [a.get_text(" ", strip=True) for a in both.select(".active-filters a")]
    assert len(chips) == 2
    removed = html(web, both.select_one(".active-filters a")["href"])
    assert len(result_urls(removed)) > 1


def test_pagination(web: FlaskClient) -> None:
    page = html(web, "/-/search?q=marmot&page=2")
    assert page.select_one(".result-count").get_text(strip=True) == "Showing 11-20 of 25 results"
    assert len(result_urls(page)) == 10
    nav = page.select_one("nav.pagination")
    assert nav.select_one('[aria-current="page"]').get_text() == "2"
    assert parse_qs(urlsplit(nav.select_one("a[rel=next]")["href"]).query)["page"] == ["3"]
    assert parse_qs(urlsplit(nav.select_one("a[rel=prev]")["href"]).query)["page"] == ["1"]
    last = html(web, "/-/search?q=marmot&page=3")
    assert last.select_one(".result-count").get_text(strip=True) == "Showing 21-25 of 25 results"
    assert last.select_one("nav.pagination a[rel=next]") is None
    seen = set(result_urls(html(web, "/-/search?q=marmot"))) | set(result_urls(page))
    assert len(seen | set(result_urls(last))) == 25


@pytest.mark.parametrize("url", ["/-/search?q=zzzyqx", "/-/search?q=rubric&type=event"])
def test_empty_state_with_suggestions(web: FlaskClient, url: str) -> None:
    page = html(web, url)
    empty = page.select_one(".empty-state")
    assert "No results" in empty.select_one("h2").get_text()
    links = [a["href"] for a in empty.select("a")]
    assert "/-/glossary" in links
    if "type=event" in url:
        assert "/-/search?q=rubric" in links  # search again without the filter


def test_no_query_shows_help(web: FlaskClient) -> None:
    page = html(web, "/-/search")
    assert page.select_one(".search-tips code") is not None
    assert page.select_one(".results") is None


def test_json_api_equals_the_html_results(web: FlaskClient) -> None:
    for params in ("q=rubric", "q=marmot&page=2", "q=grading+OR+rubric&type=term&tag=grading"):
        page = html(web, f"/-/search?{params}")
        data = web.get(f"/-/api/v1/search?{params}").json
        assert [r["url"] for r in data["results"]] == result_urls(page)
        assert [r["title"] for r in data["results"]] == [
            a.get_text() for a in page.select(".results .result-title a")
        ]
        assert data["total"] == len(result_urls(page)) or data["total"] > 10
    data = web.get("/-/api/v1/search?q=grading+OR+rubric&type=term").json
    assert data["filters"] == {"type": ["term"]}
    assert {v["value"]: v["count"] for v in data["facets"]["type"]}["term"] == 2
    assert data["results"][0]["breadcrumbs"] == [
        {"title": "Home", "url": "/"},
        {"title": "Terms", "url": "/terms"},
    ]
    assert "<mark>" in data["results"][0]["snippet"]
    assert web.get("/-/api/v1/search?q=scoring+guide").json["definition"]["title"] == "Rubric"


def test_suggest_endpoint(web: FlaskClient) -> None:
    data = web.get("/-/api/v1/suggest?q=profic").json
    assert data["query"] == "profic"
    assert data["suggestions"] == [
        {"title": "Proficiency Scale", "url": "/terms/scale", "type": "term", "context": "Terms"}
    ]
    assert web.get("/-/api/v1/suggest?q=").json["suggestions"] == []


def test_search_box_is_wired_for_suggestions(web: FlaskClient) -> None:
    page = html(web, "/-/search?q=rubric")
    box = page.select_one("#search-q")
    assert box["autocomplete"] == "off"
    assert box["role"] == "combobox"
    assert page.select_one('script[src="/-/static/search.js"]') is not None
    assert page.select_one('link[href="/-/static/search.css"]') is not None
    assert page.select_one("script:not([src])") is None  # the CSP allows no inline script
    for asset in ("search.js", "search.css"):
        response = web.get(f"/-/static/{asset}")
        assert response.status_code == 200
        response.close()


def test_search_sees_a_commit_made_outside_the_app(web: FlaskClient, search_app: Flask) -> None:
    assert result_urls(html(web, "/-/search?q=wombat")) == []
    repo = Path(search_app.extensions["masterywiki"].settings.repo)
    commit_files(repo, {"notes/wombat.md": "# Wombat Care\n\nFeeding.\n"})
    assert result_urls(html(web, "/-/search?q=wombat")) == ["/notes/wombat"]


def test_snippets_never_carry_markup_from_pages(web: FlaskClient, search_app: Flask) -> None:
    repo = Path(search_app.extensions["masterywiki"].settings.repo)
    summary = "summary: '<img src=x onerror=alert(1)> xylophone'"
    commit_files(repo, {"notes/x.md": f"---\n{summary}\n---\n# Xylo\n\nNothing.\n"})
    page = html(web, "/-/search?q=xylophone")
    assert page.select_one(".snippet img") is None
    assert "<img" in page.select_one(".snippet").get_text()


def test_thousands_of_filter_values_answer_quickly_with_the_first_twenty(web: FlaskClient) -> None:
    def query(values: int) -> str:
        return urlencode([("q", "rubric"), *(("tag", f"t{i}") for i in range(values))])

    # 74 s (and 674 MB) for 5,000 values when each link re-encoded all
    assert growth(lambda n: html(web, f"/-/search?{query(n)}"), 1250) < LINEAR_GROWTH
    tags = [f"t{i}" for i in range(5000)]
    page = html(web, f"/-/search?{query(5000)}")
    chips = page.select(".active-filters .filter-chip")
    assert [a.get_text(" ", strip=True).split(" ")[0] for a in chips] == [
        t.capitalize() for t in tags[:MAX_VALUES]
    ]
    removed = parse_qs(urlsplit(chips[0]["href"]).query)
    assert removed == {"q": ["rubric"], "tag": tags[1:MAX_VALUES]}
    for link in page.select(".facet a"):
        assert len(parse_qs(urlsplit(link["href"]).query).get("tag", [])) <= MAX_VALUES + 1
    data = web.get(f"/-/api/v1/search?{query(5000)}").json
    assert data["filters"] == {"tag": tags[:MAX_VALUES]}


@pytest.mark.parametrize("query", ["NOT NOT NOT", "NOT NOT rubric", "a NOT NOT b"])
def test_runs_of_operators_are_read_as_words_not_an_error(web: FlaskClient, query: str) -> None:
    # whoosh's own parser raises IndexError on these.
    assert web.get("/-/search", query_string={"q": query}).status_code == 200
    answer = web.get("/-/api/v1/search", query_string={"q": query})
    assert answer.status_code == 200 and answer.json is not None
    assert isinstance(answer.json["results"], list)


SERVER_WORKER = """
import sys, threading
from masterywiki import settings
from masterywiki.repository.instance import open_repository
from masterywiki.repository.wiki import Wiki
from masterywiki.web.views.search import _reindex_in_a_child

loaded = settings.load({"repo": sys.argv[1], "instance": sys.argv[2]})
wiki = Wiki(open_repository(loaded)[0])
# As in a server: started from a thread of its own, which waits for it.
builder = threading.Thread(target=_reindex_in_a_child, args=(wiki, loaded))
builder.start()
builder.join()
"""


def test_a_killed_server_worker_leaves_no_index_build_running(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo, instance = repo_factory(PAGES), tmp_path / "instance"
    # Another build holds the first-build claim, so the worker's child waits (up to an
    # hour) and is still there when the worker is killed.
    claim = WriteLock(instance / "search" / FIRST_BUILD_LOCK)
    assert claim.acquire(5)
    worker = subprocess.Popen([sys.executable, "-c", SERVER_WORKER, str(repo), str(instance)])
    try:
        deadline = time.monotonic() + 30
        while not (child := children_of(worker.pid)):
            assert time.monotonic() < deadline, "no index build was started"
            time.sleep(0.05)
        time.sleep(1.0)  # the child is up and waiting for the claim
        assert alive(child[0])
        worker.kill()
        worker.wait()
        assert gone_within(child, 10), "the index build outlived the killed worker"
    finally:
        worker.kill()
        worker.wait()
        claim.release()


def recorded(app: Flask) -> list[str]:
    """The searches recorded so far, once the app's queue of records is written."""
    app.extensions[RECORDS_EXTENSION].write_queued()
    with app.extensions["masterywiki"].database.read() as db:
        return [row["query"] for row in db.all("SELECT query FROM search_records")]


def test_while_the_first_index_is_built_search_answers_from_titles(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    folder = tmp_path / "instance" / "search"
    # Another process is building the first index: it holds the write lock, 45 of 120 done.
    building = WriteLock(folder / "write.lock")
    assert building.acquire(5)
    (folder / PROGRESS_FILE).write_text(json.dumps({"done": 45, "total": 120}))
    app = create_app({"repo": repo_factory(PAGES), "instance": tmp_path / "instance"})
    service = app.extensions["masterywiki.search"]
    service.wait = 0.2  # a search would wait this long for a small wiki's first index
    web = app.test_client()
    try:
        page = html(web, "/-/search?q=rubric")
        notice = page.select_one(".indexing-notice")
        assert "45 of 120 pages so far" in notice.get_text(" ", strip=True)
        assert "titles and aliases only" in notice.get_text()
        assert notice.select_one("progress")["value"] == "45"
        assert result_urls(page) == ["/terms/rubric"]  # not notes/retakes: its text says it
        found = web.get("/-/api/v1/search?q=scoring+guide").get_json()
        assert found["indexing"] == {"pages_indexed": 45, "pages": 120}
        assert [(r["path"], "open_url" in r) for r in found["results"]] == [("terms/rubric", False)]
        suggested = web.get("/-/api/v1/suggest?q=rub").get_json()["suggestions"]
        assert [s["url"] for s in suggested] == ["/terms/rubric"]
        assert recorded(app) == []  # titles only: not counted among readers' searches
        building.release()
        service.wait_for_building()  # the wiki's own build, once the lock is free
        page = html(web, "/-/search?q=rubric")
        assert page.select_one(".indexing-notice") is None
        assert result_urls(page) == ["/terms/rubric", "/notes/retakes"]
        assert recorded(app) == ["rubric"]
    finally:
        building.release()
        service.wait_for_building()
        service.close()
        app.extensions["masterywiki"].wiki.storage.close()
