"""Onboarding in a real browser: a new teacher follows the starter's path step by step,
confirms that they read the grading policy, and the admin's report shows it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser.conftest import Server
from tests.browser.support import PASSWORD, axe_violations, describe, follow, heading, log_in

PATH_TITLE = "New staff: your first two weeks"


def add_account(server: Server, name: str, role: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "masterywiki", "user", "add", name, "--role", role,
         "--password-stdin", "--instance", str(server.instance)],
        input=(PASSWORD + "\n").encode(), check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_a_new_teacher_follows_the_path_and_confirms_the_grading_policy(
    browser: Any, server: Server, save_screenshot: Callable[[Any, str], Path], tmp_path: Path
) -> None:
    add_account(server, "nina", "reader")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    teacher = log_in(context, server.url, "nina")
    follow(teacher, teacher.get_by_role("link", name="Paths"))
    follow(teacher, teacher.get_by_role("link", name=PATH_TITLE))
    progress = teacher.locator("#path-progress")
    assert "0 of 9" in progress.locator(".path-summary").inner_text()
    assert axe_violations(teacher) == [], describe(axe_violations(teacher))

    start = progress.get_by_role("link", name="Next step: A Framework for Mastery Implementation")
    follow(teacher, start)
    assert heading(teacher) == "A Framework for Mastery Implementation"
    bar = teacher.locator("nav.path-step-bar")
    assert "Step 1 of 9" in bar.inner_text()
    follow(teacher, bar.get_by_role("link", name="Next step: Competency-Based Education"))
    follow(teacher, teacher.get_by_role("link", name="Next step: Grading Policy"))
    assert heading(teacher) == "Grading Policy"

    box = teacher.locator("#acknowledge")
    assert "Please read this page carefully" in box.inner_text()
    follow(teacher, box.get_by_role("button", name="I have read this version"))
    assert teacher.url.endswith("/framework/grading-policy#acknowledge")
    assert (
        "You confirmed that you read this version" in teacher.locator("#acknowledge").inner_text()
    )

    follow(teacher, teacher.locator("nav.path-step-bar").get_by_role("link", name=PATH_TITLE))
    progress = teacher.locator("#path-progress")
    assert "3 of 9" in progress.locator(".path-summary").inner_text()
    read = progress.locator("li.path-step-done")
    assert read.count() == 3 and "Grading Policy" in read.nth(2).inner_text()
    assert "Reassessment" in progress.locator(".path-next").inner_text()
    save_screenshot(teacher, "onboarding-path")
    context.close()

    add_account(server, "hana", "admin")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True,
                                  accept_downloads=True)  # fmt: skip
    admin = log_in(context, server.url, "hana")
    admin.goto(server.url + "/-/acknowledgements")
    summary = admin.locator("table.ack-summary tbody tr", has_text="Grading Policy")
    assert summary.locator("td").nth(1).inner_text() == "1"  # confirmed this version
    admin.get_by_label("Status").select_option("current")
    follow(admin, admin.get_by_role("button", name="Filter"))
    rows = admin.locator("table.ack-table tbody tr")
    assert rows.count() == 1
    assert "nina" in rows.first.inner_text()
    assert "Confirmed this version" in rows.first.inner_text()
    assert axe_violations(admin) == [], describe(axe_violations(admin))
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "acknowledgements.csv"
    download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0].startswith("page,title,username") and len(lines) == 2
    assert lines[1].startswith("framework/grading-policy,Grading Policy,nina,nina,reader,current,")
    context.close()


def test_paths_the_confirmation_box_and_the_report_pass_axe_light_and_dark(
    browser: Any, server: Server
) -> None:
    add_account(server, "ivy", "admin")
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme, bypass_csp=True)
        page = log_in(context, server.url, "ivy")
        for path in ("/onboarding", "/framework/grading-policy", "/framework", "/-/paths",
                     "/-/acknowledgements"):  # fmt: skip
            page.goto(server.url + path)
            found = axe_violations(page)
            assert found == [], f"{path} ({scheme}):\n{describe(found)}"
        context.close()
