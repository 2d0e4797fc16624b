"""Editors at work in a real browser: edit with preview, history and diff, two people
editing one page at once, moving a page, and a reader who may not edit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.support import heading, log_in, page_source

WIDE = {"width": 1280, "height": 900}


@pytest.fixture
def ada(browser: Any, live_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport=WIDE)
    yield log_in(context, live_url, "ada")
    context.close()


@pytest.fixture
def ben(browser: Any, live_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport=WIDE)
    yield log_in(context, live_url, "ben")
    context.close()


def _source(page: Any) -> Any:
    return page.get_by_role("textbox", name="Page source (markdown)")


def _save(page: Any) -> Any:
    """Press Save and wait for the page that answers; returns its response."""
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Save").click()
    return navigation.value


def test_edit_with_preview_save_then_read_history_and_diff(ada: Any, live_url: str) -> None:
    page = ada
    page.goto(f"{live_url}/glossary/rubric")
    page.locator(".page-actions").get_by_role("link", name="Edit").click()
    page.wait_for_url(f"{live_url}/glossary/rubric/-/edit")
    source = _source(page)
    assert source.evaluate("el => el === document.activeElement"), "the editor has the focus"
    added = "Coaches at Riverbend add a student-friendly column to every rubric."
    source.fill(page_source(page) + f"\n{added}\n")
    # on a wide screen the preview sits beside the text and follows it, without saving
    assert page.get_by_role("tab", name="Preview").count() == 0, "no tabs side by side"
    preview = page.locator("#preview-pane")
    preview.get_by_text(added).wait_for()
    assert preview.locator("a.xref.term").count() > 0, "the preview renders MyST roles"
    assert source.is_visible() and preview.is_visible()
    page.get_by_label("Summary of your change").fill("Add the student-friendly column")
    response = _save(page)
    assert response.url == f"{live_url}/glossary/rubric"
    notice = page.get_by_role("status").filter(has_text="Saved.")
    assert notice.is_visible(), "a visible notice says the edit was saved"
    assert page.locator("main .body").get_by_text(added).is_visible()
    assert "ada" in page.locator(".last-edited").inner_text()
    # history lists the change; its diff shows the added line
    page.locator(".page-actions").get_by_role("link", name="History").click()
    page.wait_for_url("**/glossary/rubric/-/history")
    newest = page.locator("table.history tbody tr").first
    assert "Add the student-friendly column" in newest.inner_text()
    assert "ada" in newest.inner_text()
    newest.get_by_role("link", name="diff").click()
    page.wait_for_url("**/glossary/rubric/-/diff?**")
    assert page.locator("table.diff tr.add").filter(has_text=added).count() == 1
    assert page.locator(".diff-meta .removed").inner_text() == "\u22120", "nothing removed"


def test_two_editors_changing_different_parts_are_merged(ada: Any, ben: Any, live_url: str) -> None:
    edit_url = f"{live_url}/framework/grading-policy/-/edit"
    ada.goto(edit_url)
    ben.goto(edit_url)  # both start from the same revision
    first = "A grade is a message."
    source = _source(ada)
    assert first in page_source(ada)
    source.fill(page_source(ada).replace(first, "A grade is a short message.", 1))
    _save(ada)
    assert ada.get_by_role("status").filter(has_text="Saved.").is_visible()
    # ben's form still carries the old base; his change is near the end of the page
    theirs = _source(ben)
    theirs.fill(page_source(ben).rstrip() + "\n\nBen's closing note on grading.\n")
    response = _save(ben)
    assert response.status == 200
    notice = ben.get_by_role("status").filter(has_text="both changes are kept")
    assert notice.is_visible()
    body = ben.locator("main .body")
    assert body.get_by_text("A grade is a short message.").count() == 1
    assert body.get_by_text("Ben's closing note on grading.").is_visible()


def test_two_editors_changing_the_same_line_get_a_conflict_and_lose_nothing(
    ada: Any, ben: Any, live_url: str
) -> None:
    edit_url = f"{live_url}/glossary/seat-time/-/edit"
    ada.goto(edit_url)
    ben.goto(edit_url)
    original = page_source(ada)
    line = next(text for text in original.splitlines() if text.startswith("summary:"))
    mine, yours = "summary: Ada's definition.", "summary: Ben's definition."
    _source(ada).fill(original.replace(line, mine))
    _save(ada)
    _source(ben).fill(original.replace(line, yours))
    response = _save(ben)
    assert response.status == 409
    assert ben.locator(".warning-box.conflict").is_visible()
    assert "nothing was saved yet" in ben.locator(".warning-box.conflict").inner_text()
    kept = ben.get_by_role("textbox", name="Your version (kept)")
    assert yours in page_source(ben), "ben's text is still in the form"
    theirs = ben.get_by_role("textbox", name="The version saved meanwhile")
    assert mine in theirs.input_value(), "and ada's saved text is shown beside it"
    # ben resolves by hand and saves: both definitions survive
    kept.fill(original.replace(line, "summary: Ada's definition. Ben's definition."))
    response = _save(ben)
    assert response.status == 200
    assert ben.get_by_role("status").filter(has_text="Saved.").is_visible()
    ben.goto(f"{live_url}/glossary/seat-time/-/raw")
    assert "Ada's definition. Ben's definition." in ben.content()


def test_move_a_page_and_follow_its_old_link(ada: Any, browser: Any, live_url: str) -> None:
    page = ada
    page.goto(f"{live_url}/resources/calibration-protocol/-/edit")
    page.get_by_role("link", name="Move or rename").click()
    page.wait_for_url("**/resources/calibration-protocol/-/rename")
    page.get_by_label("New address").fill("resources/calibration-meeting-protocol")
    page.get_by_role("button", name="Move page").click()
    page.wait_for_url(f"{live_url}/resources/calibration-meeting-protocol")
    title = heading(page)
    # a visitor following an old link (a bookmark, an onboarding document) lands on the page
    visitor = browser.new_page()
    answer = visitor.goto(f"{live_url}/resources/calibration-protocol#steps")
    assert answer is not None and answer.ok
    assert visitor.url.startswith(f"{live_url}/resources/calibration-meeting-protocol")
    assert heading(visitor) == title
    # and the links in other pages now point at the new address
    visitor.goto(f"{live_url}/glossary/calibration")
    links = visitor.locator("main a[href*='calibration-meeting-protocol']")
    assert links.count() >= 1
    assert visitor.locator("main a[href='/resources/calibration-protocol']").count() == 0
    visitor.close()


def test_a_reader_is_refused_editing(browser: Any, live_url: str) -> None:
    context = browser.new_context(viewport=WIDE)
    page = log_in(context, live_url, "rita")
    page.goto(f"{live_url}/glossary/rubric")
    tools = page.locator(".page-actions")
    assert tools.get_by_role("link", name="Edit", exact=True).count() == 0
    assert tools.get_by_role("link", name="Suggest an edit").is_visible()  # instead
    answer = page.goto(f"{live_url}/glossary/rubric/-/edit")
    assert answer is not None and answer.status == 403
    assert heading(page) == "Not allowed"
    assert page.locator("header.site-header").is_visible(), "the refusal is in the site layout"
    assert page.get_by_role("textbox", name="Page source (markdown)").count() == 0
    # a visitor who is not logged in is asked to log in first
    visitor = browser.new_page()
    visitor.goto(f"{live_url}/glossary/rubric/-/edit")
    assert visitor.url.startswith(f"{live_url}/-/login")
    assert heading(visitor) == "Log in"
    visitor.close()
    context.close()
