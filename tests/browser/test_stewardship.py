"""Keeping pages true, in a real browser: a reader reports a page as out of date, its
owner finds the report on the review dashboard and marks the page reviewed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.browser.conftest import Server
from tests.browser.support import PASSWORD, axe_violations, follow, log_in
from tests.conftest import git

PAGE = "/framework/grading-policy"  # the starter names curriculum-lead among its owners
NOTE = "The reassessment window changed to three weeks this year."


def add_owner_account(server: Server) -> None:
    subprocess.run(
        [sys.executable, "-m", "masterywiki", "user", "add", "curriculum-lead", "--role",
         "reader", "--password-stdin", "--instance", str(server.instance)],
        input=(PASSWORD + "\n").encode(), check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_a_report_reaches_the_owner_who_marks_the_page_reviewed(
    browser: Any, server: Server, save_screenshot: Callable[[Any, str], Path]
) -> None:
    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reader.goto(server.url + PAGE)
    reader.get_by_text("Report a problem with this page").click()
    reader.get_by_label("Out of date").check()
    reader.get_by_label("Details").fill(NOTE)
    reader.get_by_role("button", name="Send report").click()
    reader.get_by_text("your report was sent to the people who look after this page").wait_for()
    reader.context.close()

    add_owner_account(server)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    owner = log_in(context, server.url, "curriculum-lead")
    owner.goto(server.url + "/-/review")
    reported = owner.locator(".most-reported li")
    assert reported.count() == 1 and "1 open report" in reported.first.inner_text()
    assert "Grading Policy" in reported.first.inner_text()
    owner.get_by_role("combobox", name="Owner").select_option("curriculum-lead")
    follow(owner, owner.get_by_role("button", name="Filter"))
    assert "owner=curriculum-lead" in owner.url
    row = owner.locator("tr", has=owner.get_by_role("link", name="Grading Policy"))
    assert row.locator("td[data-label=Reports]").inner_text() == "1"
    save_screenshot(owner, "review-dashboard")
    assert axe_violations(owner) == []
    follow(owner, row.get_by_role("button", name="Mark reviewed"))
    assert "owner=curriculum-lead" in owner.url, "back on the dashboard, filters kept"
    today = datetime.now(UTC).date()
    row = owner.locator("tr", has=owner.get_by_role("link", name="Grading Policy"))
    assert row.locator("td[data-label='Last reviewed']").inner_text() == today.strftime("%-d %b %Y")

    owner.goto(server.url + PAGE)
    report = owner.locator(".feedback-item")
    assert report.count() == 1 and NOTE in report.first.inner_text()
    report.first.get_by_role("button", name="Mark this report resolved").click()  # in place
    report.first.wait_for(state="detached")
    owner.reload()
    assert owner.locator(".feedback-item").count() == 0, "resolved for good"
    message = git(server.repo, "log", "-1", "--format=%s%n%ae", "--", PAGE.lstrip("/") + ".md")
    assert message.splitlines() == [
        "Reviewed Grading Policy",
        "curriculum-lead@users.masterywiki.invalid",
    ]
    owner.context.close()
