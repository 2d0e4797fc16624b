"""The static site (masterywiki build) in a real browser, opened from file://."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from masterywiki import settings as settings_module
from masterywiki.repository.instance import create_wiki
from masterywiki.site.build import build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("static")
    create_wiki(str(tmp / "wiki"))
    loaded = settings_module.load({"repo": tmp / "wiki", "instance": tmp / "instance"})
    build_site(loaded, tmp / "site")
    return tmp / "site"


def test_a_page_opened_from_disk_has_its_styles_and_navigation(
    browser: Any, site: Path, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((site / "framework/grading-policy/index.html").as_uri())
    assert page.locator(".sidebar [aria-current=page]").inner_text() == "Grading Policy"
    # wiki.css loaded: the header is laid out as on the server
    assert page.locator(".site-header").evaluate("el => getComputedStyle(el).display") == "flex"
    page.screenshot(path=str(tmp_path / "static-page.png"))
    page.locator(".breadcrumbs a").first.click()
    assert page.url.endswith("/index.html")
    assert errors == []
    page.close()


def test_the_header_search_works_without_a_server(browser: Any, site: Path, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((site / "glossary/rubric/index.html").as_uri())
    page.fill("#search-q", "competency-based")
    page.press("#search-q", "Enter")
    page.wait_for_selector("#static-search .result")
    assert "/-/search/index.html?q=competency-based" in page.url
    titles = page.locator("#static-search .result-title a").all_inner_texts()
    assert titles[0] == "Competency-Based Education"
    assert "mastery" in page.locator("#static-search .synonyms").inner_text()
    page.screenshot(path=str(tmp_path / "static-search.png"))
    # the JavaScript ranking is the one static_search.py documents
    from masterywiki.site import static_search

    index = static_search.load_script((site / "-/search/searchindex.js").read_text())
    for query in ("competency-based", "rubric", "learning target", "reassess"):
        expected = [d[1] for d in static_search.search(index, query)][:20]
        shown = page.evaluate(
            "q => window.masterywikiStaticSearch(window.MASTERYWIKI_SEARCH_INDEX, q)"
            ".slice(0, 20).map(d => d[1])",
            query,
        )
        assert shown == expected, query
    page.locator("#static-search .result-title a").first.click()
    assert page.url.endswith("glossary/competency-based-education/index.html")
    assert errors == []
    page.close()
