"""Adopted versions in a real browser: an admin releases the framework, a change is
released again from the command line, and the admin finds what changed between the two
releases, reads the page's diff and downloads the release's PDF handbook."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.browser.conftest import Server
from tests.browser.support import PASSWORD, axe_violations, follow, log_in
from tests.conftest import commit_files

PAGE = "framework/grading-policy"


def masterywiki(server: Server, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "masterywiki", *args, "--instance", str(server.instance)],
        input=stdin.encode() if stdin else None, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return result.stdout.decode()


def test_an_admin_releases_and_compares_two_adopted_versions(
    browser: Any, server: Server, save_screenshot: Callable[[Any, str], Path]
) -> None:
    masterywiki(server, "user", "add", "amy", "--role", "admin", "--password-stdin",
                stdin=PASSWORD + "\n")  # fmt: skip
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    admin = log_in(context, server.url, "amy")
    admin.goto(server.url + "/-/changes")
    follow(admin, admin.get_by_role("link", name="Releases"))
    admin.get_by_label("Name").fill("a..b")
    admin.get_by_label("Message").fill("Adopted by the leadership team")
    follow(admin, admin.get_by_role("button", name="Release"))
    assert "not a valid git tag name" in admin.get_by_role("alert").inner_text()
    assert admin.get_by_label("Message").input_value() == "Adopted by the leadership team"
    admin.get_by_label("Name").fill("2025-26-adopted")
    follow(admin, admin.get_by_role("button", name="Release"))
    assert "as '2025-26-adopted'" in admin.locator(".flash").inner_text()
    row = admin.locator("tr#release-2025-26-adopted")
    assert "Adopted by the leadership team" in row.inner_text()
    assert axe_violations(admin) == []

    source = (server.repo / f"{PAGE}.md").read_text()
    commit_files(server.repo, {f"{PAGE}.md": source + "\nReassessment closes after three weeks.\n"})
    said = masterywiki(server, "release", "2026-27-adopted", "--message", "Second year")
    assert "as '2026-27-adopted'" in said

    admin.goto(server.url + "/-/releases")
    follow(admin, admin.get_by_role("link", name="Since 2025-26-adopted"))
    assert admin.locator("main h1").inner_text() == "From 2025-26-adopted to 2026-27-adopted"
    changed = admin.locator("section.release-changed")
    assert "Grading Policy" in changed.inner_text()
    save_screenshot(admin, "release-changes")
    assert axe_violations(admin) == []
    follow(admin, changed.get_by_role("link", name="what changed"))
    assert "Reassessment closes after three weeks." in admin.locator("table.diff").inner_text()
    assert "release 2025-26-adopted" in admin.locator(".diff-meta").inner_text()

    admin.goto(server.url + "/-/releases")
    link = admin.locator("tr#release-2025-26-adopted a[type='application/pdf']")
    # A first handbook of the whole wiki: WeasyPrint takes its time on a busy machine.
    answer = admin.request.get(server.url + link.get_attribute("href"), timeout=120_000)
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-")
    context.close()
