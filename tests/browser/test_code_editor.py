"""The page editor in a real browser, at a phone's width and a desk's, by keyboard and by
mouse: a term through autocomplete, a pasted image, one section, a page from the term
template, and a draft that survives a reload."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.support import axe_violations, follow, log_in, page_source

PHONE = {"width": 375, "height": 800}
DESK = {"width": 1280, "height": 900}
# A 1x1 PNG: what a pasted screenshot is, as far as the wiki can tell.
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
    "DwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(params=[PHONE, DESK], ids=["375px", "1280px"])
def ada(request: pytest.FixtureRequest, browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport=request.param, bypass_csp=True)
    page = log_in(context, server.url, "ada")
    page.on("dialog", lambda dialog: dialog.accept())  # "leave with unsaved changes?"
    yield page
    context.close()


def code(page: Any) -> Any:
    return page.get_by_role("textbox", name="Page source (markdown)")


def test_a_term_by_keyboard_and_a_page_link_by_mouse(ada: Any, server: Server) -> None:
    ada.goto(server.url + "/framework/school-wide-systems/-/edit")
    # The page titles the completions offer arrive after the page: with them all here, the
    # list is not redrawn between the wait below and the Enter (which then typed a line).
    ada.wait_for_load_state("networkidle")
    editor = code(ada)
    editor.focus()  # the editor has the focus on arrival; made sure of here
    ada.keyboard.press("Control+End")
    ada.keyboard.type("\nSee {term}`Rubr")
    # Enter takes the selected option once the list shows all that was typed: the list
    # of "Rub" already offers Rubric, and CodeMirror ignores an Enter within 75 ms of a
    # redraw (its interactionDelay), so under load an Enter in between typed a new line.
    selected = ada.locator(".cm-tooltip-autocomplete li[aria-selected=true]", has_text="Rubric")
    selected.locator(".cm-completionMatchedText", has_text="Rubr").wait_for()
    ada.wait_for_timeout(150)
    ada.keyboard.press("Enter")
    assert "See {term}`Rubric`" in page_source(ada)
    # The toolbar's page-link button writes the role and offers pages by title.
    ada.get_by_role("button", name="Page link").click()
    ada.keyboard.type("grading pol")
    choice = ada.locator(".cm-tooltip-autocomplete li", has_text="Grading Policy").first
    choice.click()
    assert "{doc}`/framework/grading-policy`" in page_source(ada)
    assert axe_violations(ada) == []


def test_a_pasted_image_is_attached_and_linked(ada: Any, server: Server) -> None:
    ada.goto(server.url + "/glossary/rubric/-/edit")
    code(ada).focus()
    ada.keyboard.press("Control+End")
    ada.evaluate(
        """png => {
          const bytes = Uint8Array.from(atob(png), c => c.charCodeAt(0));
          const data = new DataTransfer();
          data.items.add(new File([bytes], "anchor-paper.png", { type: "image/png" }));
          document.querySelector(".cm-content").dispatchEvent(
            new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        PNG,
    )
    ada.get_by_role("status").filter(has_text="Attached anchor-paper.png").wait_for()
    assert "![anchor-paper.png](rubric.files/anchor-paper.png)" in page_source(ada)
    # A file the wiki refuses says so, and the text is left as it was.
    before = page_source(ada)
    ada.evaluate(
        """() => {
          const data = new DataTransfer();
          data.items.add(new File(["MZ"], "setup.exe", { type: "application/octet-stream" }));
          document.querySelector(".cm-content").dispatchEvent(
            new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }"""
    )
    ada.locator(".editor-status.is-error").filter(has_text="Not attached").wait_for()
    assert page_source(ada) == before


def test_one_section_from_its_pencil(ada: Any, server: Server) -> None:
    ada.goto(server.url + "/framework/grading-policy")
    heading = ada.locator("main h2").nth(1)
    title = heading.inner_text().replace("✎", "").strip()
    follow(ada, heading.locator("a.section-edit"))
    assert "/framework/grading-policy/-/edit?section=" in ada.url
    text = page_source(ada)
    assert text.startswith("## ") and "title:" not in text, "only the section is in the editor"
    code(ada).focus()
    ada.keyboard.press("Control+End")
    added = f"A sentence added to {title} alone."
    ada.keyboard.type(f"\n{added}\n")
    follow(ada, ada.get_by_role("button", name="Save"))
    assert ada.url == server.url + "/framework/grading-policy"
    assert added in ada.locator("main").inner_text()
    assert "Grading Policy" in ada.locator("main h1").inner_text(), "the rest of the page is there"


def test_a_page_from_the_term_template(
    ada: Any, server: Server, save_screenshot: Callable[[Any, str], Path]
) -> None:
    width = ada.viewport_size["width"]
    ada.goto(server.url + "/-/new")
    ada.get_by_label("Page address").fill(f"glossary/exit-ticket-{width}")
    ada.get_by_label("Title (optional)").fill("Exit Ticket")
    ada.get_by_label("The term template").check()
    follow(ada, ada.get_by_role("button", name="Continue"))
    text = page_source(ada)
    assert "type: term" in text and "# Exit Ticket" in text and "template:" not in text
    ada.locator(".cm-content").wait_for()
    save_screenshot(ada, f"editor-template-{width}")
    assert axe_violations(ada) == []
    follow(ada, ada.get_by_role("button", name="Save"))
    assert ada.url.endswith(f"/glossary/exit-ticket-{width}")
    assert ada.get_by_text("Glossary term", exact=True).first.is_visible()


def test_a_draft_survives_a_reload(ada: Any, server: Server) -> None:
    url = server.url + "/glossary/competency/-/edit"
    ada.goto(url)
    code(ada).focus()
    ada.keyboard.press("Control+End")
    ada.keyboard.type("\nHalf a thought, typed before the tab closed.\n")
    ada.wait_for_timeout(1200)  # the draft is kept a moment after typing stops
    ada.goto(url)
    banner = ada.get_by_role("status").filter(has_text="unsaved draft")
    banner.wait_for()
    assert "Half a thought" not in page_source(ada), "the saved page until asked"
    banner.get_by_role("button", name="Restore the draft").click()
    assert "Half a thought, typed before the tab closed." in page_source(ada)
    banner.wait_for(state="hidden")


def test_the_preview_typesets_a_formula_as_it_is_typed(ada: Any, server: Server) -> None:
    ada.goto(server.url + "/glossary/rubric/-/edit")
    code(ada).focus()
    ada.keyboard.press("Control+End")
    ada.keyboard.type("\nA score is $s = \\frac{p}{n}$ here.\n")
    if ada.viewport_size["width"] < 1100:  # a phone: the preview is a tab away
        ada.get_by_role("tab", name="Preview").click()
    ada.locator("#preview-pane .math-inline .katex").wait_for()
