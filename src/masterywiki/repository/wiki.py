"""The wiki service: what the pages are at HEAD, kept fresh and cached. No Flask here.

A `Snapshot` is everything known at one commit (files, catalog, last changes). On
each request `refresh()` compares HEAD with the snapshot's commit (two small file
reads) and, when another process or an outside push moved HEAD, re-reads only the
changed files. Page scans and last-change info are also kept in a cache file in the
instance folder so a new worker does not re-read 10,000 pages.
"""

from __future__ import annotations

import difflib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from masterywiki.content import names
from masterywiki.content.attachmentindex import index_attachments, updated_attachments
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.docinfo import DocInfo, scan
from masterywiki.content.markup import Rendered, Resolver, render
from masterywiki.content.model import Document, decode, parse_document
from masterywiki.content.provisional import Provisional
from masterywiki.content.translations import InLanguage, Translations, lang_in, lang_of
from masterywiki.errors import InvalidPagePath, PageNotFound, RevisionNotFound, WikiError
from masterywiki.git.parse import Change
from masterywiki.git.storage import GitStorage
from masterywiki.repository import pagecache
from masterywiki.repository.pagescan import read_forked, scan_blobs
from masterywiki.support.lru import LRU

log = logging.getLogger(__name__)
CACHE_REWRITE_THRESHOLD = 20  # newly read pages that make the cache file worth rewriting
SCAN_FORKED_FROM = 2000  # pages to scan at once that are worth forking `scan_processes`
SUGGESTION_CANDIDATES = 200  # pages each side of a missing address that a 404 compares


class PageMoved(WikiError):
    """The page lives at another address now (answered with a 301)."""

    status = 301
    title = "Page moved"

    def __init__(self, name: str, new_name: str) -> None:
        super().__init__(f"'{name}' moved to '{new_name}'.")
        self.name = name
        self.new_name = new_name


@dataclass(frozen=True)
class Snapshot:
    commit: str | None
    files: dict[str, str]  # path -> blob, every file at `commit`
    catalog: Catalog
    changes: dict[str, Change] = field(default_factory=dict)

    @cached_property
    def attachments(self) -> dict[str, dict[str, str]]:
        """{page file: {attachment name: blob}}, built on first use at this commit."""
        return index_attachments(self.files)


@dataclass(frozen=True)
class PageContent:
    record: PageRecord
    rendered: Rendered
    source: str
    change: Change | None


class Wiki:
    """Read side of the wiki, safe to share between threads of one process."""

    def __init__(
        self, storage: GitStorage, cache_dir: Path | None = None, language: str = "en"
    ) -> None:
        """`language`: the wiki's own (setting `language`), that of pages saying none."""
        self.storage = storage
        self.cache_dir = cache_dir
        self.language = language
        self._translations: Translations | None = None
        self._infos: dict[str, DocInfo] = {}
        self._lock = threading.Lock()
        self._rendered: LRU[Rendered] = LRU(2048)
        self._snapshot = Snapshot(None, {}, Catalog({}))
        self._loaded_cache = False
        self._cache_written = False
        self._cache_tried = False
        self._from_cache: Snapshot | None = None
        self._file_count: tuple[str | None, int] = (None, 0)  # (commit, files)
        # Told (pages read, pages to read) while a cold start scans, for the console.
        self.read_progress: Callable[[int, int], None] | None = None
        # Processes that scan the pages of a cold start (the CLI's --processes): 100,000
        # pages take about 30 s of CPU to read and scan.
        self.scan_processes = 1
        # What else to take from each page's text while a cold start reads it (`check`
        # scans it for its own checks there): kept by blob in `also_scanned`.
        self.scan_also: Callable[[str], object] | None = None
        self.also_scanned: dict[str, object] = {}

    # -- freshness -----------------------------------------------------------

    def refresh(self) -> Snapshot:
        """The snapshot for the current HEAD, rebuilt if HEAD moved."""
        head = self.storage.head()
        if head == self._snapshot.commit and self._loaded_cache:
            return self._snapshot
        with self._lock:
            if head != self._snapshot.commit or not self._loaded_cache:
                self._snapshot = self._build(head)
            return self._snapshot

    @property
    def snapshot(self) -> Snapshot:
        return self.refresh()

    def start_from(self, snapshot: Snapshot) -> None:
        """Begin from `snapshot` (repository/wikisnapshot): the next refresh reads a diff."""
        with self._lock:
            self._snapshot = snapshot
            self._loaded_cache = True

    def _build(self, head: str | None) -> Snapshot:
        previous = self._snapshot
        if not self._loaded_cache:
            previous = self._cached_start() or previous
            # A cache file was read: rewrite it only after many new pages, not one.
            self._cache_written = self._cache_written or self._from_cache is not None
            self._from_cache = None  # used once: its scans are in self._infos now
            self._loaded_cache = True
        if head is None:
            return Snapshot(None, {}, Catalog({}))
        if previous.commit is not None and previous.files and len(previous.catalog):
            try:
                return self._build_from(previous, head)
            except RevisionNotFound:  # history rewritten and collected, or a restored repo
                log.warning("commit %s is gone; reading the wiki afresh", previous.commit)
                previous = Snapshot(None, {}, Catalog({}))
        return self._build_all(previous, head)

    def _read_infos(self, blobs: set[str]) -> set[str]:
        """Scan the blobs not scanned yet; returns those that were read."""
        missing = {blob for blob in blobs if blob not in self._infos}
        report = self.read_progress if len(missing) > 1 else None
        wanted = sorted(missing)
        if self.scan_processes > 1 and len(wanted) >= SCAN_FORKED_FROM:
            infos, also = read_forked(
                self.storage, wanted, self.scan_processes, self.scan_also, report
            )
            self._infos.update(infos)
            self.also_scanned.update(also)
            return missing
        done = 0

        def told(count: int) -> None:
            nonlocal done
            done += count
            if report is not None:
                report(done, len(wanted))

        infos, also = scan_blobs(self.storage, wanted, self.scan_also, told)
        self._infos.update(infos)
        self.also_scanned.update(also)
        return missing

    def _build_all(self, previous: Snapshot, head: str) -> Snapshot:
        """Read the whole tree: a cold start (helped by the cache file) or a reset."""
        files = self.storage.tree(head)
        page_files = _page_files(files)
        missing = self._read_infos({blob for _, blob in page_files.values()})
        known = previous.catalog.pages
        records: dict[str, PageRecord] = {}
        for name, (path, blob) in page_files.items():
            record = known.get(name)
            if record is None or record.blob != blob or record.file != path:
                if blob not in self._infos:
                    continue
                record = PageRecord(name, path, blob, self._infos[blob])
            records[name] = record
        # Keyed by the tree's blob strings, which records hold too (not the cache file's).
        infos = self._infos
        self._infos = {blob: infos[blob] for _, blob in page_files.values() if blob in infos}
        changes = self._changes(previous, head, {path for path, _ in page_files.values()})
        catalog = Catalog(records, previous.catalog, copy=False)
        snapshot = Snapshot(head, files, catalog, changes)
        # Writing the cache costs ~100 ms at 10,000 pages: worth it after reading
        # many pages, not after each save (a new worker re-reads the few changed).
        if missing and (not self._cache_written or len(missing) > CACHE_REWRITE_THRESHOLD):
            self._save_cache(snapshot)
            self._cache_written = True
        return snapshot

    def _build_from(self, previous: Snapshot, head: str) -> Snapshot:
        """Apply the diff from the previous snapshot: the work grows with the change,
        not with the wiki (a save to one page of 10,000 touches one record)."""
        assert previous.commit is not None
        changed = self.storage.changed_files(previous.commit, head)
        files = dict(previous.files)
        for path, blob in changed.items():
            if blob is None:
                files.pop(path, None)
            else:
                files[path] = blob
        affected = {name for path in changed if (name := names.name_for_file(path))}
        located: dict[str, tuple[str, str]] = {}
        for name in affected:
            for candidate in names.candidate_files(name):
                if candidate in files:
                    located[name] = (candidate, files[candidate])
                    break
        self._read_infos({blob for _, blob in located.values()})
        records = dict(previous.catalog.pages)
        for name in affected:
            if name in located and located[name][1] in self._infos:
                path, blob = located[name]
                records[name] = PageRecord(name, path, blob, self._infos[blob])
            else:
                records.pop(name, None)
        if self.storage.is_ancestor(previous.commit, head):
            since = self.storage.last_changes(head, since=previous.commit)
            # Pages only, as a fresh read keeps (attachments and comments are not pages).
            changes = {**previous.changes, **{p: c for p, c in since.items() if _is_page(p)}}
            for path, blob in changed.items():
                if blob is None:
                    changes.pop(path, None)
        else:  # history was rewritten (a force push): recompute what we need
            changes = self._changes(
                previous, head, {path for path, _ in _page_files(files).values()}
            )
        if len(self._infos) > 2 * len(records) + 1000:  # forget old scans now and then
            live = {record.blob for record in records.values()}
            self._infos = {b: i for b, i in self._infos.items() if b in live}
        catalog = Catalog(records, previous.catalog, changed=affected, copy=False)
        snapshot = Snapshot(head, files, catalog, changes)
        if "attachments" in previous.__dict__:  # carried forward, not rebuilt from every file
            snapshot.__dict__["attachments"] = updated_attachments(previous.attachments, changed)
        return snapshot

    def _changes(self, previous: Snapshot, head: str, paths: set[str]) -> dict[str, Change]:
        old = previous.commit
        if old == head:
            known = previous.changes
        elif old is not None and self.storage.is_ancestor(old, head):
            known = {**previous.changes, **self.storage.last_changes(head, since=old)}
        else:
            known = {}
        unknown = paths - known.keys()
        if unknown:
            known = {**known, **self.storage.last_changes(head, paths=unknown)}
        # Keyed by `paths`' strings (the tree's, which the records hold), not the cache's.
        return {path: known[path] for path in paths if path in known}

    # -- the instance cache file ------------------------------------------------

    def _cache_file(self) -> Path | None:
        return self.cache_dir / pagecache.FILE_NAME if self.cache_dir else None

    def has_page_cache(self) -> bool:
        """Whether a cache file from an earlier start spares reading every page.

        Reads it (once, kept for the first refresh): a damaged cache, or one another
        version of masterywiki wrote, does not count.
        """
        with self._lock:
            return self._loaded_cache or self._cached_start() is not None

    def cache_file_exists(self) -> bool:
        """Whether an earlier start left a cache file (not read here: it may be stale)."""
        path = self._cache_file()
        return path is not None and path.exists()

    def _cached_start(self) -> Snapshot | None:
        """The cache file's snapshot, read once it exists (another process may be
        writing it while this one waits)."""
        path = self._cache_file()
        if not self._cache_tried and path is not None and path.exists():
            self._from_cache = self._load_cache()
            self._cache_tried = True
        return self._from_cache

    def file_count(self) -> int:
        """How many files the branch holds (0 for an empty repository); counted once
        per commit (asked twice at a start without a page cache)."""
        head = self.storage.head()
        if head is None:
            return 0
        if self._file_count[0] != head:
            self._file_count = (head, self.storage.file_count(head))
        return self._file_count[1]

    def size_hint(self) -> int:
        """About how many files the branch holds: the page cache header's page count
        (no need to list 100,000 files to know a wiki is large), else the files."""
        path = self._cache_file()
        pages = pagecache.pages_in(path) if path is not None else None
        return self.file_count() if pages is None else pages

    def _load_cache(self) -> Snapshot | None:
        path = self._cache_file()
        cached = pagecache.load(path) if path is not None else None
        if cached is None:
            return None
        self._infos.update(cached.infos)
        return Snapshot(cached.commit, {}, Catalog({}), cached.changes)

    def _save_cache(self, snapshot: Snapshot) -> None:
        path = self._cache_file()
        if path is not None:
            pagecache.save(path, pagecache.Cached(snapshot.commit, self._infos, snapshot.changes))

    # -- pages ---------------------------------------------------------------------

    def validate(self, name: str) -> str:
        """`name` if it is a valid page name. Raises InvalidPagePath, or PageMoved
        for an address of a wiki these pages were imported from."""
        try:
            return names.validate(name)
        except InvalidPagePath:
            moved_to = self.snapshot.catalog.legacy.get(names.legacy_key(name) or "")
            if moved_to is None:
                raise
            raise PageMoved(name, moved_to) from None

    def record(self, name: str) -> PageRecord:
        """The page called `name`. Raises InvalidPagePath, PageMoved or PageNotFound."""
        self.validate(name)
        catalog = self.snapshot.catalog
        canonical = names.canonical(name)
        if canonical != name and canonical in catalog:
            raise PageMoved(name, canonical)
        record = catalog.get(name)
        if record is not None:
            return record
        if name in catalog.redirects:
            raise PageMoved(name, catalog.redirects[name])
        raise PageNotFound(name)

    def source(self, record: PageRecord) -> str:
        return decode(self.storage.read_blob(record.blob))

    def rendered(self, record: PageRecord, source: str | None = None) -> Rendered:
        """The page's HTML, rendered once per (blob, catalog version)."""
        catalog = self.snapshot.catalog
        key = (record.blob, catalog.version)
        cached = self._rendered.get(key)
        if cached is not None:
            return cached
        document = parse_document(source if source is not None else self.source(record))
        resolver = self.resolver(record)
        result = render(document.body, resolver, file=record.file, body_line=document.body_line)
        self._rendered.put(key, result)
        return result

    def translations(self) -> Translations:
        """Which pages translate which, indexed once per catalog version."""
        catalog = self.snapshot.catalog
        found = self._translations
        if found is None or found.version != catalog.version:
            found = self._translations = Translations(catalog.translations(), self.language)
            found.version = catalog.version
        return found

    def in_language(self, lang: str) -> InLanguage:
        """Pages and terms as a reader of `lang` sees them."""
        return InLanguage(self.snapshot.catalog, self.translations(), lang)

    def resolver(self, record: PageRecord) -> Resolver:
        """How `record`'s references resolve (see `resolver_in`)."""
        return self.resolver_in(lang_of(record, self.language))

    def resolver_in(self, lang: str) -> Resolver:
        """How the references of a page in `lang` resolve: a page in another language
        than the wiki's own links the glossary terms' versions in its language."""
        return self.snapshot.catalog if lang == self.language else self.in_language(lang)

    def page(self, name: str) -> PageContent:
        record = self.record(name)
        source = self.source(record)
        snapshot = self.snapshot
        return PageContent(
            record=record,
            rendered=self.rendered(record, source),
            source=source,
            change=snapshot.changes.get(record.file),
        )

    def provisional_page(self, name: str) -> PageContent | None:
        """Page `name` read straight from git, for a server still reading the wiki: no
        snapshot is built or waited for, and links are trusted (`Provisional`). None
        when no file holds it (the catalog will know whether it moved)."""
        head = self.storage.head()
        if head is None or not names.is_valid(name):
            return None
        for file in names.candidate_files(name):
            data = self.storage.read_file(head, file)
            if data is not None:
                source = decode(data)
                document = parse_document(source)
                record = PageRecord(name, file, "", scan(source))
                body = document.body
                rendered = render(body, Provisional(), file=file, body_line=document.body_line)
                return PageContent(record, rendered, source, change=None)
        return None

    def preview(self, name: str, text: str) -> tuple[Document, Rendered]:
        """Render unsaved text as page `name` would show it (not cached)."""
        record = self.snapshot.catalog.get(name)
        file = record.file if record else names.new_file_for(name)
        document = parse_document(text)
        resolver = self.resolver_in(lang_in(document.front_matter, self.language))
        rendered = render(document.body, resolver, file=file, body_line=document.body_line)
        return document, rendered

    def suggestions(self, name: str, limit: int = 5) -> list[PageRecord]:
        """Pages whose address or title looks like `name`, for a helpful 404.

        Compares only pages whose address or title sorts near it: difflib over every
        title took 5 s a miss at 100,000 pages."""
        catalog = self.snapshot.catalog
        wanted = name.rsplit("/", 1)[-1].replace("-", " ")
        by_key: dict[str, str] = {}
        for record in catalog.nearby(name, wanted, SUGGESTION_CANDIDATES):
            by_key.setdefault(record.title.casefold(), record.name)
            by_key.setdefault(record.name.rsplit("/", 1)[-1].replace("-", " "), record.name)
        matches = difflib.get_close_matches(wanted.casefold(), by_key, n=limit * 2, cutoff=0.5)
        found = dict.fromkeys(by_key[m] for m in matches)
        return [catalog.pages[n] for n in list(found)[:limit]]


def _is_page(path: str) -> bool:
    return names.name_for_file(path) is not None


def _page_files(files: dict[str, str]) -> dict[str, tuple[str, str]]:
    """{page name: (file, blob)}; `x/index.md` wins over `x.md` for the page `x`."""
    pages: dict[str, tuple[str, str]] = {}
    for path, blob in files.items():
        name = names.name_for_file(path)
        if name is None:
            continue
        if name in pages and not path.endswith("/index.md"):
            continue
        pages[name] = (path, blob)
    return pages
