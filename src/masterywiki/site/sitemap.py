"""The static site's addresses: which file answers each server URL, links made
relative to the page that holds them, and the sidebar trimmed for a static page.

Pure: strings and the catalog in, strings and nav nodes out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from html import escape, unescape
from urllib.parse import parse_qsl, quote, unquote, urlencode

from masterywiki.content import names
from masterywiki.content.catalog import Catalog
from masterywiki.content.sidebar import SIDEBAR_AROUND, NavNode

SEARCH_PAGE = "/-/search"

LOCAL_LINK = re.compile(r'\s(href|src|action)="(/(?!/)[^"]*)"')
_FORM = re.compile(r'<form\b(?![^>]*class="search-box")[^>]*>.*?</form>\s*', re.S)
_MARKER = re.compile(r"<!-- masterywiki:[^>]*-->")


# -- URLs and files -------------------------------------------------------------------------


def page_file(name: str) -> str:
    return "index.html" if name == names.ROOT else f"{name}/index.html"


def canonical_url(path: str, query: str) -> str:
    pairs = sorted((k, v) for k, v in parse_qsl(query) if v)
    return path + ("?" + urlencode(pairs) if pairs else "")


@dataclass
class SiteMap:
    """Server URL (path, or path?query for a site view variant) -> file under OUT."""

    files: dict[str, str] = field(default_factory=dict)
    # target() of each link seen: most links (the header, the sidebar, the breadcrumbs)
    # recur on page after page, and resolving them was a twentieth of a page's time.
    _targets: dict[str, str | None] = field(default_factory=dict)

    def add(self, url: str, file: str) -> None:
        self.files[url] = file
        self._targets.clear()

    def remove(self, url: str) -> None:
        del self.files[url]
        self._targets.clear()

    def variant_file(self, url: str) -> str:
        path = url.split("?", 1)[0]
        digest = hashlib.sha1(url.encode()).hexdigest()[:12]
        return f"{path.lstrip('/')}/q-{digest}.html"

    def target(self, url: str) -> str | None:
        """The file `url` (path, query and fragment as in an href) answers, or None."""
        path, _, fragment = unescape(url).partition("#")
        path, _, query = path.partition("?")
        path = unquote(path) if "%" in path else path
        if not query or path == SEARCH_PAGE:  # the static search page reads ?q= itself
            found = self.files.get(path)
        else:
            found = self.files.get(canonical_url(path, query)) or self.files.get(path)
        if found is None:
            return None
        suffix = ("?" + query if path == SEARCH_PAGE and query else "") + (
            "#" + fragment if fragment else ""
        )
        return escape(quote(found, safe="/") + suffix)

    def rewrite(self, html: str, from_file: str) -> str:
        """Absolute links made relative to `from_file`; links to what the static site
        cannot answer (edit, history, login...) lose their href and become plain text."""
        prefix = "../" * from_file.count("/")

        targets = self._targets

        def replace(match: re.Match[str]) -> str:
            url = match.group(2)
            found = targets[url] if url in targets else targets.setdefault(url, self.target(url))
            if found is None:
                return ""
            return f' {match.group(1)}="{prefix}{found}"'

        html = _MARKER.sub("", _FORM.sub("", html))
        return LOCAL_LINK.sub(replace, html)


# -- the sidebar ------------------------------------------------------------------------------


def static_sidebar(catalog: Catalog, current: str) -> tuple[NavNode, ...]:
    """The server's sidebar: a long level shows only the entries around the path, and
    only those are made (building every entry of a 5,000-page section for each of its
    pages made a 100,000-page build grow with the square of the section size)."""
    return catalog.sidebar(current, window=SIDEBAR_AROUND)
