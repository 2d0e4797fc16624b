"""`masterywiki build` carries math and diagrams: the pages as the server renders them,
and the loader, KaTeX (with its fonts) and mermaid (with its chunks) beside them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup

from masterywiki import settings as settings_module
from masterywiki.resources import static_dir
from masterywiki.site.sitemap import page_file
from masterywiki.web.app import create_app
from tests.site.test_build import build, unresolved_links

PAGE = """\
# Growth

The mean is $\\bar{x}$.

$$
\\sigma^2 = \\frac{1}{n}
$$

```{mermaid}
flowchart LR
  Practice --> Mastery
```
"""


def test_a_page_with_math_and_a_diagram_builds_with_its_scripts_and_fonts(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory({"index.md": "# Home\n\n[Growth](growth.md)\n", "growth.md": PAGE})
    out = tmp_path / "site"
    build(repo, tmp_path, out)
    vendor = static_dir() / "vendor"
    for wanted in vendor.rglob("*"):
        if wanted.is_file():
            copy = out / "-/static/vendor" / wanted.relative_to(vendor)
            assert copy.read_bytes() == wanted.read_bytes(), copy
    assert list((out / "-/static/vendor/katex/fonts").glob("*.woff2"))
    assert list((out / "-/static/vendor/mermaid/chunks/mermaid.esm.min").glob("flowDiagram-*"))
    assert unresolved_links(out) == []

    built = BeautifulSoup((out / page_file("growth")).read_text(), "html.parser")
    assert built.select_one('script[src$="-/static/diagrams.js"]')["src"] == (
        "../-/static/diagrams.js"
    )
    settings = settings_module.load({"repo": repo, "instance": tmp_path / "instance"})
    served_html = create_app(settings).test_client().get("/growth").data
    served = BeautifulSoup(served_html, "html.parser")
    for selector in (".math-inline", "div.math-display", "figure.diagram pre.mermaid"):
        assert [e.get_text() for e in built.select(selector)] == [
            e.get_text() for e in served.select(selector)
        ], selector
    assert built.select_one("pre.mermaid").get_text() == "flowchart LR\n  Practice --> Mastery"
