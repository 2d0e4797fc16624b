"""Watching a page in a real browser, with the keyboard alone, and the watchlist page
checked by axe-core in light and dark mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import axe_violations, describe, follow, log_in, save_an_edit

PAGE = "/framework/grading-policy"


def test_watch_a_page_by_keyboard_and_find_it_on_the_watchlist(browser: Any, live_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = log_in(context, live_url, "rita")
    page.goto(live_url + PAGE)
    button = page.locator(".page-actions").get_by_role("button", name="Watch this page")
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == live_url + PAGE
    assert page.get_by_role("status").filter(has_text="is on your watchlist").is_visible()
    unwatch = page.locator(".page-actions").get_by_role("button", name="Unwatch this page")
    assert unwatch.get_attribute("aria-pressed") == "true"

    editor = log_in(browser.new_context(), live_url, "ada")
    save_an_edit(editor, live_url, PAGE, "Reviewed by the committee.", "Note the review")
    editor.context.close()

    page.get_by_role("banner").get_by_role("link", name="Watchlist").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_url}/-/watchlist"
    watching = page.locator(".watching li")
    assert watching.count() == 1 and "Grading" in watching.first.inner_text()
    changes = page.locator("table.watch-changes tbody tr")
    assert "Note the review" in changes.first.inner_text()
    follow(page, watching.first.get_by_role("button", name="Unwatch"))
    assert page.locator(".watch-empty").is_visible()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_watchlist_page_passes_axe(
    browser: Any, live_url: str, scheme: str, save_screenshot: Callable[[Any, str], Path]
) -> None:
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = log_in(context, live_url, {"light": "cole", "dark": "ben"}[scheme])
    page.goto(live_url + PAGE)
    follow(page, page.locator(".page-actions").get_by_role("button", name="Watch this page"))
    violations = axe_violations(page, rules=["color-contrast"] if scheme == "dark" else None)
    assert not violations, f"page with watch buttons ({scheme}):\n{describe(violations)}"
    page.goto(f"{live_url}/-/watchlist")
    follow(page, page.get_by_role("button", name="Make a feed address"))
    assert page.locator("input#feed-url").input_value().endswith(".atom")
    violations = axe_violations(page, rules=["color-contrast"] if scheme == "dark" else None)
    assert not violations, f"watchlist ({scheme}):\n{describe(violations)}"
    save_screenshot(page, f"watchlist-{scheme}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    save_screenshot(page, f"watchlist-{scheme}-375")
    context.close()
