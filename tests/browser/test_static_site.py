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


@pytest.fixture(scope="module")
def split_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The starter wiki's site with its search index in parts, as a large wiki's is."""
    from masterywiki.site import static_search

    tmp = tmp_path_factory.mktemp("static-split")
    create_wiki(str(tmp / "wiki"))
    loaded = settings_module.load({"repo": tmp / "wiki", "instance": tmp / "instance"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(static_search, "PART_PAGES", 8)
        build_site(loaded, tmp / "site")
    return tmp / "site"


def test_search_over_an_index_in_parts_loads_them_all(browser: Any, split_site: Path) -> None:
    from masterywiki.site import searchparts, static_search

    index = searchparts.read_index(split_site)
    parts: list[str] = index["parts"]  # type: ignore[assignment]
    assert len(parts) >= 7  # more than 50 pages, 8 a part: 8 parts or more
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((split_site / "-/search/index.html").as_uri() + "?q=competency-based")
    page.wait_for_selector("#static-search .result")
    titles = page.locator("#static-search .result-title a").all_inner_texts()
    assert titles[0] == "Competency-Based Education"
    assert page.evaluate("window.MASTERYWIKI_SEARCH_INDEX.more.length") == len(parts)
    for query in ("competency-based", "rubric", "learning target", "reassess", "grad"):
        expected = [d[0] for d in static_search.search(index, query)]
        shown = page.evaluate(
            "q => window.masterywikiStaticSearch(window.MASTERYWIKI_SEARCH_INDEX, q)"
            ".map(d => d[0])",
            query,
        )
        assert shown == expected, query
    assert errors == []
    page.close()


def test_a_missing_part_says_the_index_did_not_load(
    browser: Any, split_site: Path, tmp_path: Path
) -> None:
    import shutil

    from masterywiki.site import searchparts

    copy = tmp_path / "site"
    shutil.copytree(split_site, copy)
    (copy / searchparts.index_file(3)).unlink()
    page = browser.new_page()
    page.goto((copy / "-/search/index.html").as_uri() + "?q=rubric")
    status = page.locator("#static-search .result-count")
    status.filter(has_text="did not load").wait_for()
    assert page.locator("#static-search .result").count() == 0
    page.close()
