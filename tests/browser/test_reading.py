"""What a reader sees in a real browser: term definitions (hover, focus, touch), keyboard
use, phone layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.support import follow, heading


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


def _current_in_sidebar(page: Any) -> str:
    text: str = page.locator(".sidebar [aria-current=page]").inner_text()
    return text


def test_follow_the_sidebar_and_prev_next_through_the_framework(
    browser: Any, live_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_url)
    assert heading(page) == "Mastery Learning Knowledge Base"
    framework = "A Framework for Mastery Implementation"
    page.locator(".sidebar").get_by_role("link", name=framework).click()
    page.wait_for_url(f"{live_url}/framework")
    assert heading(page) == "A Framework for Mastery Implementation"
    assert _current_in_sidebar(page) == "A Framework for Mastery Implementation"
    # the framework's sections, in toctree order, one "Next" at a time
    visited = []
    for _ in range(3):
        follow(page, page.locator(".prev-next a.next"))
        title = heading(page)
        assert _current_in_sidebar(page) == title, "the sidebar marks where the reader is"
        crumbs = page.locator(".breadcrumbs li").all_inner_texts()
        assert crumbs[-2:] == ["A Framework for Mastery Implementation", title]
        visited.append(title)
    assert visited == ["School-Wide Systems", "Grading Policy", "Assessment Design"]
    follow(page, page.locator(".prev-next a.prev"))
    assert heading(page) == "Grading Policy"
    # a sidebar entry deeper in the tree, then the breadcrumb back up
    page.locator(".sidebar").get_by_role("link", name="Professional Learning").click()
    page.wait_for_url(f"{live_url}/framework/professional-learning")
    page.locator(".breadcrumbs").get_by_role("link", name=framework).click()
    page.wait_for_url(f"{live_url}/framework")
    page.close()


def test_term_definition_shows_on_keyboard_focus_too(browser: Any, live_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_url}/framework/grading-policy")
    term = page.locator("main a.xref.term").first
    term.focus()
    shown = term.evaluate("el => getComputedStyle(el, '::after').content")
    assert term.get_attribute("data-summary") in shown
    page.close()


def _definition_shown(term: Any) -> bool:
    shown: bool = term.evaluate(
        """el => { const after = getComputedStyle(el, '::after');
                   return after.display !== 'none'
                          && after.content.includes(el.dataset.summary); }"""
    )
    return shown


def test_escape_hides_a_definition_without_moving_focus_or_pointer(
    browser: Any, live_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_url}/framework/grading-policy")
    term = page.locator("main a.xref.term").first
    term.hover()
    assert _definition_shown(term)
    page.keyboard.press("Escape")
    assert not _definition_shown(term), "Escape dismisses the definition under the pointer"
    page.mouse.move(0, 0)
    term.focus()
    assert _definition_shown(term), "it comes back on the next focus"
    page.keyboard.press("Escape")
    assert not _definition_shown(term)
    assert term.evaluate("el => el === document.activeElement"), "the focus stays on the term"
    page.close()


def test_on_a_touch_screen_a_first_tap_shows_the_definition_a_second_follows(
    browser: Any, live_url: str
) -> None:
    phone = browser.new_context(
        viewport={"width": 375, "height": 800}, has_touch=True, is_mobile=True
    )
    page = phone.new_page()
    page.goto(f"{live_url}/framework/grading-policy")
    terms = page.locator("main a.xref.term")
    lefts = terms.evaluate_all("els => els.map(el => el.getBoundingClientRect().left)")
    # the term furthest right: its definition must be pulled back onto the screen
    furthest = max(range(len(lefts)), key=lambda i: lefts[i])
    assert lefts[furthest] > 100
    term = terms.nth(furthest)
    term.scroll_into_view_if_needed()
    url = page.url
    term.tap()
    assert page.url == url, "the first tap stays on the page"
    assert _definition_shown(term)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the definition stays on screen: no sideways scrolling"
    page.locator("main h1").tap()  # a tap elsewhere closes it
    assert not _definition_shown(term)
    term.tap()
    assert _definition_shown(term)
    target = term.get_attribute("href")
    with page.expect_navigation():
        term.tap()
    assert page.url == f"{live_url}{target}"
    phone.close()


def test_search_with_an_alias_narrow_by_a_facet_and_open_a_result(
    browser: Any, live_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_url)
    box = page.get_by_role("combobox", name="Search the wiki")
    box.fill("scoring guide")  # an alias of the glossary term "Rubric"
    box.press("Enter")
    page.wait_for_url("**/-/search?q=scoring+guide")
    card = page.locator(".definition-card")
    assert card.locator("h2").inner_text() == "Rubric"
    assert "scoring guide" in card.locator(".aliases").inner_text()
    total = page.locator(".result-count").inner_text()
    # narrow to resources with the type facet
    page.locator("[data-facet=type]").get_by_role("link", name="Resource").click()
    page.wait_for_url("**type=resource**")
    assert page.locator(".result-count").inner_text() != total
    assert page.locator(".filter-chip").inner_text().startswith("Resource")
    kinds = page.locator("ol.results > li").evaluate_all("els => els.map(el => el.className)")
    assert kinds and all("result-resource" in kind for kind in kinds)
    first = page.locator(".result-title a").first
    title = first.inner_text()
    follow(page, first)
    assert heading(page) == title
    assert "/-/search" not in page.url
    page.close()


def test_search_suggestions_work_from_the_keyboard(browser: Any, live_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_url}/-/glossary")
    box = page.get_by_role("combobox", name="Search the wiki")
    box.focus()
    page.keyboard.type("scoring gu")
    option = page.get_by_role("option").first
    # Waited for: on a busy machine the typing pauses, and the words typed so far
    # ("scoring") get their own suggestions first.
    expect(option).to_contain_text("Rubric")
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/glossary/rubric")
    page.close()
