"""An MkDocs project's settings and `nav`, and the order and titles that nav gives an import.

Pure: the text of mkdocs.yml goes in, values come out. The YAML is only composed
into a tree of nodes, never constructed into Python objects, so tags such as
`!!python/name:` or `!ENV` neither run anything nor stop the reading. A file that
is not YAML at all gives notes (for the import report) and no nav: the pages then
keep their natural order.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from masterywiki.importing.pages import natural

INFO, WARNING = "info", "warning"
MAX_DEPTH = 20  # nested sections; also stops a YAML alias that contains itself
MAX_ITEMS = 100_000  # nav entries read (ten times a large site); also stops alias "bombs"
_SETTING = r"^{key}:\s*['\"]?(.+?)['\"]?\s*(?:#.*)?$"
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_LISTED = 10  # pages named in the note about pages the nav leaves out


@dataclass(frozen=True)
class NavItem:
    """One nav entry: a page (`target` a path relative to docs_dir), an external link
    (`target` a URL) or a section (`children`, no target)."""

    title: str | None
    target: str
    line: int
    children: tuple[NavItem, ...] = ()

    @property
    def is_section(self) -> bool:
        return not self.target


@dataclass(frozen=True)
class NavNote:
    """A line for the import report about mkdocs.yml (`line` 0 when none)."""

    kind: str
    message: str
    line: int = 0
    severity: str = INFO


@dataclass(frozen=True)
class MkDocs:
    """What an import uses of mkdocs.yml (`file`, its name), and notes on reading it."""

    file: str = "mkdocs.yml"
    site_name: str | None = None
    docs_dir: str | None = None
    nav: tuple[NavItem, ...] | None = None  # None: no nav, or one that could not be read
    notes: tuple[NavNote, ...] = ()


def _setting(text: str, key: str) -> str | None:
    """A top-level `key: value` found by pattern, for a file YAML cannot read."""
    found = re.search(_SETTING.format(key=key), text, re.MULTILINE)
    return found.group(1).strip() if found else None


def _line(node: Node) -> int:
    return node.start_mark.line + 1 if node.start_mark is not None else 0


def _scalar(node: Node | None) -> str | None:
    if isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value.strip():
        return node.value.strip()
    return None


class _NavReader:
    def __init__(self) -> None:
        self.notes: list[NavNote] = []
        self.count = 0

    def warn(self, node: Node, message: str) -> None:
        self.notes.append(NavNote("nav", message, _line(node), WARNING))

    def items(self, node: SequenceNode, depth: int) -> tuple[NavItem, ...]:
        if depth > MAX_DEPTH:
            self.warn(node, f"nav sections nested deeper than {MAX_DEPTH}: left out")
            return ()
        found = []
        for child in node.value:
            self.count += 1
            if self.count > MAX_ITEMS:
                self.warn(child, f"more than {MAX_ITEMS:,} nav entries: the rest is left out")
                break
            item = self.item(child, depth)
            if item is not None:
                found.append(item)
        return tuple(found)

    def item(self, node: Node, depth: int) -> NavItem | None:
        if (target := _scalar(node)) is not None:
            return NavItem(None, target, _line(node))
        if isinstance(node, MappingNode) and len(node.value) == 1:
            key, value = node.value[0]
            title = _scalar(key)
            if (target := _scalar(value)) is not None:
                return NavItem(title, target, _line(node))
            if isinstance(value, SequenceNode):
                return NavItem(title, "", _line(node), self.items(value, depth + 1))
        expected = "'path.md', 'Title: path.md' or 'Title: [...]'"
        self.warn(node, f"nav entry not understood (expected {expected}): left out")
        return None


def read_mkdocs(text: str, file: str = "mkdocs.yml") -> MkDocs:
    """The settings of an MkDocs project from the text of its mkdocs.yml. Never raises:
    what cannot be read becomes a warning note, and the nav is then None."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        mark = getattr(error, "problem_mark", None)
        said = (getattr(error, "context", None), getattr(error, "problem", None))
        problem = ", ".join(part for part in said if part) or "not valid YAML"
        message = f"cannot be read: {problem}; pages keep their natural order"
        note = NavNote("nav", message, mark.line + 1 if mark is not None else 0, WARNING)
        return MkDocs(file, _setting(text, "site_name"), _setting(text, "docs_dir"), None, (note,))
    if not isinstance(root, MappingNode):
        note = NavNote("nav", "holds no settings; pages keep their natural order", 0, WARNING)
        return MkDocs(file, notes=(note,) if text.strip() else ())
    settings = {key.value: value for key, value in root.value if isinstance(key, ScalarNode)}
    site_name, docs_dir = _scalar(settings.get("site_name")), _scalar(settings.get("docs_dir"))
    found = settings.get("nav")
    if found is None:
        return MkDocs(file, site_name, docs_dir)
    reader = _NavReader()
    if not isinstance(found, SequenceNode):
        reader.warn(found, "nav is not a list; pages keep their natural order")
        return MkDocs(file, site_name, docs_dir, None, tuple(reader.notes))
    nav = reader.items(found, 0)
    return MkDocs(file, site_name, docs_dir, nav, tuple(reader.notes))


# -- the order an import takes from the nav ---------------------------------------------


def _ancestors(folder: str) -> list[str]:
    """'a/b' -> ['a/b', 'a']; '' (the source root) -> []."""
    found = []
    while folder:
        found.append(folder)
        folder = posixpath.dirname(folder)
    return found


def _folders_of(pages: Iterable[str]) -> set[str]:
    return {folder for page in pages for folder in _ancestors(posixpath.dirname(page))}


def _common_folder(paths: list[str]) -> str:
    """The deepest folder holding every path ('' for the source root)."""
    split = [path.split("/") for path in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common)


@dataclass(frozen=True)
class NavOrder:
    """Where the nav puts each source page and folder, and the titles it gives them.
    Empty (no nav) it keeps the natural order: pages, then folders."""

    page_ranks: dict[str, int] = field(default_factory=dict)
    folder_ranks: dict[str, int] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # source page -> nav title
    folder_titles: dict[str, str] = field(default_factory=dict)  # source folder -> title
    notes: tuple[NavNote, ...] = ()

    def key(self, path: str, folder: bool) -> tuple[int, int]:
        """Sort key: what the nav lists, in its order, then the rest (pages first)."""
        rank = (self.folder_ranks if folder else self.page_ranks).get(path)
        return (0, rank) if rank is not None else (1, int(folder))


class _Orderer:
    def __init__(self, pages: Collection[str]) -> None:
        self.pages = set(pages)
        self.folders = _folders_of(pages)
        self.folded: dict[str, list[str]] = {}
        for page in sorted(pages):
            self.folded.setdefault(page.casefold(), []).append(page)
        self.order = NavOrder()
        self.notes: list[NavNote] = []
        self.resolved: dict[NavItem, tuple[str, bool] | None] = {}
        self.count = 0

    def resolve(self, item: NavItem) -> tuple[str, bool] | None:
        """(source path, is a folder) for a nav entry's target, or None."""
        if item not in self.resolved:
            self.resolved[item] = self._resolve(item.target)
        return self.resolved[item]

    def _resolve(self, target: str) -> tuple[str, bool] | None:
        path = posixpath.normpath(target.lstrip("/"))
        if path in self.pages:
            return path, False
        if len(found := self.folded.get(path.casefold(), [])) == 1:
            return found[0], False
        if path in self.folders:
            return path, True
        if (page := path + ".md") in self.pages:
            return page, False
        return None

    def rank(self, items: tuple[NavItem, ...]) -> None:
        """Number the pages (and folders) the nav names, depth first, in its order."""
        for item in items:
            if item.is_section:
                self.rank(item.children)
            elif _EXTERNAL.match(item.target):
                shown = f" ({item.title})" if item.title else ""
                message = f"nav link to {item.target}{shown}: not a page; left out of the toctrees"
                self.notes.append(NavNote("skipped", message, item.line, WARNING))
            elif (found := self.resolve(item)) is None:
                message = f"nav entry {item.target}: no imported page or folder at that path"
                self.notes.append(NavNote("unresolved", message, item.line, WARNING))
            else:
                self.place(found, item.title)

    def place(self, found: tuple[str, bool], title: str | None) -> None:
        path, folder = found
        if title:
            (self.order.folder_titles if folder else self.order.titles).setdefault(path, title)
        ranks = self.order.folder_ranks if folder else self.order.page_ranks
        if path in ranks:
            return  # MkDocs allows a page twice in the nav: the first place wins
        rank = ranks[path] = self.count
        self.count += 1
        for ancestor in _ancestors(path if folder else posixpath.dirname(path)):
            self.order.folder_ranks.setdefault(ancestor, rank)

    def paths(self, item: NavItem) -> list[str]:
        """The folders of the pages a nav section names (a named folder counts as itself)."""
        if not item.is_section:
            found = self.resolve(item) if not _EXTERNAL.match(item.target) else None
            if found is None:
                return []
            return [found[0] if found[1] else posixpath.dirname(found[0])]
        return [path for child in item.children for path in self.paths(child)]

    def name_folders(self, items: tuple[NavItem, ...], enclosing: str) -> None:
        """A section whose pages all lie in a folder deeper than its parent section's
        names that folder (its generated index page takes the section's title)."""
        for item in items:
            if not item.is_section:
                continue
            paths = self.paths(item)
            common = _common_folder(paths) if paths else enclosing
            if common != enclosing and common in self.folders and item.title:
                self.order.folder_titles.setdefault(common, item.title)
            self.name_folders(item.children, common)


def order_from_nav(config: MkDocs, pages: Collection[str]) -> NavOrder:
    """The order and titles `config.nav` gives the source `pages` (paths relative to
    docs_dir), with report notes: external links and entries that name no page."""
    if config.nav is None:
        return NavOrder(notes=config.notes)
    orderer = _Orderer(pages)
    orderer.rank(config.nav)
    orderer.name_folders(config.nav, "")
    order = orderer.order
    left = sorted((p for p in pages if p not in order.page_ranks), key=natural)
    notes = [*config.notes, *orderer.notes]
    if left:
        more, ordered = len(left) - _LISTED, len(order.page_ranks)
        named = ", ".join(left[:_LISTED]) + (f" and {more} more" if more > 0 else "")
        message = (
            f"the nav orders {ordered} page{'s' * (ordered != 1)}; the {len(left)} it does "
            f"not name are listed after them, in natural order: {named}"
        )
        notes.append(NavNote("nav", message))
    return NavOrder(
        order.page_ranks, order.folder_ranks, order.titles, order.folder_titles, tuple(notes)
    )
