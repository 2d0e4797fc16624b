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


# The glossary terms a report card uses, and the pages families read first, in Spanish.
SPANISH_TERMS = (
    "competency", "proficiency-scale", "evidence-of-learning", "reassessment", "learning-target",
    "standards-based-grading", "grade-composition", "mastery-threshold", "habits-of-success",
    "grade-reports", "competency-based-education", "rubric",
)  # fmt: skip


def test_starter_has_spanish_pages_for_families(starter: Flask, wiki: Wiki) -> None:
    catalog = wiki.refresh().catalog
    for slug in SPANISH_TERMS:
        record = catalog.get(f"es/glossary/{slug}")
        assert record is not None, slug
        extra = record.info.front_matter.extra
        assert (record.type, extra["lang"], extra["translation_of"]) == (
            "term",
            "es",
            f"glossary/{slug}",
        )
        assert record.title != catalog.pages[f"glossary/{slug}"].title
    for name in (
        "es/framework/communicating-with-families",
        "es/resources/family-guide-to-mastery-grades",
    ):
        assert catalog.get(name) is not None, name
    assert set(catalog.children("es/glossary")) == {f"es/glossary/{s}" for s in SPANISH_TERMS}
    # A Spanish page's terms link their Spanish definitions.
    client = starter.test_client()
    guide = BeautifulSoup(
        client.get("/es/resources/family-guide-to-mastery-grades").data, "html.parser"
    )
    assert {a["href"] for a in guide.select("a.xref.term")} == {
        "/es/glossary/competency",
        "/es/glossary/reassessment",
        "/es/glossary/habits-of-success",
    }


@pytest.mark.parametrize("text", ["calificaciones", "calificacion", "boletín", "boletin"])
def test_spanish_searches_find_the_spanish_grading_pages(starter: Flask, text: str) -> None:
    found = starter.test_client().get(f"/-/api/v1/search?q={text}&lang=es").get_json()
    paths = [hit["path"] for hit in found["results"]]
    assert "es/glossary/grade-reports" in paths[:3], paths
    assert all(path.startswith("es/") for path in paths[:5]), paths


def test_spanish_synonyms_ship_with_the_starter(starter: Flask) -> None:
    found = starter.test_client().get("/-/api/v1/search?q=basado+en+competencias").get_json()
    assert found["results"][0]["path"] == "es/glossary/competency-based-education"
    assert "basado en el dominio" in found["synonyms"]
