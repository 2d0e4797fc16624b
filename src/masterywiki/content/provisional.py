"""Links of a page rendered before the catalog is read (a first start of a large wiki).

A server that is still reading every page can already show one page from git, but it
does not know yet which pages exist, their titles, terms or labels. This resolver lets
links point where their path says, titled from the address, so the page reads well and
every link works once the wiki has started. Pure.
"""

from __future__ import annotations

from urllib.parse import quote

from masterywiki.content import names
from masterywiki.content.markup import Target


class Provisional:
    """A `markup.Resolver` that trusts every well-formed address."""

    def doc(self, target: str, from_file: str) -> Target | None:
        name = names.resolve_reference(target, from_file)
        if name is None:
            return None
        return Target(url=names.url_for_name(name), title=names.title_from_name(name), name=name)

    def term(self, text: str) -> Target | None:
        # Which page defines a term is known only from the catalog: search for it.
        return Target(url=f"/-/search?q={quote(text)}", title=text)

    def ref(self, label: str) -> Target | None:
        return None  # labels are known only from the catalog
