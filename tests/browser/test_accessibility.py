"""Accessibility in a real browser: axe-core on every page type, in light and dark mode,
and the wiki used with the keyboard alone.

axe-core comes from npm (package.json at the repository root) and is injected into
each page by the test; the wiki's Content-Security-Policy allows only its own
scripts, so the contexts that run axe use Playwright's `bypass_csp`. No axe rule is
switched off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.support import axe_violations, describe, follow, log_in, save_an_edit

DELETED = "/resources/exhibition-night-video"
# page type -> (path, who looks at it: None for a visitor who is not logged in)
PAGE_TYPES: dict[str, tuple[str, str | None]] = {
    "home": ("/", None),
    "page": ("/framework/grading-policy", None),
    "glossary term": ("/glossary/rubric", None),
    "glossary": ("/-/glossary", None),
    "search results": ("/-/search?q=scoring+guide", None),
    "search, filtered": ("/-/search?q=rubric&type=resource", None),
    "resources": ("/-/resources", None),
    "login": ("/-/login", None),
    "404": ("/framework/no-such-page", None),
    "410": (DELETED, None),
    "403": ("/glossary/rubric/-/edit", "rita"),
    "page, logged in": ("/glossary/rubric", "ada"),
    "discussion": ("/glossary/rubric/-/comments", "ada"),
    "history": ("/glossary/rubric/-/history", "ada"),
    "diff": ("DIFF", "ada"),
    "editor": ("/glossary/rubric/-/edit", "ada"),
    "recent changes": ("/-/changes", None),
    "files, with the upload form": ("/glossary/rubric/-/files", "ada"),
    "watchlist": ("/-/watchlist", "ada"),
}
SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def diff_path(browser: Any, live_url: str) -> str:
    """One edit (for history and diff), one comment and one deleted page, made as ada."""
    context = browser.new_context()
    page = log_in(context, live_url, "ada")
    diff = save_an_edit(page, live_url, "/glossary/rubric", "A new last line.", "Add a line")
    page.goto(f"{live_url}/glossary/rubric")
    page.locator("#comments").get_by_label("Add a comment").fill("Is a checklist a rubric?")
    follow(page, page.locator("#comments").get_by_role("button", name="Post comment"))
    page.goto(f"{live_url}{DELETED}/-/delete")
    follow(page, page.get_by_role("button", name="Delete page"))
    context.close()
    return diff.removeprefix(live_url)


@pytest.fixture(scope="module")
def looker(browser: Any, live_url: str) -> Iterator[dict[tuple[str, str | None], Any]]:
    """A page per colour scheme and per account, in contexts that let axe-core in."""
    contexts: list[Any] = []
    pages: dict[tuple[str, str | None], Any] = {}
    sessions: dict[str | None, Any] = {}
    for scheme in SCHEMES:
        for who in (None, "ada", "rita"):
            context = browser.new_context(
                bypass_csp=True,
                color_scheme=scheme,
                viewport={"width": 1280, "height": 900},
                storage_state=sessions.get(who),  # log in through the form once per account
            )
            contexts.append(context)
            if who and who not in sessions:
                pages[(scheme, who)] = log_in(context, live_url, who)
                sessions[who] = context.storage_state()
            else:
                pages[(scheme, who)] = context.new_page()
    yield pages
    for context in contexts:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_axe_finds_no_serious_problem(
    looker: dict[tuple[str, str | None], Any],
    diff_path: str,
    live_url: str,
    page_type: str,
    scheme: str,
) -> None:
    path, who = PAGE_TYPES[page_type]
    page = looker[(scheme, who)]
    page.goto(live_url + (diff_path if path == "DIFF" else path))
    assert page.locator("main#content").count() == 1
    if page_type == "editor":  # the preview's content is checked too (beside the text
        tab = page.get_by_role("tab", name="Preview")  # on a wide screen, else a tab away)
        if tab.count():
            tab.click()
        page.locator("#preview-pane h2, #preview-pane p").first.wait_for()
    # every rule in light mode; in dark mode only colour contrast depends on the scheme
    violations = axe_violations(page, rules=["color-contrast"] if scheme == "dark" else None)
    assert not violations, f"{page_type} ({scheme}):\n{describe(violations)}"


def test_every_page_type_has_landmarks_a_skip_link_and_a_title(
    looker: dict[tuple[str, str | None], Any], diff_path: str, live_url: str
) -> None:
    for page_type, (path, who) in PAGE_TYPES.items():
        page = looker[("light", who)]
        page.goto(live_url + (diff_path if path == "DIFF" else path))
        for role in ("banner", "main", "contentinfo", "search"):
            assert page.get_by_role(role).count() >= 1, f"{page_type} has no {role}"
        assert page.get_by_role("link", name="Skip to content").get_attribute("href") == "#content"
        assert page.locator("main h1").count() == 1, f"{page_type} has one h1"
        assert page.title().endswith(" · Mastery Learning Wiki"), f"{page_type}: {page.title()}"


def _focus_report(page: Any) -> dict[str, Any]:
    report: dict[str, Any] = page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const box = el.getBoundingClientRect();
            return {
                tag: el.tagName, text: (el.innerText || el.value || el.getAttribute('aria-label')
                    || '').trim().slice(0, 40),
                outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
                    && parseFloat(style.opacity) > 0,
            };
        }"""
    )
    return report


@pytest.mark.parametrize(
    "path", ["/framework/grading-policy", "/-/glossary", "/-/search?q=rubric", "/-/resources"]
)
def test_tabbing_shows_a_visible_focus_on_every_stop(
    browser: Any, live_url: str, path: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_url + path)
    stops = []
    for _ in range(45):
        page.keyboard.press("Tab")
        focus = _focus_report(page)
        if focus["tag"] == "BODY":
            break
        stops.append(focus)
        assert focus["visible"], f"focus on an invisible element: {focus}"
        assert focus["outline"] != "none" and focus["width"] >= 2, f"no focus ring: {focus}"
    assert stops[0]["text"] == "Skip to content"
    assert len(stops) >= 10
    page.close()


def test_log_in_and_edit_with_the_keyboard_alone(browser: Any, live_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_url}/glossary/competency")
    # the header's "Log in" link, reached by tabbing
    for _ in range(15):
        page.keyboard.press("Tab")
        if _focus_report(page)["text"] == "Log in":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/-/login**")
    # autofocus lands a frame after "load": wait for it rather than type into <body>
    expect(page.locator("#login-username")).to_be_focused()
    page.keyboard.type("ben")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_url}/glossary/competency")
    # accesskey-free route to the editor: the page tools' Edit link
    page.locator(".page-actions").get_by_role("link", name="Edit").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/-/edit")
    expect(page.get_by_role("textbox", name="Page source (markdown)")).to_be_focused()
    page.keyboard.press("Control+End")  # add a line at the end of the source
    page.keyboard.type("\nEdited without a mouse.\n")
    page.keyboard.press("Control+s")
    page.wait_for_url(f"{live_url}/glossary/competency")
    assert page.get_by_role("status").filter(has_text="Saved.").is_visible()
    assert page.get_by_text("Edited without a mouse.").is_visible()
    page.close()


def test_phone_sidebar_opens_and_closes_with_the_keyboard(browser: Any, live_url: str) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{live_url}/framework/assessment-design")
    toggle = page.locator("details.sidebar-toggle")
    assert not toggle.evaluate("el => el.open")
    page.locator("details.sidebar-toggle > summary").focus()
    page.keyboard.press("Enter")
    assert toggle.evaluate("el => el.open")
    assert page.locator(".sidebar [aria-current=page]").is_visible()
    page.keyboard.press("Enter")
    assert not toggle.evaluate("el => el.open")
    page.close()
