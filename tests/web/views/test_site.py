"""Site views: glossary A-Z, health check, title search."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask.testing import FlaskClient


def test_glossary_a_to_z(client: FlaskClient) -> None:
    html = BeautifulSoup(client.get("/-/glossary").data, "html.parser")
    assert [a.get_text() for a in html.select(".letters a")] == ["G", "R"]
    terms = [a.get_text() for a in html.select(".glossary-list dt a")]
    assert terms == ["Grade Composition", "Rubric"]
    first = html.select_one(".glossary-list dd")
    assert "How a final grade is built" in first.get_text()
    assert "grading weights" in first.select_one(".aliases").get_text()


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/-/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["pages"] == 7
    assert len(response.json["commit"]) == 40


def test_robots_and_favicon(client: FlaskClient) -> None:
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and "Disallow: /-/" in robots.get_data(as_text=True)
    assert client.get("/favicon.ico").headers["Location"] == "/-/static/favicon.svg"
