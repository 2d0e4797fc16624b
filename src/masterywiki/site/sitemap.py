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
from masterywiki.content.sidebar import NavNode

SEARCH_PAGE = "/-/search"
NAV_FULL = 30  # a toctree level this long or shorter is shown whole in the sidebar
NAV_AROUND = 6  # otherwise: this many entries each side of the current one

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

    def add(self, url: str, file: str) -> None:
        self.files[url] = file

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

        def replace(match: re.Match[str]) -> str:
            found = self.target(match.group(2))
            if found is None:
                return ""
            return f' {match.group(1)}="{prefix}{found}"'

        html = _MARKER.sub("", _FORM.sub("", html))
        return LOCAL_LINK.sub(replace, html)


# -- the sidebar ------------------------------------------------------------------------------


def static_sidebar(catalog: Catalog, current: str) -> tuple[NavNode, ...]:
    """Like `Catalog.sidebar`, but a long level shows only the entries around the path.

    Only the entries shown are made: a section of 5,000 pages costs each of its pages
    a dozen entries, not 5,000 (building them all and cutting them down made a
    100,000-page build grow with the square of the section size)."""
    path = {record.name for record in catalog.ancestors(current)} | {current}

    def on_path(name: str) -> bool:  # as Catalog.sidebar marks `current` or `open`
        return name == current or (name in path and bool(catalog.children(name)))

    def node(name: str) -> NavNode:
        record = catalog.pages[name]
        has_children = bool(catalog.children(name))
        opened = name in path and has_children
        return NavNode(
            name=name,
            title=record.title,
            url=record.url,
            current=name == current,
            open=opened,
            children=level(name) if opened else (),
            has_children=has_children,
        )

    def level(parent: str) -> tuple[NavNode, ...]:
        names_here = catalog.children(parent)
        if len(names_here) <= NAV_FULL:
            return tuple(node(name) for name in names_here)
        at = next((i for i, name in enumerate(names_here) if on_path(name)), 0)
        start, end = max(0, at - NAV_AROUND), min(len(names_here), at + NAV_AROUND + 1)
        url = names.url_for_name(parent)
        shown = [node(name) for name in names_here[start:end]]
        if start:
            shown.insert(0, NavNode(parent, f"… {start} earlier pages", url))
        if end < len(names_here):
            shown.append(NavNode(parent, f"… {len(names_here) - end} more pages", url))
        return tuple(shown)

    return level(names.ROOT)
