"""Cross-page knowledge: titles, glossary terms, labels, redirects and the toctree nav.

Built from each page's `DocInfo` (pure values), so one page can be re-read and the
catalog rebuilt without rendering anything. The catalog also resolves references
for the renderer (it implements `markup.Resolver`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from masterywiki.content import names
from masterywiki.content.docinfo import Label
from masterywiki.content.kinds import (
    RESOURCES,
    TERMS,
    TRANSLATED,
    Kinds,
    kinds_of,
    source_named,
)
from masterywiki.content.markup import Target
from masterywiki.content.pagerecord import (  # PageRecord: imported from here by most
    PageRecord as PageRecord,
)
from masterywiki.content.pagerecord import (
    changed_names,
    cross_facts,
    digest_of,
    nav_facts,
    record_digest,
)
from masterywiki.content.sidebar import NavNode, sidebar_tree
from masterywiki.errors import InvalidPagePath


@dataclass(frozen=True)
class IndexEntry:
    text: str
    url: str
    kind: str  # "term", "alias", "label" or "tag"
    detail: str  # what the entry points at, in words
    key: str = ""

    @property
    def letter(self) -> str:
        first = self.text[:1].upper()
        return first if first.isalpha() else "#"


@dataclass(frozen=True)
class Neighbours:
    previous: PageRecord | None
    next: PageRecord | None
    parent: PageRecord | None


@dataclass
class _Nav:
    children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)


class Catalog:
    """Everything known across pages at one commit. Immutable once built."""

    terms: dict[str, str]  # casefolded title or alias -> term page
    labels: dict[str, tuple[str, Label]]  # label -> (page, label)
    redirects: dict[str, str]  # old page name -> current page name
    legacy: dict[str, str]  # names.legacy_key of an imported page's old address -> page
    kinds: Kinds  # the terms, resources and translations among the pages
    _nav: _Nav
    _digest: int

    def __init__(
        self,
        records: Mapping[str, PageRecord],
        previous: Catalog | None = None,
        changed: set[str] | None = None,
        *,
        copy: bool = True,
    ) -> None:
        """Index `records`. With `previous` (the catalog of an earlier commit), only
        what the changed pages touch is rebuilt, so a save to one page of 10,000
        does not re-index the other 9,999. `copy=False`: `records` is a dict handed
        over, kept as it is (copying 100,000 pages costs a save 5 ms).
        """
        self.pages: dict[str, PageRecord] = (
            records if not copy and isinstance(records, dict) else dict(records)
        )
        if previous is None:
            changed = None
        elif changed is None:  # `changed` names the pages whose records differ, if known
            changed = changed_names(previous.pages, self.pages)
        cross_changed = changed is None or any(
            cross_facts(previous.pages.get(n)) != cross_facts(self.pages.get(n))  # type: ignore[union-attr]
            for n in changed
        )
        if previous is not None and not cross_changed:
            self.terms, self.labels, self.redirects, self.legacy = (
                previous.terms, previous.labels, previous.redirects, previous.legacy,
            )  # fmt: skip
        else:
            self._indexcross_facts()
        nav_changed = changed is None or cross_changed or any(
            nav_facts(previous.pages.get(n)) != nav_facts(self.pages.get(n))  # type: ignore[union-attr]
            for n in changed
        )  # fmt: skip
        self._nav = previous._nav if previous is not None and not nav_changed else self._build_nav()
        # Built on first use, then kept: {page: the pages linking to it}, as tuples (1.6
        # million links of 100,000 pages took 100 MB of a worker's memory as sets).
        self._backlinks: dict[str, tuple[str, ...]] | None = None
        if previous is not None and previous._backlinks is not None and not nav_changed:
            assert changed is not None  # (nav_changed when it is None)
            self._backlinks = self._updated_backlinks(previous, changed)
        self._relations: dict[str, set[str]] | None = None  # built on first use
        self._tags: dict[str, list[PageRecord]] | None = None  # built on first use
        self._sorted: tuple[list[str], list[str], list[str]] | None = None  # for nearby()
        if previous is not None and changed is not None and not cross_changed:
            self._digest = previous._digest
            for name in changed:
                self._digest ^= record_digest(previous.pages.get(name))
                self._digest ^= record_digest(self.pages.get(name))
        else:
            self._digest = self._full_digest()
        self.version = f"{self._digest:032x}"
        self.kinds = kinds_of(self.pages, previous.kinds if previous else None, changed)

    def _indexcross_facts(self) -> None:
        self.terms, self.labels, self.redirects, self.legacy = {}, {}, {}, {}
        for record in sorted(self.pages.values(), key=lambda r: r.name):
            fm = record.info.front_matter
            if record.type == "term":
                for key in (record.title, *fm.aliases):
                    self.terms.setdefault(key.casefold(), record.name)
            for label in record.info.labels:
                self.labels.setdefault(label.name, (record.name, label))
            for old in fm.redirect_from:
                try:
                    old_name = names.normalize_user_input(old)
                except InvalidPagePath:  # not a page path: another wiki's address
                    for key in names.legacy_keys(old):  # none: reported by `check`
                        if key != record.name:
                            self.legacy.setdefault(key, record.name)
                    continue
                if old_name not in self.pages:
                    self.redirects.setdefault(old_name, record.name)

    # -- lookups -----------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return name in self.pages

    def __len__(self) -> int:
        return len(self.pages)

    def get(self, name: str) -> PageRecord | None:
        return self.pages.get(name)

    def glossary(self) -> list[PageRecord]:
        """Term pages in A-Z order of title."""
        terms = (self.pages[n] for n in self.kinds[TERMS])
        return sorted(terms, key=lambda r: r.title.casefold())

    def translations(self) -> list[PageRecord]:
        """Pages that say `translation_of`, and the pages they name (where they exist)."""
        found = {n: self.pages[n] for n in self.kinds[TRANSLATED]}
        sources = (source_named(record) for record in list(found.values()))
        found.update((n, self.pages[n]) for n in sources if n in self.pages)
        return list(found.values())

    def records(self) -> Iterator[PageRecord]:
        return iter(self.pages.values())

    def nearby(self, name: str, title: str, count: int) -> list[PageRecord]:
        """Up to 4 x `count` pages whose address or casefolded title sorts next to `name`
        or `title`: the candidates a "did you mean" compares, so that its cost does not
        grow with the wiki (both orders are sorted once per catalog)."""
        if self._sorted is None:
            by_title = sorted((r.title.casefold(), r.name) for r in self.pages.values())
            self._sorted = (sorted(self.pages), [t for t, _ in by_title], [n for _, n in by_title])
        by_name, titles, titled = self._sorted
        at, at_title = bisect.bisect(by_name, name), bisect.bisect(titles, title.casefold())
        found = by_name[max(0, at - count) : at + count]
        found += titled[max(0, at_title - count) : at_title + count]
        return [self.pages[n] for n in dict.fromkeys(found)]

    # -- markup.Resolver ------------------------------------------------------

    def _target(self, record: PageRecord, anchor: str = "") -> Target:
        url = record.url + (f"#{anchor}" if anchor else "")
        return Target(url=url, title=record.title, summary=record.summary, name=record.name)

    def term(self, text: str) -> Target | None:
        name = self.terms.get(" ".join(text.split()).casefold())
        return self._target(self.pages[name]) if name else None

    def doc(self, target: str, from_file: str) -> Target | None:
        name = names.resolve_reference(target, from_file)
        if name is None:
            return None
        name = self.redirects.get(name, name)
        record = self.pages.get(name)
        return self._target(record) if record else None

    def ref(self, label: str) -> Target | None:
        found = self.labels.get(label.strip())
        if found is None:
            return None
        name, entry = found
        target = self._target(self.pages[name], entry.anchor)
        return Target(target.url, entry.title, target.summary, name)

    # -- navigation -------------------------------------------------------------

    def _toctree_children(self, record: PageRecord) -> tuple[str, ...]:
        found: list[str] = []
        for toctree in record.info.toctrees:
            for entry in toctree.entries:
                name = names.resolve_reference(entry.target, record.file)
                if name is not None:
                    name = self.redirects.get(name, name)
                child = self.pages.get(name) if name is not None else None
                if child is not None and name != record.name:
                    # The record's own name, not the resolved copy of it: the navigation
                    # of 100,000 pages holds each name once (7 MB less per worker).
                    found.append(child.name)
        return tuple(dict.fromkeys(found))

    def _build_nav(self) -> _Nav:
        """Walk toctrees depth-first from the root, as Sphinx orders documents."""
        nav = _Nav()
        if names.ROOT not in self.pages:
            return nav
        seen = {names.ROOT}
        stack = [names.ROOT]
        while stack:
            name = stack.pop()
            nav.position[name] = len(nav.order)
            nav.order.append(name)
            children = tuple(c for c in self._toctree_children(self.pages[name]) if c not in seen)
            if children:  # (a leaf has none: most pages of a large wiki)
                nav.children[name] = children
            for child in children:
                seen.add(child)
                nav.parent[child] = name
            stack.extend(reversed(children))
        return nav

    def in_nav(self, name: str) -> bool:
        return name in self._nav.position

    def children(self, name: str) -> tuple[str, ...]:
        return self._nav.children.get(name, ())

    def descendants(self, name: str, limit: int = 1000) -> list[PageRecord]:
        """The pages under `name` in its toctrees, depth first, as Sphinx orders them."""
        found: list[PageRecord] = []
        stack = list(reversed(self._nav.children.get(name, ())))
        while stack and len(found) < limit:
            current = stack.pop()
            found.append(self.pages[current])
            stack.extend(reversed(self._nav.children.get(current, ())))
        return found

    def ancestors(self, name: str) -> list[PageRecord]:
        """Root first, not including the page itself."""
        chain: list[PageRecord] = []
        current = self._nav.parent.get(name)
        while current is not None:
            chain.append(self.pages[current])
            current = self._nav.parent.get(current)
        return chain[::-1]

    def neighbours(self, name: str) -> Neighbours:
        position = self._nav.position.get(name)
        parent_name = self._nav.parent.get(name)
        parent = self.pages.get(parent_name) if parent_name else None
        if position is None:
            return Neighbours(None, None, parent)
        order = self._nav.order
        previous = self.pages[order[position - 1]] if position > 0 else None
        following = self.pages[order[position + 1]] if position + 1 < len(order) else None
        return Neighbours(previous, following, parent)

    def sidebar(
        self,
        current: str,
        shorten: Callable[[str, tuple[NavNode, ...]], tuple[NavNode, ...]] | None = None,
        *,
        window: int | None = None,
    ) -> tuple[NavNode, ...]:
        """The sidebar tree for page `current` (see `sidebar.sidebar_tree`)."""
        return sidebar_tree(self, current, shorten, window=window)

    def backlinks(self, name: str) -> list[str]:
        """Pages that link to `name` (by {doc}, {term}, a .md link, a toctree or a link to
        one of its attachments), sorted."""
        if self._backlinks is None:
            self._backlinks = self._build_backlinks()
        return sorted(self._backlinks.get(name, ()))

    def _links_of(self, record: PageRecord) -> set[str]:
        """The pages `record` links to, itself left out."""
        targets: set[str | None] = set(self._toctree_children(record))
        for reference in record.info.references:
            if reference.kind == "term":
                targets.add(self.terms.get(" ".join(reference.target.split()).casefold()))
            elif reference.kind in ("doc", "link"):
                target = names.resolve_reference(reference.target, record.file)
                targets.add(self.redirects.get(target, target) if target else None)
            elif reference.kind == "file":  # showing a page's attachment links it too
                attachment = names.resolve_attachment(reference.target, record.file)
                targets.add(attachment.page if attachment else None)
        return {target for target in targets if target is not None and target != record.name}

    def _build_backlinks(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for record in self.pages.values():
            for target in self._links_of(record):
                found.setdefault(target, []).append(record.name)
        return {target: tuple(sources) for target, sources in found.items()}

    def _updated_backlinks(
        self, previous: Catalog, changed: set[str]
    ) -> dict[str, tuple[str, ...]]:
        """The previous catalog's backlinks with the changed pages' links redone: a save
        costs its own links, not a pass over the 1.5 million links of 100,000 pages.
        (Only while no page came or went and no term, label or redirect changed, which
        would change how other pages' links resolve.)"""
        assert previous._backlinks is not None
        found = dict(previous._backlinks)
        for name in changed:
            before, after = previous.pages.get(name), self.pages.get(name)
            old = previous._links_of(before) if before is not None else set()
            new = self._links_of(after) if after is not None else set()
            for target in old - new:
                if rest := tuple(n for n in found.get(target, ()) if n != name):
                    found[target] = rest
                else:
                    found.pop(target, None)
            for target in new - old:
                found[target] = (*found.get(target, ()), name)
        return found

    # -- tags, resources and the general index -------------------------------------

    def tags(self) -> dict[str, list[PageRecord]]:
        """Every tag with its pages (by title), tags in A-Z order (built once)."""
        if self._tags is None:
            self._tags = self._build_tags()
        return self._tags

    def _build_tags(self) -> dict[str, list[PageRecord]]:
        found: dict[str, list[PageRecord]] = {}
        for record in self.pages.values():
            for tag in record.info.front_matter.tags:
                found.setdefault(tag, []).append(record)
        return {
            tag: sorted(pages, key=lambda r: r.title.casefold())
            for tag, pages in sorted(found.items(), key=lambda item: item[0].casefold())
        }

    def resources(self) -> list[PageRecord]:
        found = (self.pages[n] for n in self.kinds[RESOURCES])
        return sorted(found, key=lambda r: r.title.casefold())

    def _term_name(self, text: str, from_file: str) -> str | None:
        """A `related` entry or {term} text as a term page name, if it is one."""
        target = self.doc("/" + text.strip("/"), from_file) if "/" in text else None
        target = target or self.term(text)
        if target is None or target.name is None:
            return None
        return target.name if self.pages[target.name].type == "term" else None

    def _build_relations(self) -> dict[str, set[str]]:
        """Resources <-> terms, from a resource's `related` list and its {term} roles."""
        links: dict[str, set[str]] = {}
        for record in self.resources():
            texts = [*record.info.front_matter.related]
            texts += [r.target for r in record.info.references if r.kind == "term"]
            for text in texts:
                term = self._term_name(text, record.file)
                if term is not None:
                    links.setdefault(record.name, set()).add(term)
                    links.setdefault(term, set()).add(record.name)
        return links

    def related_by_type(self, name: str) -> list[PageRecord]:
        """For a resource, its terms; for a term, the resources about it (by title)."""
        if self._relations is None:
            self._relations = self._build_relations()
        found = (self.pages[n] for n in self._relations.get(name, ()))
        return sorted(found, key=lambda r: r.title.casefold())

    def index_entries(self) -> list[IndexEntry]:
        """Sphinx's genindex: every term and alias, label and tag, in A-Z order."""
        entries: list[IndexEntry] = []
        for record in self.glossary():
            entries.append(IndexEntry(record.title, record.url, "term", record.title))
            for alias in record.info.front_matter.aliases:
                entries.append(IndexEntry(alias, record.url, "alias", record.title))
        for label, (name, found) in self.labels.items():
            page = self.pages[name]
            entries.append(IndexEntry(found.title, f"{page.url}#{found.anchor}", "label",
                                      page.title, key=label))  # fmt: skip
        for tag, pages in self.tags().items():
            entries.append(IndexEntry(tag, f"/-/tags/{tag}", "tag", f"{len(pages)} pages"))
        return sorted(entries, key=lambda e: (e.text.casefold(), e.kind))

    def orphans(self) -> list[str]:
        return sorted(n for n in self.pages if n not in self._nav.position)

    # -- identity ----------------------------------------------------------------

    def _full_digest(self) -> int:
        digest = 0
        for record in self.pages.values():
            digest ^= record_digest(record)
        for old, new in self.redirects.items():
            digest ^= digest_of(f"redirect\x1f{old}\x1f{new}")
        for old, new in self.legacy.items():
            digest ^= digest_of(f"legacy\x1f{old}\x1f{new}")
        return digest
