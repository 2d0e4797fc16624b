"""Layout on a phone, a tablet and a laptop: no sideways scrolling, the contents tree
folded on a phone, and screenshots of the main pages at each width.

Screenshots go to pytest's temporary folder (named at the end of the run); run with
MASTERYWIKI_UPDATE_SCREENSHOTS=1 to refresh the copies in docs/screenshots/ too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.support import SCREENSHOTS_DOCS, log_in, save_an_edit

WIDTHS = (375, 768, 1280)
# screenshot name -> (path, logged in as ada?)
PAGES: dict[str, tuple[str, bool]] = {
    "home": ("/", False),
    "page": ("/framework/grading-policy", False),
    "glossary": ("/-/glossary", False),
    "search": ("/-/search?q=scoring+guide", False),
    "editor": ("/framework/grading-policy/-/edit", True),
    "history": ("/framework/grading-policy/-/history", False),
    "diff": ("DIFF", False),
    "files": ("/framework/grading-policy/-/files", True),
    "watchlist": ("/-/watchlist", True),
}


@pytest.fixture(scope="module")
def diff_url(browser: Any, live_url: str) -> str:
    context = browser.new_context()
    page = log_in(context, live_url, "ada")
    diff = save_an_edit(
        page,
        live_url,
        "/framework/grading-policy",
        "Our grading committee reviews this policy every spring.",
        "Say when the policy is reviewed",
    )
    context.close()
    return diff


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda width: f"{width}px")
def screen(request: pytest.FixtureRequest, browser: Any, live_url: str) -> Iterator[Any]:
    """(width, a visitor's page, an editor's page) at one screen width."""
    size = {"width": request.param, "height": 800}
    visitor = browser.new_context(viewport=size)
    editor = browser.new_context(viewport=size)
    yield request.param, visitor.new_page(), log_in(editor, live_url, "ada")
    visitor.close()
    editor.close()


@pytest.mark.parametrize("name", PAGES)
def test_no_sideways_scrolling_and_a_screenshot(
    screen: Any,
    name: str,
    diff_url: str,
    live_url: str,
    save_screenshot: Callable[[Any, str], Any],
) -> None:
    width, visitor, editor = screen
    path, as_editor = PAGES[name]
    page = editor if as_editor else visitor
    page.goto(diff_url if path == "DIFF" else live_url + path)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name} scrolls sideways at {width}px ({scroll_width}px wide)"
    if name == "page" and width == 1280:  # show a term's definition, as a reader hovers it
        page.locator("main a.xref.term").first.hover()
    save_screenshot(page, f"{name}-{width}")


def test_the_contents_fold_away_on_a_phone_only(screen: Any, live_url: str) -> None:
    width, visitor, _ = screen
    visitor.goto(f"{live_url}/framework/grading-policy")
    folded = not visitor.locator("details.sidebar-toggle").evaluate("el => el.open")
    assert folded == (width <= 768)
    # on a phone the page's own heading is on the first screen, above the fold
    box = visitor.locator("main h1").bounding_box()
    assert box is not None and box["y"] + box["height"] < 800
    if width == 1280:  # three columns: contents, page, "on this page"
        for part in (".sidebar", "main", ".on-this-page"):
            assert visitor.locator(part).is_visible()
    else:
        assert not visitor.locator(".on-this-page").is_visible()


def test_print_view_shows_only_the_page(browser: Any, live_url: str) -> None:
    page = browser.new_page()
    for path in ("/framework/grading-policy", "/-/glossary"):
        page.goto(live_url + path)
        page.emulate_media(media="print")
        for navigation in (".site-header", ".sidebar", ".page-aside", ".prev-next", ".skip-link"):
            locator = page.locator(navigation)
            assert locator.count() == 0 or not locator.first.is_visible(), navigation
        assert page.locator("main h1").is_visible()
        page.emulate_media(media="screen")
    page.close()


def test_the_committed_screenshots_cover_every_page_and_width() -> None:
    """The README points at docs/screenshots/; it must hold the current set."""
    committed = {path.name for path in SCREENSHOTS_DOCS.glob("*.png")}
    expected = {f"{name}-{width}.png" for name in PAGES for width in WIDTHS}
    assert expected <= committed, sorted(expected - committed)
