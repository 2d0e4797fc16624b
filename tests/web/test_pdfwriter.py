"""The PDF writer's fetcher: the app's own static files and attachments, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from masterywiki.errors import WikiError
from masterywiki.web.pdfwriter import AppFetcher

BASE = "http://wiki.test/"


@pytest.fixture
def fetcher(app: Flask) -> AppFetcher:
    return AppFetcher(app.extensions["masterywiki"].attachments, BASE)


def test_static_files_and_attachments_are_read_from_the_app(
    fetcher: AppFetcher, basic_repo: Path
) -> None:
    css = fetcher.fetch(BASE + "-/static/handbook.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    data = fetcher.fetch("data:text/plain;base64,aGk=")
    assert data.read() == b"hi"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/picture.png",  # another host
        "http://wiki.test:8080/-/static/handbook.css",  # another port is another origin
        "https://wiki.test/-/static/handbook.css",  # another scheme
        "file:///etc/passwd",
        BASE + "-/static/../../../../etc/passwd",
        BASE + "-/static/%2e%2e/%2e%2e/setup.py",
        BASE + "guide/first",  # a page: not an image or a stylesheet
        BASE + "-/api/v1/pages/guide",
    ],
)
def test_other_addresses_are_refused(fetcher: AppFetcher, url: str) -> None:
    with pytest.raises((ValueError, OSError)):
        fetcher.fetch(url)


def test_a_missing_attachment_is_the_wikis_own_error(fetcher: AppFetcher) -> None:
    with pytest.raises(WikiError):
        fetcher.fetch(BASE + "guide/first/-/files/missing.png")
