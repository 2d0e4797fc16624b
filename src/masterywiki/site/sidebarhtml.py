"""The sidebar's HTML for the static build: the page template's own macro, entry by entry.

A page's sidebar is the top-level sections and a window of about 25 entries around the
page (`sitemap.static_sidebar`). Rendered by the `nav_tree` macro (templates/_nav.html)
it was a sixth of a page's CPU, yet most entries look the same on every page that
shows them (closed, not the current page). So each entry's `<li>` is rendered by the
macro once per build and process and then reused; an opened entry's is its closed one
with its children's list put before its end tag. The macro stays the one definition of
the markup: tests/site/test_sidebarhtml.py compares the two on whole sidebars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from markupsafe import Markup

from masterywiki.content.sidebar import NavNode

Macro = Callable[[tuple[NavNode, ...]], str]


class SidebarHtml:
    """`nav_tree(nodes)` as the macro writes it. Call it inside a request context (the
    macro's words are the request's language), always the same language."""

    def __init__(self, macro: Macro) -> None:
        self.macro = macro
        self.items: dict[tuple[object, ...], str] = {}
        empty = str(macro(()))
        split = empty.index("</")
        self.head, self.tail = empty[:split], empty[split:]

    @classmethod
    def of(cls, jinja_env: Any) -> SidebarHtml:
        """With the macro of the app's templates."""
        return cls(jinja_env.get_template("_nav.html").module.nav_tree)

    def __call__(self, nodes: tuple[NavNode, ...]) -> Markup:
        return Markup(self.tree(nodes))

    def tree(self, nodes: tuple[NavNode, ...]) -> str:
        parts = [self.head]
        for number, node in enumerate(nodes):
            parts.append(self.item(node, number == 0))
        parts.append(self.tail)
        return "".join(parts)

    def item(self, node: NavNode, first: bool) -> str:
        if node.skipped:  # a gap: its words depend on whether it comes first
            key: tuple[object, ...] = ("gap", first, node.skipped, node.url)
        else:
            key = (node.name, node.title, node.url, node.current, node.open, node.has_children)
        found = self.items.get(key)
        if found is None:
            found = self.items[key] = self._alone(
                replace(node, children=()), first or not node.skipped
            )
        if not node.children:
            return found
        # The children's list goes before the entry's end tag (its last line).
        end = found.rindex("\n", 0, len(found) - 1) + 1
        return found[:end] + self.tree(node.children) + found[end:]

    def _alone(self, node: NavNode, first: bool) -> str:
        """The macro's `<li>` for `node`, in the first place or a later one."""
        if first:
            return str(self.macro((node,)))[len(self.head) : -len(self.tail)]
        before = self.item(node, True)
        both = str(self.macro((node, node)))
        return both[len(self.head) + len(before) : -len(self.tail)]
