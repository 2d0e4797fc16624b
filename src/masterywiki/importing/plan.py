"""Planning the import of a folder of markdown (Otter Wiki, Gollum, MkDocs, plain files).

Pure: the source files and what the wiki already holds go in; a `Plan` comes out,
holding the files to commit and a report of every change. Names are given top
down, folder by folder, so duplicates after normalising get stable suffixes;
then every page gets its front matter and links rewritten (pages.py, links.py),
and every folder an index page with a toctree. The command `masterywiki import`
(cli/importing.py) reads the folder and makes the one commit.
"""

from __future__ import annotations

import itertools
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from masterywiki.content import names
from masterywiki.errors import InvalidPagePath
from masterywiki.importing.links import rewrite_links
from masterywiki.importing.nav import MkDocs, NavOrder, order_from_nav
from masterywiki.importing.pages import (
    Existing,
    IndexTexts,
    Sources,
    Targets,
    file_stem,
    home_stem_rank,
    is_markdown,
    natural,
    page_title,
    segment,
    skip_reason,
    strip_extension,
    with_front_matter,
)

INFO, WARNING = "info", "warning"


@dataclass(frozen=True)
class Entry:
    """One line of the import report; `path` is a source path or a repository path."""

    kind: str
    path: str
    message: str
    line: int = 0
    severity: str = INFO
    old: str = ""
    new: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.kind}: {self.message}"


@dataclass(frozen=True)
class Plan:
    files: Mapping[str, bytes]  # repository path -> content, all written in one commit
    entries: tuple[Entry, ...]
    pages: int
    attachments: int
    into: str  # the target section ('' for the wiki root)

    @property
    def warnings(self) -> int:
        return sum(1 for e in self.entries if e.severity == WARNING)


def normalize_section(into: str) -> str:
    """'--into /legacy/' -> 'legacy'; '' (or 'index') is the wiki root. Raises InvalidPagePath."""
    name = into.strip().strip("/")
    if not name:
        return ""
    name = names.canonical(names.validate(name))
    return "" if name == names.ROOT else name


def section_chain(into: str) -> list[str]:
    """The page names an import into `into` may extend: 'a/b' -> ['a/b', 'a', 'index']."""
    chain = []
    while into:
        chain.append(into)
        into = posixpath.dirname(into)
    return [*chain, names.ROOT]


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _index_file(folder: str) -> str:
    return _join(folder, "index" + names.PAGE_SUFFIX)


def _exact_first(path: str) -> tuple[bool, list[int | str]]:
    """Files already named like a page keep their name; the rest follow in natural order."""
    stem = file_stem(path)
    return (segment(stem) != stem, natural(path))


@dataclass
class _Folder:
    source: str  # '' for the source root
    pages: list[str] = field(default_factory=list)  # source paths of its pages
    subfolders: list[str] = field(default_factory=list)
    home: str | None = None  # the page that is the folder's own (README, index, Home)
    target: str = ""  # the wiki folder it became

    def own_home(self) -> str | None:
        ranked = [(home_stem_rank(file_stem(p)), natural(p), p) for p in self.pages]
        homes = sorted((rank, key, p) for rank, key, p in ranked if rank is not None)
        return homes[0][2] if homes else None


class _Planner:
    def __init__(self, existing: Existing, into: str, title: str) -> None:
        self.existing, self.into, self.title = existing, into, title
        self.entries: list[Entry] = []
        self.files: dict[str, bytes] = {}
        self.texts: dict[str, str] = {}  # source page -> text
        self.others: dict[str, bytes] = {}  # source path -> bytes, for files that are not pages
        self.folders: dict[str, _Folder] = {}
        self.new_file: dict[str, str] = {}  # source page -> new file
        self.taken = set(existing.pages)  # page names in use
        self.taken_folders = {posixpath.dirname(f) for f in existing.files if "/" in f}
        for folder in list(self.taken_folders):
            while "/" in folder:
                folder = posixpath.dirname(folder)
                self.taken_folders.add(folder)
        self.holder: dict[str, str] = {}  # name -> the source path that claimed it
        self.old_names: dict[str, str] = {}  # old address (as looked up) -> source path
        self.nav = NavOrder()  # the order an MkDocs nav gives (none: natural order)

    def note(self, kind: str, path: str, message: str, line: int = 0,
             severity: str = INFO, old: str = "", new: str = "") -> None:  # fmt: skip
        self.entries.append(Entry(kind, path, message, line, severity, old, new))

    # -- reading ------------------------------------------------------------------

    def read(self, sources: Sources, max_page_bytes: int | None) -> None:
        for path in sorted(sources, key=natural):
            data = sources[path]
            reason = skip_reason(path)
            if reason is not None:
                self.note("skipped", path, reason)
            elif not is_markdown(path):
                self.others[path] = data
            elif max_page_bytes is not None and len(data) > max_page_bytes:
                self.note("skipped", path, f"{len(data):,} bytes, more than the page limit of "
                          f"{max_page_bytes:,}", severity=WARNING)  # fmt: skip
            else:
                text = data.decode("utf-8", errors="replace")
                if "\ufffd" in text and "\ufffd".encode() not in data:
                    self.note("encoding", path, "not UTF-8: unreadable bytes were replaced",
                              severity=WARNING)  # fmt: skip
                self.texts[path] = text.replace("\r\n", "\n").lstrip("\ufeff")
                self.folder(posixpath.dirname(path)).pages.append(path)

    def folder(self, source: str) -> _Folder:
        if source not in self.folders:
            self.folders[source] = _Folder(source)
            if source:
                self.folder(posixpath.dirname(source)).subfolders.append(source)
        return self.folders[source]

    # -- naming -------------------------------------------------------------------

    def free(self, name: str) -> bool:
        return name not in self.taken and name not in self.taken_folders

    def claim(self, parent: str, base: str, source: str, folder: bool = False) -> str | None:
        wanted = name = _join(parent, base)
        n = 1
        while not self.free(name):
            n += 1
            name = _join(parent, f"{base}-{n}")
        if len(name) > names.MAX_NAME_LENGTH:
            self.note("skipped", source, f"its address {name} would be too long", severity=WARNING)
            return None
        if name != wanted:
            holder = self.holder.get(wanted)
            kind, why = ("duplicate", f"by {holder}") if holder else ("exists", "in the wiki")
            self.note(kind, source, f"'{wanted}' is taken {why}; named {name} instead",
                      old=wanted, new=name)  # fmt: skip
        self.taken.add(name)
        self.holder[name] = source
        if folder:
            self.taken_folders.add(name)
        return name

    def place(self, folder: _Folder, target: str) -> None:
        """Name `folder`'s subfolders (depth first) and pages inside wiki folder `target`."""
        folder.target = target
        by_key: dict[str, str] = {}
        for page in sorted(folder.pages, key=_exact_first):
            by_key.setdefault(segment(file_stem(page)), page)
        for sub in sorted(folder.subfolders, key=_exact_first):
            child = self.folders[sub]
            base = segment(posixpath.basename(sub), "folder")
            paired = by_key.pop(base, None)
            if (
                paired is not None
                and child.own_home() is None
                and home_stem_rank(file_stem(paired)) is None
            ):
                # Otter Wiki and Gollum keep 'Guide/Setup.md' beside 'Guide.md': the
                # page of the folder's name is the folder's own page.
                child.home = paired
                folder.pages.remove(paired)
            new = self.claim(target, base, sub + "/", folder=True)
            if new is not None:
                self.place(child, new)
            else:
                for page in (p for p in self.texts if p.startswith(sub + "/")):
                    self.note("skipped", page, "its folder could not be imported", severity=WARNING)
        folder.home = folder.home or folder.own_home()
        is_top = folder is self.folders[""]
        if folder.home is not None:
            if not is_top or (target or names.ROOT) not in self.existing.pages:
                self.adopt(folder.home, _index_file(target), "its folder's index page")
                self.taken.add(target or names.ROOT)
            else:
                stem = file_stem(folder.home)
                base = "home" if stem.casefold() == "index" else segment(stem)
                self.page(
                    folder.home,
                    target,
                    base,
                    "the wiki already has a page at the section's address",
                )
        for source in sorted(folder.pages, key=_exact_first):
            if source != folder.home:
                self.page(source, target, segment(file_stem(source)), "")

    def page(self, source: str, target: str, base: str, why: str) -> None:
        name = self.claim(target, base, source)
        if name is not None:
            self.adopt(source, name + names.PAGE_SUFFIX, why)

    def adopt(self, source: str, new_file: str, why: str) -> None:
        self.new_file[source] = new_file
        self.note("page", source, f"imported as {new_file}" + (f": {why}" if why else ""),
                  old=source, new=new_file)  # fmt: skip

    def folder_files(self) -> dict[str, str]:
        """Source folder -> the file of its index page (planned, or the wiki's own)."""
        found = {}
        for source, folder in self.folders.items():
            if source and not folder.target:
                continue  # not imported
            name = folder.target or names.ROOT
            own = _index_file(folder.target)
            if own in self.new_file.values() or name not in self.existing.pages:
                found[source] = own
            else:
                found[source] = self.existing.pages[name]
        return found

    # -- writing ------------------------------------------------------------------

    def write_pages(self, targets: Targets) -> None:
        for source in sorted(self.new_file, key=natural):
            new_file = self.new_file[source]
            folder = self.folders[posixpath.dirname(source)]
            is_index = new_file == _index_file(folder.target) and source == folder.home
            fallback = self.folder_title(folder) if is_index else page_title(file_stem(source))
            old_name = strip_extension(source)

            def rewrite(
                body: str, line: int, source: str = source, new_file: str = new_file
            ) -> str:
                def link_note(
                    line: int, kind: str, severity: str, message: str, old: str, new: str
                ) -> None:
                    self.note(kind, source, message, line, severity, old, new)

                return rewrite_links(body, line, source, new_file, targets, link_note)

            def note(kind: str, message: str, severity: str, source: str = source) -> None:
                self.note(kind, source, message, severity=severity)

            redirect = old_name if self.keeps_redirect(source, old_name, new_file) else None
            text = with_front_matter(self.texts[source], fallback, redirect, rewrite, note,
                                     self.nav.titles.get(source))  # fmt: skip
            self.files[new_file] = text.encode()

    def keeps_redirect(self, source: str, old: str, new_file: str) -> bool:
        """The old address goes into `redirect_from` when it differs from the new one
        and no other page (or other page's old address) answers to it."""
        new_name = names.name_for_file(new_file)
        try:
            key: str | None = names.normalize_user_input(old)
            taken, legacy = key in self.taken or key in self.existing.redirects, False
        except InvalidPagePath:  # a legacy address such as 'Meeting Notes/Week 1'
            key = names.legacy_key(old)
            taken, legacy = key is None or key in self.existing.legacy, True
        if old == new_name or (not legacy and key == new_name):
            return False
        if taken or key in self.old_names:
            holder = self.old_names.get(key or "") or "another page"
            self.note("redirect", source, f"old address '{old}' not kept in redirect_from: "
                      f"{holder} answers to it", severity=WARNING)  # fmt: skip
            return False
        self.old_names[key or ""] = source
        return True

    def folder_title(self, folder: _Folder) -> str:
        if folder.source:
            named = self.nav.folder_titles.get(folder.source)
            return named or page_title(posixpath.basename(folder.source))
        return self.title

    def write_indexes(self) -> None:
        indexes = IndexTexts(self.existing, self.files)
        for source in sorted(self.folders, key=lambda s: (-s.count("/"), natural(s))):
            folder = self.folders[source]
            if source and not folder.target:
                continue  # not imported (its address would have been too long)
            own = _index_file(folder.target)
            # The folder's own page first, then its pages and subfolders as the nav
            # orders them, the rest in natural order: pages, then subfolders.
            listed = [(p, False) for p in folder.pages if p != folder.home and p in self.new_file]
            listed += [(s, True) for s in folder.subfolders if self.folders[s].target]
            listed.sort(key=lambda item: (*self.nav.key(*item), natural(item[0])))
            home = self.new_file.get(folder.home or "")
            children = [home] if home else []
            children += [
                _index_file(self.folders[path].target) if sub else self.new_file[path]
                for path, sub in listed
            ]
            children = [c for c in children if c != own]
            for kind, path, message in indexes.extend(
                folder.target, children, self.folder_title(folder)
            ):
                self.note(kind, path, message)
        # The import's top must hang from the wiki's root: extend or create the index
        # pages of the sections above it.
        chain = section_chain(self.into)
        for child, parent in itertools.pairwise(chain):
            if child in self.existing.pages:
                break
            section = "" if parent == names.ROOT else parent
            title = names.title_from_name(parent) if section else self.title
            for kind, path, message in indexes.extend(section, [_index_file(child)], title):
                self.note(kind, path, message)


def plan_import(
    sources: Sources,
    existing: Existing | None = None,
    into: str = "",
    title: str = "Home",
    max_page_bytes: int | None = None,
    skipped: Iterable[tuple[str, str]] = (),
    mkdocs: MkDocs | None = None,
) -> Plan:
    """Plan importing `sources` ({path relative to the source folder: bytes}) into the
    section `into` ('' for the root) of a wiki holding `existing`. `title` names the
    import's top index page if it needs one; `skipped` are (path, reason) pairs the
    reader left out; `mkdocs`, an MkDocs project's settings, orders the toctrees by its
    nav. Raises InvalidPagePath for a bad `into`.
    """
    existing = existing or Existing()
    planner = _Planner(existing, normalize_section(into), title)
    for path, reason in skipped:
        planner.note("skipped", path, reason)
    planner.read(sources, max_page_bytes)
    if mkdocs is not None:
        planner.nav = order_from_nav(mkdocs, list(planner.texts))
        for n in planner.nav.notes:
            planner.note(n.kind, mkdocs.file, n.message, n.line, n.severity)
    if planner.texts:
        planner.place(planner.folder(""), planner.into)
    targets = Targets(
        planner.new_file,
        planner.folder_files(),
        planner.texts,
        planner.others,
        existing,
        lambda kind, path, message, severity: planner.note(kind, path, message, severity=severity),
    )
    planner.write_pages(targets)
    planner.files.update(targets.files)
    if planner.texts:
        planner.write_indexes()
    for path in planner.others:
        if path not in targets.attached:
            planner.note("skipped", path, "not a page, and no page links to it", severity=WARNING)
    files = dict(sorted(planner.files.items()))
    # Grouped by source file, in file order; the index pages made or extended last.
    entries = sorted(
        planner.entries,
        key=lambda e: (e.kind in ("index", "toctree"), natural(e.path), e.line),
    )
    return Plan(files, tuple(entries), len(planner.new_file), len(targets.files), planner.into)
