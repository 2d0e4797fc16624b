"""Math and diagrams benchmark: what a page with a formula and a mermaid diagram costs
the reader, one run.

    python bench/diagrams.py

1. Server: the markup render (content.markup.render) of a page of prose with inline
   math, a display formula and a flowchart, against the same page without them: the
   median of 200 renders each.
2. Browser: a `masterywiki serve` on a fresh instance (the starter wiki plus those two
   pages) and Debian's chromium through Playwright. For each page, the scripts,
   styles and fonts it loads (from the browser's resource timing), with their gzipped
   sizes (gzip -9 of the served file, as a server or proxy compressing them would send
   them), and the time from navigation until the page is drawn: DOMContentLoaded for
   the plain page; until the formula is typeset and the diagram's SVG is in place for
   the other (a fresh browser context each, so nothing is cached).

The table is written to bench/results/diagrams.md.
"""

from __future__ import annotations

import gzip
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM_ARGS,
    make_instance,
    start_server,
    stop_server,
)
from tests.content.test_markup import FakeResolver  # noqa: E402

from masterywiki.content.markup import render  # noqa: E402
from masterywiki.git.storage import init_repository  # noqa: E402
from masterywiki.repository.starter import dated  # noqa: E402
from masterywiki.resources import starter_files, static_dir  # noqa: E402

PROSE = (
    "Students show mastery of each learning target before moving on; teachers record "
    "evidence and give feedback. Reassessment is always allowed.\n\n"
) * 6
RICH = f"""# With math and a diagram

{PROSE}
The mean of the scores is $\\bar{{x}} = \\frac{{1}}{{n}}\\sum_i x_i$.

$$
\\sigma^2 = \\frac{{1}}{{n}}\\sum_{{i=1}}^{{n}} (x_i - \\bar{{x}})^2
$$

```{{mermaid}}
flowchart LR
  Practice --> Evidence --> Feedback --> Mastery
  Feedback --> Practice
```
"""
PLAIN = f"# Without\n\n{PROSE}"
RESULTS = ROOT / "bench" / "results" / "diagrams.md"


def server_render_ms(text: str, rounds: int = 200) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        render(text, FakeResolver(), file="bench/page.md")
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def gzipped(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def visit(browser: Any, url: str, rich: bool) -> tuple[float, list[tuple[str, int, int]]]:
    context = browser.new_context()
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    if rich:
        page.wait_for_selector("pre.mermaid svg")
        page.wait_for_selector(".math-display .katex-display")
    elapsed = (time.perf_counter() - start) * 1000
    page.wait_for_load_state("networkidle")
    names = page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    context.close()
    loaded = []
    for name in names:
        path = urlsplit(name).path
        if not path.startswith("/-/static/"):
            continue
        file = static_dir() / path.removeprefix("/-/static/")
        loaded.append((path, file.stat().st_size, gzipped(file)))
    return elapsed, loaded


def main() -> None:
    from playwright.sync_api import sync_playwright

    rich_ms, plain_ms = server_render_ms(RICH), server_render_ms(PLAIN)
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template"
        make_instance(template)
        files = {
            **starter_files(),
            "bench/rich.md": RICH.encode(),
            "bench/plain.md": PLAIN.encode(),
        }
        init_repository(str(template / "wiki"), dated(files, date.today()), "Start")
        server = start_server(Path(folder), template)
        try:
            with sync_playwright() as playwright:
                executable = shutil.which("chromium") or "/usr/bin/chromium"
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                visit(browser, server.url + "/bench/plain", False)  # warm the server's cache
                visit(browser, server.url + "/bench/rich", True)
                plain_view, plain_files = visit(browser, server.url + "/bench/plain", False)
                rich_view, rich_files = visit(browser, server.url + "/bench/rich", True)
                browser.close()
        finally:
            stop_server(server)

    def kinds(files: list[tuple[str, int, int]]) -> str:
        scripts = [f for f in files if f[0].endswith((".js", ".mjs"))]
        rest = [f for f in files if not f[0].endswith((".js", ".mjs"))]
        return (
            f"{len(scripts)} scripts, {sum(f[2] for f in scripts) / 1024:.0f} KiB gzipped "
            f"({sum(f[1] for f in scripts) / 1024:.0f} KiB); {len(rest)} styles and fonts, "
            f"{sum(f[2] for f in rest) / 1024:.0f} KiB gzipped"
        )

    vendor = [f for f in rich_files if "/vendor/" in f[0]]
    lines = [
        "# Math and diagrams",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, python "
        f"{platform.python_version()}; one run of `python bench/diagrams.py`.",
        "",
        "| page | server render (median) | loaded from /-/static/ | navigation until drawn |",
        "|---|---|---|---|",
        f"| prose only | {plain_ms:.2f} ms | {kinds(plain_files)} | {plain_view:.0f} ms |",
        f"| prose, math and a diagram | {rich_ms:.2f} ms | {kinds(rich_files)} "
        f"| {rich_view:.0f} ms |",
        "",
        "What the page with math and a diagram loads from static/vendor/ (bytes, gzipped bytes):",
        "",
        *(f"- `{path}`: {size:,} B, {packed:,} B gzipped" for path, size, packed in vendor),
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
