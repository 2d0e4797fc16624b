"""`?page=` on every paged listing: one rule, read by `views.page_number`."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.auth_fixtures import logged_in_client

PAGED_URLS = [
    "/-/search?q=rubric",
    "/-/api/v1/search?q=rubric",
    "/-/changes",
    "/-/changes.atom",
    "/-/resources",
    "/guide/first/-/history",
    "/-/watchlist",
]
BAD_PAGES = {
    "superscript": "²",  # str.isdigit() says yes, int() says no
    "arabic-indic": "٣",  # int() reads it as 3
    "fullwidth": "\uff12",
    "5000-digits": "9" * 5000,  # past int()'s 4,300-digit limit
    "past-the-limit": "100001",
    "zero": "0",
    "negative": "-1",
    "plus": "+2",
    "space": " 2",
    "word": "two",
}


def with_page(url: str, page: str) -> str:
    return url + ("&" if "?" in url else "?") + urlencode({"page": page})


@pytest.fixture
def reader(app: Flask) -> FlaskClient:
    return logged_in_client(app, "rita", "reader")


@pytest.mark.parametrize("url", PAGED_URLS)
@pytest.mark.parametrize("page", BAD_PAGES.values(), ids=BAD_PAGES.keys())
def test_a_bad_page_number_is_a_clear_400(reader: FlaskClient, url: str, page: str) -> None:
    response = reader.get(with_page(url, page))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "page number must be a whole number from 1 to 100,000" in text
    if url.startswith("/-/api/"):
        assert response.json is not None and response.json["error"] == "Invalid page number"


@pytest.mark.parametrize("url", PAGED_URLS)
@pytest.mark.parametrize("page", ["", "1", "2", "007", "100000"])
def test_good_page_numbers_are_served(reader: FlaskClient, url: str, page: str) -> None:
    response = reader.get(with_page(url, page))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
