"""What a reader sees in a real browser: hover definitions, keyboard use, phone layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_term_hover_shows_its_definition(browser: Any, live_url: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{live_url}/framework/grading-policy")
    term = page.locator("a.xref.term").first
    summary = term.get_attribute("data-summary")
    assert summary
    term.hover()
    shown = term.evaluate("el => getComputedStyle(el, '::after').content")
    assert summary in shown
    page.screenshot(path=str(tmp_path / "grading-policy.png"))
    # the sidebar is open on a desktop and marks where the reader is
    assert page.locator("details.sidebar-toggle").evaluate("el => el.open")
    assert page.locator(".sidebar [aria-current=page]").inner_text() == "Grading Policy"
    page.close()


def test_keyboard_skip_link_reaches_the_content(browser: Any, live_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{live_url}/glossary/rubric")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.close()


def test_phone_layout_puts_the_page_first(browser: Any, live_url: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_url}/glossary/rubric")
    assert not page.locator("details.sidebar-toggle").evaluate("el => el.open")
    heading = page.locator("main h1").bounding_box()
    assert heading is not None and heading["y"] < 844
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "no sideways scrolling on a phone"
    page.close()


def test_print_view_hides_navigation(browser: Any, live_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{live_url}/framework/grading-policy")
    page.emulate_media(media="print")
    assert not page.locator(".sidebar").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert page.locator("main h1").is_visible()
    page.close()
