"""Suggested edits, in a real browser: a commenter, who may not edit the framework,
suggests a change to the grading policy; an editor finds it from the page, reviews
the diff and merges it; the page shows the text and its history names the commenter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser.conftest import Server
from tests.browser.support import axe_violations, follow, log_in, page_source
from tests.conftest import git

PAGE = "/framework/grading-policy"
ADDED = "Families can ask for a reassessment conference at any time in the term."
SUMMARY = "Say when families can ask for a conference"


def test_a_commenter_suggests_and_an_editor_merges(
    browser: Any, server: Server, save_screenshot: Callable[[Any, str], Path]
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    cole = log_in(context, server.url, "cole")
    cole.goto(server.url + PAGE)
    tools = cole.get_by_role("navigation", name="Page tools")
    assert tools.get_by_role("link", name="Edit", exact=True).count() == 0
    follow(cole, tools.get_by_role("link", name="Suggest an edit"))
    assert cole.url.endswith(PAGE + "/-/propose")
    source = cole.get_by_role("textbox", name="Page source (markdown)")
    source.fill(page_source(cole) + "\n" + ADDED + "\n")
    cole.get_by_label("Summary of your change").fill(SUMMARY)
    save_screenshot(cole, "suggest-an-edit")
    assert axe_violations(cole) == []
    follow(cole, cole.get_by_role("button", name="Send suggestion"))
    assert cole.url.endswith("/-/proposals/1")
    cole.get_by_text("your suggestion is waiting for an editor's review").wait_for()
    assert cole.get_by_role("button", name="Withdraw").count() == 1
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    ada = log_in(context, server.url, "ada")
    ada.goto(server.url + PAGE)
    assert ADDED not in ada.locator("main").inner_text(), "not published before review"
    follow(ada, ada.get_by_role("link", name="1 open suggestion"))
    follow(ada, ada.get_by_role("link", name=SUMMARY))
    added = ada.locator("table.diff tr.add")
    assert any(ADDED in row for row in added.all_inner_texts())
    save_screenshot(ada, "suggestion-review")
    assert axe_violations(ada) == []
    follow(ada, ada.get_by_role("button", name="Merge into the page"))
    assert ada.url.endswith(PAGE)
    assert ADDED in ada.locator("main").inner_text()
    ada.goto(server.url + PAGE + "/-/history")
    newest = ada.locator("table tbody tr, ol li").first.inner_text()
    assert "Cole" in newest or "cole" in newest, newest
    stamp = git(server.repo, "log", "-1", "--format=%an|%cn|%s", "main")
    assert stamp.split("|")[0].lower() == "cole" and stamp.split("|")[1].lower() == "ada"
    assert stamp.endswith(SUMMARY)
    context.close()
