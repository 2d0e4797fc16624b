"""The general index, tags and the faceted resource listing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.search.facets import MAX_VALUES
from masterywiki.web.app import create_app
from tests.timing import LINEAR_GROWTH, growth


def soup(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app({"instance": tmp_path_factory.mktemp("browse") / "instance"})


@pytest.fixture
def starter_client(starter: Flask) -> FlaskClient:
    return starter.test_client()


def test_genindex_lists_terms_aliases_labels_and_tags(client: FlaskClient) -> None:
    page = soup(client, "/-/genindex")
    entries = {
        (li.select_one("a").get_text(), li["class"][0], li.select_one("a")["href"])
        for li in page.select(".genindex li")
    }
    assert ("Grade Composition", "entry-term", "/glossary/grade-composition") in entries
    assert ("grading weights", "entry-alias", "/glossary/grade-composition") in entries
    assert ("Principles", "entry-label", "/guide/first#first-label") in entries
    assert ("alpha", "entry-tag", "/-/tags/alpha") in entries
    letters = [a.get_text() for a in page.select(".letters a")]
    assert letters == sorted(letters, key=lambda x: (x == "#", x))


def test_tag_pages(client: FlaskClient) -> None:
    page = soup(client, "/-/tags/alpha")
    assert [a["href"] for a in page.select(".results a")] == ["/guide/first"]
    soup(client, "/-/tags/nothing", 404)
    assert soup(client, "/-/tags").select_one('.tag-cloud a[href="/-/tags/alpha"]') is not None


def test_resources_facets_counts_and_pagination(
    starter: Flask, starter_client: FlaskClient
) -> None:
    resources = starter.extensions["masterywiki"].wiki.refresh().catalog.resources()
    by_type = Counter(r.info.front_matter.resource_type for r in resources)
    page = soup(starter_client, "/-/resources")
    assert page.select_one(".showing").get_text() == (f"Showing 1-10 of {len(resources)} results")
    assert len(page.select(".resource-list > li")) == 10
    counts = {
        a.get_text(" ", strip=True).split(" ")[1].lower(): int(a.select_one(".count").get_text())
        for a in page.select(".facet:first-of-type .facet-value")
    }
    assert counts["rubric"] == by_type["rubric"]
    second = soup(starter_client, "/-/resources?page=2")
    assert second.select_one(".showing").get_text().startswith("Showing 11-20 of")

    rubric = soup(starter_client, "/-/resources?resource_type=rubric")
    assert rubric.select_one(".showing").get_text() == (
        f"Showing 1-{by_type['rubric']} of {by_type['rubric']} results"
    )
    chosen = rubric.select_one(".facet-value.selected")
    assert chosen["href"] == "/-/resources?"  # clicking it again clears the filter
    combined = [r for r in resources if r.info.front_matter.resource_type in ("rubric", "guide")
                and r.info.front_matter.organization_type == "district"]  # fmt: skip
    both = soup(starter_client, "/-/resources?resource_type=rubric&resource_type=guide"
                "&organization_type=district")  # fmt: skip
    assert len(both.select(".resource-list > li")) == len(combined)


def test_resources_sort_and_empty_state(starter_client: FlaskClient) -> None:
    by_title = [
        h.get_text() for h in soup(starter_client, "/-/resources").select(".resource-list h2")
    ]
    assert by_title == sorted(by_title, key=str.casefold)
    empty = soup(starter_client, "/-/resources?resource_type=nonexistent")
    assert "No resources match" in empty.select_one(".showing").get_text()
    assert empty.select_one(".empty a")["href"] == "/-/resources"


def test_terms_list_their_resources_and_back(starter: Flask, starter_client: FlaskClient) -> None:
    catalog = starter.extensions["masterywiki"].wiki.refresh().catalog
    term = catalog.get("glossary/reassessment")
    assert term is not None
    about = catalog.related_by_type(term.name)
    assert about, "the starter links resources to the reassessment term"
    page = soup(starter_client, "/glossary/reassessment")
    links = [a["href"] for a in page.select(".see-also a")]
    assert links == [r.url for r in about]
    resource = soup(starter_client, about[0].url)
    assert "/glossary/reassessment" in [a["href"] for a in resource.select(".see-also a")]


def test_empty_wiki_states(tmp_path: Path) -> None:
    from tests.conftest import make_repo

    app = create_app({"repo": make_repo(tmp_path / "r", {"index.md": "# Home\n"}),
                      "instance": tmp_path / "i"})  # fmt: skip
    client = app.test_client()
    assert "Nothing to index yet" in soup(client, "/-/genindex").get_text()
    assert "No page has tags yet" in soup(client, "/-/tags").get_text()
    assert "No resources yet" in soup(client, "/-/resources").get_text()


def test_thousands_of_filter_values_answer_quickly_with_the_first_twenty(
    starter: Flask, starter_client: FlaskClient
) -> None:
    resources = starter.extensions["masterywiki"].wiki.refresh().catalog.resources()
    rubrics = sum(r.info.front_matter.resource_type == "rubric" for r in resources)
    kinds = ["rubric", *(f"kind{i}" for i in range(4999))]

    def query(values: int) -> str:
        chosen = kinds[:values]
        junk = [("utm", str(i)) for i in range(values * 2 // 5)]
        return urlencode([*(("resource_type", v) for v in chosen), ("sort", "type"), *junk])

    # 38 s (583 MB) for 5,000 values when each link re-encoded all
    assert growth(lambda n: soup(starter_client, f"/-/resources?{query(n)}"), 1250) < LINEAR_GROWTH
    page = soup(starter_client, f"/-/resources?{query(5000)}")
    assert page.select_one(".showing").get_text().endswith(f"of {rubrics} results")
    for link in page.select(".facet-value"):
        params = parse_qs(urlsplit(link["href"]).query)
        assert set(params) <= {"resource_type", "organization_type", "sort"}  # no utm
        assert params["sort"] == ["type"]
        assert len(params.get("resource_type", [])) <= MAX_VALUES + 1
    hidden = page.select('.sort-form input[name="resource_type"]')
    assert [i["value"] for i in hidden] == kinds[:MAX_VALUES]
