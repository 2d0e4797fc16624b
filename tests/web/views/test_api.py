"""The JSON API, validated against its own OpenAPI document, and the embed card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.auth_fixtures import csrf_token, logged_in_client
from tests.conftest import commit_files


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/-/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json
    validate(document)  # a valid OpenAPI 3.1 document
    return document


def check(spec: dict[str, Any], schema: str, data: Any) -> None:
    """Validate `data` against a component schema, resolving $refs inside the document."""
    wrapper = {**spec, "$ref": f"#/components/schemas/{schema}"}
    errors = list(Draft202012Validator(wrapper).iter_errors(data))
    assert errors == [], [e.message for e in errors]


def test_page_json_matches_the_spec(client: FlaskClient, spec: dict[str, Any]) -> None:
    response = client.get("/-/api/v1/pages/guide/first")
    assert response.status_code == 200
    data = response.json
    check(spec, "Page", data)
    assert data["title"] == "First Chapter"
    assert data["tags"] == ["alpha", "beta"]
    assert [c["path"] for c in data["breadcrumbs"]] == ["index", "guide"]
    assert data["last_change"]["author"] == "Ada Coach"
    assert 'href="/guide/second#details"' in data["html"]
    root = client.get("/-/api/v1/pages/index").json
    check(spec, "Page", root)
    assert root["source_url"] == "/index/-/raw"


def test_page_errors_are_json(client: FlaskClient, spec: dict[str, Any]) -> None:
    missing = client.get("/-/api/v1/pages/guide/none")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    check(spec, "Error", missing.json)
    invalid = client.get("/-/api/v1/pages/Guide/First")
    assert invalid.status_code == 400
    check(spec, "Error", invalid.json)


def test_moved_page_redirects_within_the_api(client: FlaskClient) -> None:
    response = client.get("/-/api/v1/pages/guide/index")
    assert (response.status_code, response.headers["Location"]) == (301, "/-/api/v1/pages/guide")


def test_terms(client: FlaskClient, spec: dict[str, Any]) -> None:
    listing = client.get("/-/api/v1/terms").json
    check(spec, "TermList", listing)
    assert [t["slug"] for t in listing["terms"]] == ["grade-composition", "rubric"]
    for slug in ("grade-composition", "Grade Composition", "grading-weights"):
        data = client.get(f"/-/api/v1/terms/{slug}").json
        check(spec, "Term", data)
        assert data["term"] == "Grade Composition"
    assert "Designers" in data["definition_html"]
    assert data["embed_url"] == "/-/embed/term/grade-composition"
    missing = client.get("/-/api/v1/terms/seat-time")
    assert missing.status_code == 404
    check(spec, "Error", missing.json)


def test_search_json_matches_the_spec(client: FlaskClient, spec: dict[str, Any]) -> None:
    response = client.get("/-/api/v1/search?q=rubric")
    assert response.status_code == 200
    check(spec, "SearchResults", response.json)


def test_embed_card_may_be_framed_and_nothing_else_may(
    client: FlaskClient, basic_repo: Path
) -> None:
    card = client.get("/-/embed/term/rubric")
    assert card.status_code == 200
    assert "X-Frame-Options" not in card.headers
    assert "frame-ancestors *" in card.headers["Content-Security-Policy"]
    assert "script" not in card.get_data(as_text=True).lower()
    assert "A scoring guide describing levels of performance." in card.get_data(as_text=True)
    for url in ("/", "/guide/first", "/-/glossary", "/-/api/v1/terms", "/guide/first/-/history"):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN", url
        assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"], url


def test_api_sees_outside_commits(client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.md": "---\ntitle: Renamed Title\n---\n# X\n"})
    assert client.get("/-/api/v1/pages/guide/first").json["title"] == "Renamed Title"


def test_page_json_lists_attachments_and_protection(
    client: FlaskClient, spec: dict[str, Any], basic_repo: Path
) -> None:
    from tests.conftest import git
    from tests.content.test_filetypes import PNG

    folder = basic_repo / "guide/first.files"
    folder.mkdir()
    (folder / "plan.png").write_bytes(PNG)
    git(basic_repo, "add", "-A")
    git(basic_repo, "commit", "-q", "-m", "Attach a plan")
    data = client.get("/-/api/v1/pages/guide/first").json
    check(spec, "Page", data)
    assert data["attachments"] == [
        {"name": "plan.png", "url": "/guide/first/-/files/plan.png", "type": "image/png",
         "size": len(PNG)}
    ]  # fmt: skip
    assert data["protected"] is False


def test_review_and_insights_json_match_the_spec(
    app: Any, client: FlaskClient, spec: dict[str, Any]
) -> None:
    from tests.auth_fixtures import logged_in_client

    check(spec, "ReviewList", client.get("/-/api/v1/review").json)
    editor = logged_in_client(app, "edna", "editor")
    editor.get("/-/search?q=chapter")
    editor.get("/-/search?q=zzzqqq")
    found = editor.get("/-/api/v1/insights?days=7").json
    check(spec, "Insights", found)
    assert set(spec["paths"]) >= {"/-/api/v1/review", "/-/api/v1/insights"}


def test_proposals_match_the_spec(app: Flask, spec: dict[str, Any]) -> None:
    reader = logged_in_client(app, "rae", "reader")
    fields = {"csrf_token": csrf_token(reader, "/guide/first/-/propose"), "summary": "Typo"}
    fields["content"] = reader.get("/guide/first/-/raw").get_data(as_text=True) + "x\n"
    assert reader.post("/guide/first/-/propose", data=fields).status_code == 303
    listing = reader.get("/-/api/v1/proposals").json
    check(spec, "ProposalList", listing)
    assert [(p["id"], p["summary"]) for p in listing["proposals"]] == [(1, "Typo")]
    one = reader.get("/-/api/v1/proposals/1").json
    check(spec, "Proposal", one)
    assert one["content"] == fields["content"] and one["state"] == "open"
    missing = reader.get("/-/api/v1/proposals/2")
    assert missing.status_code == 404
    check(spec, "Error", missing.json)


def test_titles_for_the_editors_page_links(client: FlaskClient, spec: dict[str, Any]) -> None:
    found = client.get("/-/api/v1/titles?q=chap").json
    check(spec, "TitleList", found)
    assert [page["path"] for page in found["pages"]] == ["guide/first"]  # "First Chapter"
    by_address = client.get("/-/api/v1/titles?q=glossary/ru").json["pages"]
    assert [page["title"] for page in by_address] == ["Rubric"]
    starting = client.get("/-/api/v1/titles?q=rub").json["pages"]
    assert starting[0]["title"] == "Rubric", "titles starting with the text come first"
