"""Math and mermaid diagrams in a real browser: typeset from the wiki's own copies of
KaTeX and mermaid, the source shown as text with scripts off, and axe clean."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from masterywiki.git.storage import init_repository
from masterywiki.repository.starter import dated
from masterywiki.resources import starter_files
from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.support import axe_violations, describe

PAGE = "/framework/growth"
SOURCE = """\
# Growth

The mean of the scores is $\\bar{x} = \\frac{1}{n}\\sum_i x_i$, so a price of $5 stays text.

$$
\\sigma^2 = \\frac{1}{n}\\sum_{i=1}^{n} (x_i - \\bar{x})^2
$$

```{mermaid}
flowchart LR
  Practice --> Evidence --> Mastery
```
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, template_instance: Path) -> Iterator[Server]:
    template = tmp_path_factory.mktemp("diagrams-template") / "instance"
    shutil.copytree(template_instance, template)
    files = {**starter_files(), "framework/growth.md": SOURCE.encode()}
    init_repository(str(template / "wiki"), dated(files, date.today()), "Start")
    running = start_server(tmp_path_factory.mktemp("wiki"), template)
    yield running
    stop_server(running)


def _open(context: Any, url: str) -> tuple[Any, list[str]]:
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(url + PAGE)
    return page, problems


@pytest.mark.parametrize("width", [375, 1280])
def test_math_and_a_diagram_render(
    browser: Any, live_url: str, width: int, save_screenshot: Callable[[Any, str], Path]
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page, problems = _open(context, live_url)
    page.wait_for_selector("pre.mermaid svg")
    page.wait_for_selector(".math-display .katex-display")
    inline = page.locator(".math-inline").first
    assert inline.locator(".katex-html").count() == 1
    # MathML for screen readers, holding the TeX it came from
    assert "\\bar{x}" in inline.locator("annotation").text_content()
    # (a locator, not wait_for_function: under the wiki's CSP, polling a string is eval)
    page.locator("pre.mermaid svg", has_text="Mastery").wait_for()
    assert "flowchart LR" in page.locator(".diagram-source pre").text_content()
    assert "$5" in page.locator(".body p").first.inner_text()
    # KaTeX's fonts came from the wiki
    fonts = page.evaluate(  # once the fonts the page uses have loaded (slow machines)
        "document.fonts.ready.then(() => performance.getEntriesByType('resource')"
        ".map(e => e.name).filter(name => name.endsWith('.woff2')))"
    )
    assert fonts and all(font.startswith(live_url + "/-/static/vendor/katex/") for font in fonts)
    assert problems == []
    save_screenshot(page, f"diagrams-{width}")
    context.close()
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page, _ = _open(context, live_url)
    page.wait_for_selector("pre.mermaid svg")
    page.wait_for_selector(".math-display .katex-display")
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    context.close()


def test_without_scripts_the_source_is_shown(browser: Any, live_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page, _ = _open(context, live_url)
    assert page.locator(".math-inline").first.inner_text() == "\\bar{x} = \\frac{1}{n}\\sum_i x_i"
    assert "(x_i - \\bar{x})^2" in page.locator(".math-display").inner_text()
    assert page.locator("pre.mermaid").inner_text().startswith("flowchart LR")
    assert page.locator(".katex, pre.mermaid svg").count() == 0
    context.close()


def test_a_page_without_math_or_diagrams_loads_neither(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_url + "/glossary/rubric")
    page.wait_for_load_state("networkidle")
    loaded = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert not [name for name in loaded if "/vendor/" in name]
    context.close()


def test_content_added_later_is_typeset(browser: Any, live_url: str) -> None:
    """The editor's live preview replaces its HTML as the author types."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_url + "/glossary/rubric")
    page.evaluate(  # as the preview does: new HTML, then the event that says so
        """const body = document.querySelector('.body');
           body.insertAdjacentHTML('beforeend',
           '<p id="later"><span class="math math-inline">a^2+b^2</span></p>'
           + '<figure class="diagram"><pre class="mermaid">'
           + 'flowchart TD\\n  A --&gt; B</pre></figure>');
           body.dispatchEvent(new CustomEvent('masterywiki:rendered', {bubbles: true}))"""
    )
    page.wait_for_selector("#later .katex")
    page.wait_for_selector("figure.diagram svg")
    context.close()
