"""@mentions in a real browser: the comment box offers usernames after "@", chosen with
the keyboard or the mouse, and the posted comment marks the name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.support import axe_violations, describe, follow, log_in

PAGE = "/glossary/calibration"


@pytest.mark.parametrize(("width", "keyboard"), [(375, True), (1280, False)])
def test_a_username_is_offered_and_marked(
    browser: Any, live_url: str, width: int, keyboard: bool
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    cole = log_in(context, live_url, "cole")
    cole.goto(f"{live_url}{PAGE}#comments")
    box = cole.locator("#comments").get_by_label("Add a comment")
    box.click()
    box.press_sequentially("Thanks @ad")
    option = cole.get_by_role("option", name="@ada")
    option.wait_for()
    assert "1 person matches" in cole.locator("#comments > [role=status]").text_content()
    violations = axe_violations(cole)
    assert violations == [], describe(violations)
    if keyboard:
        box.press("Enter")
    else:
        option.click()
    assert box.input_value() == "Thanks @ada "
    assert cole.locator(".mention-suggestions").is_hidden()
    box.press_sequentially(f"for this ({width}).")
    follow(cole, cole.locator("#comments").get_by_role("button", name="Post comment"))
    posted = cole.locator("#comments .comment").filter(has_text=f"({width})")
    assert posted.locator("span.mention").inner_text() == "@ada"
    context.close()


def test_visitors_who_are_not_logged_in_get_no_list(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_url}{PAGE}")
    assert page.locator("#comments").get_attribute("data-mentions") is None
    context.close()
