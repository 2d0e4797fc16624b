"""The sidebar: the toctree tree, opened along the path to one page. Pure.

Only the page's ancestors are expanded, and a long level shows a window around the
entry on the path, so a page's sidebar costs the same in a section of 5,000 pages as
in one of 50: its work follows the page's neighbourhood, not the size of the wiki.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from masterywiki.content import names

SIDEBAR_FULL = 40  # a toctree level this long or shorter is shown whole
SIDEBAR_AROUND = 12  # otherwise: this many entries each side of the one on the path


@dataclass(frozen=True)
class NavNode:
    name: str
    title: str
    url: str
    current: bool = False
    open: bool = False  # on the path to the current page
    children: tuple[NavNode, ...] = ()
    has_children: bool = False
    skipped: int = 0  # a gap: this many entries left out here (see Catalog.sidebar)


class _Page(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str: ...


class Tree(Protocol):
    """What the sidebar reads of the catalog (which implements it)."""

    @property
    def pages(self) -> Mapping[str, _Page]: ...
    def children(self, name: str) -> tuple[str, ...]: ...
    def ancestors(self, name: str) -> Sequence[_Page]: ...


def sidebar_tree(
    catalog: Tree,
    current: str,
    shorten: Callable[[str, tuple[NavNode, ...]], tuple[NavNode, ...]] | None = None,
    *,
    window: int | None = None,
) -> tuple[NavNode, ...]:
    """Top-level sections, opened along the path to `current`.

    With `window`, a level longer than `SIDEBAR_FULL` shows `window` entries each side
    of the one on the path and gaps (`NavNode.skipped`) for the rest.
    `shorten(parent, level)`, if given, may cut each level down.
    """
    chain = [r.name for r in catalog.ancestors(current)] + [current]
    on_path = dict(pairwise(chain))  # parent -> its child on the path

    def level(parent: str) -> tuple[NavNode, ...]:
        children = catalog.children(parent)
        if window is not None and len(children) > SIDEBAR_FULL:
            nodes = _window(parent, children, on_path.get(parent), window, node)
        else:
            nodes = tuple(node(k) for k in children)
        return shorten(parent, nodes) if shorten is not None else nodes

    def node(name: str) -> NavNode:
        record = catalog.pages[name]
        has_children = bool(catalog.children(name))
        opened = (name in on_path or name == current) and has_children
        return NavNode(
            name=name,
            title=record.title,
            url=record.url,
            current=name == current,
            open=opened,
            children=level(name) if opened else (),
            has_children=has_children,
        )

    return level(names.ROOT)


def _window(
    parent: str,
    children: tuple[str, ...],
    shown: str | None,
    around: int,
    node: Callable[[str], NavNode],
) -> tuple[NavNode, ...]:
    """`around` entries each side of `shown` (or the first ones), with gaps that link
    to the parent, whose page lists them all."""
    at = children.index(shown) if shown is not None else 0
    start, end = max(0, at - around), min(len(children), at + around + 1)
    url = names.url_for_name(parent)
    nodes = [node(name) for name in children[start:end]]
    if start:
        nodes.insert(0, NavNode(parent, "", url, skipped=start))
    if end < len(children):
        nodes.append(NavNode(parent, "", url, skipped=len(children) - end))
    return tuple(nodes)
