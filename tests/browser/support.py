"""What the browser tests share: the accounts, logging in, axe-core, reading headings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS_DOCS = ROOT / "docs" / "screenshots"  # the copies the README shows
PASSWORD = "correct horse battery staple"
# name -> role; every module's wiki has these accounts
USERS = {"ada": "editor", "ben": "editor", "cole": "commenter", "rita": "reader"}


def follow(page: Any, target: Any) -> Any:
    """Click a link or submit button and wait for the page it leads to; returns the response."""
    with page.expect_navigation() as navigation:
        target.click()
    return navigation.value


def log_in(context: Any, url: str, username: str) -> Any:
    """Log in through the login form, as a person does; returns the page, now logged in."""
    page = context.new_page()
    page.goto(f"{url}/-/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Log in"))
    assert page.locator(".account-link").inner_text() == username
    return page


def heading(page: Any) -> str:
    """The page's h1 as a reader sees it, without its permalink and copy-link buttons."""
    text: str = page.locator("main h1").evaluate(
        """h => { const c = h.cloneNode(true);
                  c.querySelectorAll('.headerlink, .copy-link').forEach(e => e.remove());
                  return c.textContent.trim(); }"""
    )
    return text


def axe_violations(
    page: Any, serious_only: bool = True, rules: list[str] | None = None
) -> list[dict[str, Any]]:
    """Run axe-core (all rules, or only `rules`) on the page as it is now; the page's
    context needs `bypass_csp=True`, since the wiki's CSP allows only its own scripts."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm install` at the repository root")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async (rules) => {
            const options = {resultTypes: ["violations"]};
            if (rules) options.runOnly = {type: "rule", values: rules};
            const result = await axe.run(document, options);
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }""",
        rules,
    )
    if serious_only:
        found = [v for v in found if v["impact"] in ("serious", "critical")]
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']})\n    " + "\n    ".join(v["nodes"][:5])
        for v in violations
    )


def page_source(page: Any) -> str:
    """The text in the page editor: its form field, which the code editor keeps in step
    with what is typed (and which is the editor itself without JavaScript)."""
    text: str = page.locator("form.editor textarea[name=content]").input_value()
    return text


def save_an_edit(page: Any, url: str, path: str, add: str, summary: str) -> str:
    """Add a paragraph to the page at `path` through the editor; returns its diff's URL."""
    page.goto(f"{url}{path}/-/edit")
    source = page.get_by_role("textbox", name="Page source (markdown)")
    source.fill(page_source(page).rstrip() + f"\n\n{add}\n")
    page.get_by_label("Summary of your change").fill(summary)
    follow(page, page.get_by_role("button", name="Save"))
    assert page.url == f"{url}{path}"
    page.goto(f"{url}{path}/-/history")
    newest = page.locator("table.history tbody tr").first
    href: str = newest.get_by_role("link", name="diff").get_attribute("href")
    return url + href
