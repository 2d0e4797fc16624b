"""The bundled starter wiki: complete, consistent and fully served."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.repository.wiki import Wiki
from masterywiki.web.app import create_app


@pytest.fixture(scope="module")
def starter(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("starter") / "instance"
    app = create_app({"instance": instance})
    assert app.extensions["masterywiki"].created
    return app


@pytest.fixture(scope="module")
def wiki(starter: Flask) -> Wiki:
    found: Wiki = starter.extensions["masterywiki"].wiki
    return found


def test_starter_has_the_promised_content(wiki: Wiki) -> None:
    catalog = wiki.refresh().catalog
    types = Counter(record.type for record in catalog.records())
    assert types["term"] >= 30
    assert types["resource"] >= 20
    assert types["event"] >= 10
    framework = catalog.children("framework")
    assert len(framework) >= 6
    resources = [r for r in catalog.records() if r.type == "resource"]
    assert all(r.info.front_matter.resource_type for r in resources)
    assert all(r.info.front_matter.organization_type for r in resources)
    assert all(r.summary for r in resources)
    # the field's several names for one idea are aliases
    for alias in ("mastery-based learning", "proficiency-based learning", "learning objective"):
        assert catalog.term(alias) is not None, alias


def test_every_page_is_in_a_toctree_and_every_reference_resolves(wiki: Wiki) -> None:
    catalog = wiki.refresh().catalog
    assert catalog.orphans() == []
    problems = []
    for record in catalog.records():
        problems += [(record.file, p.line, p.message) for p in record.info.problems]
        rendered = wiki.rendered(record)
        problems += [(record.file, p.line, p.message) for p in rendered.problems]
    assert problems == []


def test_every_starter_page_answers_200_with_navigation(starter: Flask, wiki: Wiki) -> None:
    client: FlaskClient = starter.test_client()
    for record in wiki.refresh().catalog.records():
        response = client.get(record.url)
        assert response.status_code == 200, record.url
        html = BeautifulSoup(response.data, "html.parser")
        assert html.select(".sidebar li a"), record.url
        if record.name != "index":
            assert html.select(".breadcrumbs a"), record.url
        assert html.select_one(".prev-next a"), record.url


def test_starter_wiki_folder_is_what_ships() -> None:
    from masterywiki.resources import starter_dir

    assert starter_dir() == Path(__file__).resolve().parent.parent / "wiki"
