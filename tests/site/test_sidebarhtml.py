"""sidebarhtml: the static build's sidebar is the `nav_tree` macro's HTML, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki import settings as settings_module
from masterywiki.content.catalog import Catalog
from masterywiki.content.sidebar import SIDEBAR_FULL
from masterywiki.site.sidebarhtml import SidebarHtml
from masterywiki.site.sitemap import static_sidebar
from masterywiki.web.app import create_app

LONG = SIDEBAR_FULL + 30


@pytest.fixture
def wiki_pages() -> dict[str, str]:
    """Two sections, one past SIDEBAR_FULL (so its level shows a window and gaps), a
    sub-section, and titles that need escaping."""
    pages = {f"long/page-{i:03}.md": f'# Page {i} <&> "q"\n' for i in range(LONG)}
    pages["long/index.md"] = "# Long\n\n```{toctree}\n" + "\n".join(
        f"page-{i:03}" for i in range(LONG)
    ) + "\n```\n"  # fmt: skip
    pages["short/index.md"] = "# Short\n\n```{toctree}\na\nsub/index\n```\n"
    pages["short/a.md"] = "# A & a\n"
    pages["short/sub/index.md"] = "# Sub\n\n```{toctree}\nb\n```\n"
    pages["short/sub/b.md"] = "# B\n"
    pages["index.md"] = "# Home\n\n```{toctree}\nlong/index\nshort/index\n```\n"
    return pages


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_pages_sidebar_is_the_macros(
    repo_factory: Callable[..., Path], tmp_path: Path, wiki_pages: dict[str, str], language: str
) -> None:
    repo = repo_factory(wiki_pages)
    loaded = settings_module.load({"repo": repo, "instance": tmp_path / "instance"})
    app = create_app(loaded, static_build=True)
    catalog: Catalog = app.extensions["masterywiki"].wiki.snapshot.catalog
    gaps = 0
    with app.test_request_context(f"/?lang={language}"):
        macro = app.jinja_env.get_template("_nav.html").module.nav_tree  # type: ignore[attr-defined]
        html = SidebarHtml.of(app.jinja_env)
        # Twice over, so the second round is made of the entries kept from the first.
        for name in [*catalog.pages, *catalog.pages]:
            nodes = static_sidebar(catalog, name)
            got = html(nodes)
            assert got == macro(nodes), name
            gaps += got.count("nav-gap")
    assert gaps > 2 * LONG  # the long section's pages show one gap or two
    app.extensions["masterywiki"].wiki.storage.close()


def test_the_built_page_shows_it(
    repo_factory: Callable[..., Path], tmp_path: Path, wiki_pages: dict[str, str]
) -> None:
    from masterywiki.site.build import build_site

    repo = repo_factory(wiki_pages)
    loaded = settings_module.load({"repo": repo, "instance": tmp_path / "instance"})
    build_site(loaded, tmp_path / "site")
    page = (tmp_path / "site" / "long" / "page-040" / "index.html").read_text()
    assert 'aria-current="page">Page 40 &lt;&amp;&gt; &#34;q&#34;</a>' in page
    assert "earlier pages" in page and "more pages" in page
