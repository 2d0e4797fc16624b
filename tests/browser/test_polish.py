"""What a reader notices: the tab's icon and title, "copy link", friendly error pages in
the site layout, dark mode, and a page that does not jump while it loads."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from masterywiki.web.app import create_app
from tests.browser.support import follow, heading, log_in, page_source

SITE = "Mastery Learning Wiki"


def test_favicon_and_tab_titles(browser: Any, live_url: str) -> None:
    page = browser.new_page()
    page.goto(live_url)
    icon = page.locator("link[rel=icon]").get_attribute("href")
    answer = page.request.get(live_url + icon)
    assert answer.ok and answer.headers["content-type"].startswith("image/svg+xml")
    titles = {
        "/": f"Mastery Learning Knowledge Base · {SITE}",
        "/framework/grading-policy": f"Grading Policy · {SITE}",
        "/glossary/rubric": f"Rubric · {SITE}",
        "/-/glossary": f"Glossary A\u2013Z · {SITE}",
        "/-/search?q=rubric": f"“rubric” · Search · {SITE}",
        "/framework/grading-policy/-/history": f"History of Grading Policy · {SITE}",
        "/framework/no-such-page": f"Page not found · {SITE}",
    }
    for path, title in titles.items():
        page.goto(live_url + path)
        assert page.title() == title
    page.close()


@pytest.fixture
def clipboard_page(browser: Any, live_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
    yield context.new_page()
    context.close()


def test_copy_link_on_a_heading(clipboard_page: Any, live_url: str) -> None:
    page = clipboard_page
    page.goto(f"{live_url}/framework/grading-policy")
    section = page.locator("main h2#reassessment")
    button = section.get_by_role("button", name="Copy link to this section")
    assert button.evaluate("el => getComputedStyle(el).opacity") == "0", "quiet until wanted"
    section.hover()
    assert button.is_visible()
    button.click()
    expect(button).to_have_text("Link copied")
    expect(page.get_by_role("status").filter(has_text="Link copied")).to_have_count(1)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_url}/framework/grading-policy#reassessment"


def test_copy_link_on_a_glossary_term(clipboard_page: Any, live_url: str) -> None:
    page = clipboard_page
    page.goto(f"{live_url}/-/glossary")
    button = page.get_by_role("button", name="Copy link to the definition of “Rubric”")
    assert button.is_visible()
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_url}/glossary/rubric"
    # and on the term's own page, beside its title
    page.goto(f"{live_url}/glossary/rubric")
    button = page.locator("main h1").get_by_role("button", name="Copy link to this page")
    button.click()
    expect(button).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_url}/glossary/rubric#rubric"


def _in_site_layout(page: Any) -> None:
    for part in ("header.site-header", "footer.site-footer", "main#content h1"):
        assert page.locator(part).is_visible(), f"{part} missing on {page.url}"
    assert page.get_by_role("search", name="Site search").is_visible()
    assert page.get_by_role("link", name="go to the home page").is_visible()


def test_error_pages_are_friendly_and_in_the_site_layout(browser: Any, live_url: str) -> None:
    visitor = browser.new_page()
    for path, status, title in [
        ("/Grading..Policy", 400, "Invalid page address"),
        ("/framework/grading-polcy", 404, "Page not found"),
    ]:
        answer = visitor.goto(live_url + path)
        assert answer is not None and answer.status == status
        assert heading(visitor) == title
        _in_site_layout(visitor)
    # a near miss suggests the page that was meant
    assert visitor.get_by_role("link", name="Grading Policy").count() >= 1
    visitor.close()

    context = browser.new_context()
    reader = log_in(context, live_url, "rita")
    answer = reader.goto(f"{live_url}/framework/grading-policy/-/edit")
    assert answer is not None and answer.status == 403
    assert heading(reader) == "Not allowed"
    assert "editor" in reader.locator("main").inner_text()
    _in_site_layout(reader)
    context.close()


def test_deleted_and_too_large_pages(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = log_in(context, live_url, "ada")
    # 410: a deleted page says so and links to its history
    page.goto(f"{live_url}/resources/exhibition-night-video/-/delete")
    follow(page, page.get_by_role("button", name="Delete page"))
    answer = page.goto(f"{live_url}/resources/exhibition-night-video")
    assert answer is not None and answer.status == 410
    assert heading(page) == "This page was deleted"
    assert page.get_by_role("link", name="See its history").is_visible()
    assert page.locator("header.site-header").is_visible()
    # 413: a page over the size limit is refused with the text kept in the editor
    page.goto(f"{live_url}/glossary/rubric/-/edit")
    huge = "A very long paragraph. " * 48_000  # about 1.1 MB
    page.get_by_role("textbox", name="Page source (markdown)").fill(huge)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save").click()
    assert navigation.value.status == 413
    assert "Limit" in page.locator(".editor .hint").inner_text()
    assert page.get_by_role("alert").is_visible()
    assert len(page_source(page)) > 1_000_000
    # far over the limit (past any encoding of a page within it: six times), the request
    # itself is refused, still inside the site layout
    page.goto(f"{live_url}/glossary/rubric/-/edit")
    page.get_by_role("textbox", name="Page source (markdown)").fill(huge * 6)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save").click()
    assert navigation.value.status == 413
    _in_site_layout(page)
    context.close()


def test_an_unexpected_error_gets_a_friendly_500_page(browser: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"instance": Path(folder) / "instance"})

        def broken() -> str:
            raise RuntimeError("a bug")

        app.add_url_rule("/-/broken", view_func=broken)
        app.logger.disabled = True  # the traceback is expected; keep the test output clean
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            page = browser.new_page()
            answer = page.goto(f"http://127.0.0.1:{server.server_port}/-/broken")
            assert answer is not None and answer.status == 500
            assert heading(page) == "Something went wrong"
            assert page.title() == f"Something went wrong · {SITE}"
            assert "not something you did" in page.locator("main").inner_text()
            _in_site_layout(page)
            page.close()
        finally:
            server.shutdown()
            thread.join()
            server.server_close()


def _colours(page: Any) -> tuple[str, str]:
    style = "getComputedStyle(document.body)"
    background: str = page.evaluate(f"{style}.backgroundColor")
    text: str = page.evaluate(f"{style}.color")
    return background, text


def _brightness(css: str) -> float:
    red, green, blue = (int(part) for part in css[css.index("(") + 1 : -1].split(",")[:3])
    return (red * 299 + green * 587 + blue * 114) / 1000


def test_dark_mode_follows_the_system_setting(browser: Any, live_url: str) -> None:
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{live_url}/framework/grading-policy")
        background, text = _colours(page)
        if scheme == "dark":
            assert _brightness(background) < 60 and _brightness(text) > 180
        else:
            assert _brightness(background) > 240 and _brightness(text) < 60
        context.close()


def test_only_the_wikis_own_files_load_and_nothing_shifts(browser: Any, live_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_url}/framework/grading-policy", wait_until="networkidle")
    outside = [url for url in requested if not url.startswith((live_url, "data:"))]
    assert not outside, f"external requests: {outside}"
    assert page.evaluate("document.fonts.size") == 0, "system fonts only: no web font to wait for"
    shift = page.evaluate(
        """() => new Promise(resolve => {
            let total = 0;
            new PerformanceObserver(list => {
                for (const entry of list.getEntries()) total += entry.value;
            }).observe({type: "layout-shift", buffered: true});
            setTimeout(() => resolve(total), 300);
        })"""
    )
    assert shift < 0.01, f"cumulative layout shift {shift}"
    page.close()
