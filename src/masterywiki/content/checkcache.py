"""What `check` keeps of each page between runs, and which pages it must render again.

Rendering every page is nearly all of `check`'s time (a few milliseconds a page). A
page's render findings and anchors depend only on its text, its file name and the
answers the renderer got when it looked up other pages, terms and labels (the
`Resolver` calls). So each page's result is kept with the lookups it made; the next
run answers each distinct lookup once against today's catalog and renders again only
the pages whose blob or file differs or that asked a question whose answer changed.
This is Sphinx's dependency tracking made exact: a renamed, deleted or new page, a
changed title, term, alias, label or redirect changes an answer, and only the pages
that asked are rendered again.

A lookup is kept by what it asks of the catalog (`d:<page name>`, `t:<term>`,
`r:<label>`), not by its text, so the 100,000 pages of a large wiki share a few
hundred thousand distinct lookups that are answered with a dictionary access each.

Pure: values in, values out; `repository/checkstate.py` keeps them on disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.markup import Rendered
from masterywiki.content.model import Problem
from masterywiki.content.renderstate import Heading, Target

Answer = tuple[str, str] | None  # the target's (url, title); None: nothing found


def _answer(target: Target | None) -> Answer:
    return None if target is None else (target.url, target.title)


class Recorder:
    """The catalog as a Resolver that remembers the key of each lookup and its answer."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.asked: dict[str, Answer] = {}

    def term(self, text: str) -> Target | None:
        found = self.catalog.term(text)
        self.asked["t:" + " ".join(text.split()).casefold()] = _answer(found)
        return found

    def doc(self, target: str, from_file: str) -> Target | None:
        found = self.catalog.doc(target, from_file)
        name = names.resolve_reference(target, from_file)
        if name is not None:  # None needs no key: it never resolves, whatever changes
            self.asked["d:" + name] = _answer(found)
        return found

    def ref(self, label: str) -> Target | None:
        found = self.catalog.ref(label)
        self.asked["r:" + label.strip()] = _answer(found)
        return found

    # The fast scan (checkscan) asks only whether a lookup finds something: the same
    # keys and answers as above, without building the Target the renderer shows.

    def has_doc(self, target: str, from_file: str) -> bool:
        name = _resolved(target, from_file)
        if name is None:  # Catalog.doc finds nothing either
            return False
        record = self.catalog.pages.get(self.catalog.redirects.get(name, name))
        self.asked["d:" + name] = None if record is None else (record.url, record.title)
        return record is not None

    def has_term(self, text: str) -> bool:
        return self.term(text) is not None

    def has_ref(self, label: str) -> bool:
        return self.ref(label) is not None


_RESOLVED: dict[tuple[str, str], str | None] = {}
_RESOLVED_KEPT = 400_000  # entries, about 60 MB (100,000 pages ask ~250,000): then anew
_TOP = "/"  # the folder of a key that holds for every top-level folder (none is "/")


def _resolved(target: str, from_file: str) -> str | None:
    """`names.resolve_reference`, remembered by target and folder. A large wiki's pages
    link to each other across top-level folders (`../other/page.md`): such a link means
    the same page from any top-level folder, so it is remembered once for all of them
    (resolving takes ~8 µs; 100,000 pages make 1.6 million lookups)."""
    folder, _, _ = from_file.rpartition("/")
    top = bool(folder) and "/" not in folder and target[:3] == "../"
    if top and (target, _TOP) in _RESOLVED:
        return _RESOLVED[target, _TOP]
    if (target, folder) in _RESOLVED:
        return _RESOLVED[target, folder]
    if len(_RESOLVED) > _RESOLVED_KEPT:
        _RESOLVED.clear()
    name = names.resolve_reference(target, from_file)
    rest = target[3:]
    if top and rest == rest.strip() and all(s and s not in (".", "..") for s in rest.split("/")):
        _RESOLVED[target, _TOP] = name  # folder/../rest is rest, from any such folder
    else:
        _RESOLVED[target, folder] = name
    return name


def answer(catalog: Catalog, key: str) -> Answer:
    """Today's answer to a kept lookup, as `Catalog.term/doc/ref` would give it."""
    kind, _, argument = key.partition(":")
    if kind == "t":
        return _answer(catalog.term(argument))
    if kind == "r":
        return _answer(catalog.ref(argument))
    # `Catalog.doc` after resolving the reference: its redirect, then the page.
    record = catalog.pages.get(catalog.redirects.get(argument, argument))
    return None if record is None else (record.url, record.title)


_SEP = "\n"  # between lookup keys and between anchors: neither ever holds a newline


class PageCheck(NamedTuple):
    """One page's render result as far as `check` reads it, and the lookups it made.

    Kept compact, as a tuple of strings: a large wiki keeps 100,000 of them, read and
    written at every run (the lookup keys and anchors joined in one string each; the
    problems, rare, as plain tuples)."""

    blob: str
    file: str
    asked_keys: str  # lookup keys, joined by _SEP
    problem_rows: tuple[tuple[int, str, str, str], ...]  # (line, message, kind, severity)
    anchor_ids: str  # heading ids, joined by _SEP

    @classmethod
    def of(cls, record: PageRecord, rendered: Rendered, asked: Iterable[str]) -> PageCheck:
        ids = _SEP.join(heading.id for heading in rendered.headings)
        rows = tuple((p.line, p.message, p.kind, p.severity) for p in rendered.problems)
        return cls(record.blob, record.file, _SEP.join(asked), rows, ids)

    @classmethod
    def scanned(cls, record: PageRecord, anchors: Iterable[str], asked: Iterable[str]) -> PageCheck:
        """A page the fast scan read (see checkscan): no problems, by its rule."""
        return cls(record.blob, record.file, _SEP.join(asked), (), _SEP.join(anchors))

    @property
    def asked(self) -> tuple[str, ...]:
        return tuple(self.asked_keys.split(_SEP)) if self.asked_keys else ()

    @property
    def anchors(self) -> tuple[str, ...]:
        return tuple(self.anchor_ids.split(_SEP)) if self.anchor_ids else ()

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(Problem(*row) for row in self.problem_rows)

    @property
    def headings(self) -> tuple[Heading, ...]:
        """The headings as `diagnose` reads them (their ids), made when asked."""
        return tuple(Heading(0, anchor, "") for anchor in self.anchors)


@dataclass
class Kept:
    """The results of an earlier run: each page's, and the answer to each lookup."""

    pages: dict[str, PageCheck] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)


def to_redo(kept: Kept, catalog: Catalog) -> list[str]:
    """The pages of `catalog` whose kept result might differ from rendering them now,
    in catalog order."""
    changed = {key for key, was in kept.answers.items() if answer(catalog, key) != was}
    redo = []
    pages = kept.pages
    for record in catalog.records():
        found = pages.get(record.name)
        if (
            found is None
            or found.blob != record.blob
            or found.file != record.file
            or (changed and found.asked_keys and not changed.isdisjoint(found.asked))
        ):
            redo.append(record.name)
    return redo


def merged(
    kept: Kept, fresh: Mapping[str, PageCheck], answers: Mapping[str, Answer], catalog: Catalog
) -> Kept:
    """This run's results for the pages of `catalog`: the `fresh` ones (whose lookups got
    `answers`) over the kept ones still valid; answers kept only for keys still asked.
    A kept answer that changed was asked again by every page that asked it (`to_redo`
    rendered them), so a kept answer not in `answers` is still today's."""
    pages = {name: fresh.get(name) or kept.pages[name] for name in catalog.pages}
    # Keys that may no longer be asked: those of the pages rendered again or gone that
    # they do not ask now. Usually none (an edit keeps its page's links), and then the
    # kept answers stand with the fresh ones over them.
    before: set[str] = set()
    for name, page in kept.pages.items():
        if name in fresh or name not in pages:
            before.update(page.asked)
    if before.issubset(answers):
        return Kept(pages, {**kept.answers, **answers})
    # Every key still asked, from one split of all the pages' keys (100,000 pages ask
    # 1.5 million lookups: a loop over them took a second).
    joined = _SEP.join(page.asked_keys for page in pages.values() if page.asked_keys)
    asked = set(joined.split(_SEP))
    asked.discard("")
    now: dict[str, Answer] = {}
    for key in asked:
        if key in answers:
            now[key] = answers[key]
        else:
            now[key] = kept.answers[key] if key in kept.answers else answer(catalog, key)
    return Kept(pages, now)
