"""The search service: keeps one process's index fresh, safe and open. No Flask here.

The index lives in `INSTANCE/search/` and is derived from git: `state.json` names the
index folder in use and the commit it reflects. Before each search the service compares
that commit with HEAD and applies the diff (pages edited, renamed or deleted, in the app
or outside it). Writers in any process are serialized by an `fcntl` lock on
`search/write.lock`; a reader never waits for it: when another process is writing, it
searches the slightly older index. A missing or unreadable index is rebuilt from git
into a fresh folder, and `state.json` is switched to it atomically, so other processes
keep reading the old folder until they notice.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from whoosh import query  # type: ignore[import-untyped]
from whoosh.filedb.filestore import FileStorage  # type: ignore[import-untyped]

from masterywiki.content import names
from masterywiki.errors import RevisionNotFound
from masterywiki.repository.wiki import Wiki
from masterywiki.search import building, queries
from masterywiki.search.docs import Docs
from masterywiki.search.languages import ENGLISH, base_language
from masterywiki.search.opened import Holder, Opened
from masterywiki.search.schema import make_schema, plain_words
from masterywiki.search.store import (
    BuildProgress,
    State,
    WriteLock,
    open_index,
    read_progress,
    read_state,
    write_state,
)
from masterywiki.search.synonyms import Synonyms
from masterywiki.search.tables import SegmentTables, TablesMissing
from masterywiki.search.titlesearch import TitleNames, title_results, title_suggestions
from masterywiki.search.values import (
    FACETS,
    PAGE_SIZE,
    SearchResults,
    SearchUnavailable,
    Suggestion,
)
from masterywiki.search.vocabulary import vocabulary_of

log = logging.getLogger(__name__)
MISSING_BUILD_WAIT = 3600.0  # seconds a build `if_missing` waits for another one
WAIT_FOR_PAGES = 2000  # a search waits for a first index of a wiki of this many files


class SearchService:
    """Search over one wiki, safe to share between the threads of one process."""

    def __init__(
        self, wiki: Wiki, folder: Path, *, wait: float = 20.0, language: str = ENGLISH
    ) -> None:
        """`language`: the wiki's own, that of the pages that say none (setting `language`)."""
        self.wiki = wiki
        self.language = language
        self.folder = Path(folder)
        self.wait = wait  # how long a search waits for an index that does not exist yet
        self.schema = make_schema()
        self._lock = threading.RLock()
        self._write_lock = WriteLock(self.folder / "write.lock")
        self._holder = Holder()
        weakref.finalize(self, self._holder.close)
        self._building: threading.Thread | None = None
        self._build_error: BaseException | None = None
        # Builds a missing index in another process (a server's: the build's memory is
        # given back when it ends); None builds it in this one.
        self.builder: Callable[[], None] | None = None
        self._vocabulary: tuple[str, queries.Vocabulary] | None = None  # at a commit
        self._title_names = TitleNames()  # searched while there is no index yet

    @property
    def _open(self) -> Opened | None:
        return self._holder.open

    @_open.setter
    def _open(self, value: Opened | None) -> None:
        self._holder.open = value

    def read_state(self) -> State | None:
        return read_state(self.folder)

    # -- building and updating (under the write lock) ------------------------------

    def rebuild(
        self,
        progress: Callable[[int], None] | None = None,
        processes: int = 1,
        if_missing: bool = False,
    ) -> int:
        """Index every page at HEAD into a new folder and switch to it; returns the count.

        With `processes` > 1, pages are rendered in forked worker processes (for the CLI:
        forking a threaded server is unsafe). With `if_missing`, only when there is no
        index (0 otherwise), waiting as long as another process is building one: what
        each server process of a large wiki asks for at start. Raises SearchUnavailable
        when another process holds the write lock for longer than the wait time.
        """
        wait = MISSING_BUILD_WAIT if if_missing else max(self.wait, 60.0)
        with self._write_lock.held(wait) as got:
            if not got:
                raise SearchUnavailable("Another process is updating the search index.")
            if if_missing and self.read_state() is not None:
                return 0
            return self._rebuild_locked(progress, processes)

    def _rebuild_locked(self, progress: Callable[[int], None] | None, processes: int) -> int:
        snapshot = self.wiki.refresh()
        self.folder.mkdir(parents=True, exist_ok=True)
        counter = BuildProgress(self.folder, len(snapshot.catalog))

        def counted(pages: int) -> None:
            counter(pages)
            if progress is not None:
                progress(pages)

        name = f"index-{secrets.token_hex(4)}"
        target = self.folder / name
        target.mkdir()
        try:
            ix = FileStorage(str(target), supports_mmap=False).create_index(self.schema)
            count = len(snapshot.catalog)
            if processes > 1 and count >= 200:
                building.build_in_processes(
                    ix, target, self.wiki, snapshot, processes, counted, self.language
                )
            else:
                building.build_here(ix, target, self.wiki, snapshot, counted, self.language)
            ix.close()
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        finally:
            counter.finish()
        write_state(self.folder, State(name, snapshot.commit or ""))
        for old in self.folder.glob("index-*"):
            if old.name != name:
                shutil.rmtree(old, ignore_errors=True)
        log.info("search index rebuilt: %d pages at %s", count, snapshot.commit)
        return count

    def progress(self) -> tuple[int, int]:
        """(pages indexed, pages) of a full build under way in any process, else (0, 0)."""
        return read_progress(self.folder)

    def _update_locked(self, state: State) -> None:
        """Bring the index from `state.commit` to HEAD. Raises on an unusable index."""
        snapshot = self.wiki.refresh()
        head = snapshot.commit or ""
        if state.commit == head:
            return
        if state.commit and head:
            changed = self.wiki.storage.changed_paths(state.commit, head)
        else:
            changed = set(snapshot.files) | {"index.md"}
        affected = {n for n in map(names.name_for_file, changed) if n is not None}
        if affected:
            building.update(
                self.folder / state.folder, self.wiki, snapshot, affected, self.language
            )
        write_state(self.folder, State(state.folder, head))

    def _bring_up_to_date(self, timeout: float) -> bool:
        """Update or rebuild the index under the write lock; False if the lock is busy."""
        with self._write_lock.held(timeout) as got:
            if not got:
                return False
            state = self.read_state()
            if state is None or not (self.folder / state.folder).is_dir():
                self._rebuild_locked(None, 1)
                return True
            try:
                self._update_locked(state)
            except RevisionNotFound:
                self._rebuild_locked(None, 1)  # the indexed commit is gone (history rewritten)
            except Exception:
                log.warning("search index unusable; rebuilding it", exc_info=True)
                self._rebuild_locked(None, 1)
            return True

    # -- freshness for readers ---------------------------------------------------------

    def refresh(self, wait: bool = True) -> None:
        """Make this process's searcher reflect HEAD.

        A reader never waits for another process's write: if the index exists but is
        behind and the lock is busy, the older index is used. Only when there is no
        index at all does this wait (up to `self.wait` s, then SearchUnavailable).
        """
        head = self.wiki.refresh().commit or ""
        with self._lock:
            if self._open is not None and self._open.state.commit == head:
                return
            state = self.read_state()
            if state is not None and state.commit != head:
                self._bring_up_to_date(timeout=0)
                state = self.read_state()
            if state is None:
                self._build_missing(wait)
                state = self.read_state()
                if state is None:
                    done, total = self.progress()
                    so_far = f": {done:,} of {total:,} pages so far" if total else ""
                    raise SearchUnavailable(
                        f"The search index is being built{so_far}. Try again in a moment."
                    )
            self._switch_to(state)

    def warm(self) -> None:
        """Open the current index, load its tables and the synonyms, as they are: never
        builds or updates the index (the first search does). For a server's start, so
        that its first search is as fast as the next ones."""
        state = self.read_state()
        if state is None:
            return
        try:
            with self._lock:
                if self._open is None:
                    self._switch_to(state)
                if self._open is not None and self._open.docs is None:
                    self._holder.docs(self.folder).warm()
            self.vocabulary()
        except Exception:  # the first search finds it again, and recovers
            log.warning("could not open the search index", exc_info=True)
            self._reset()

    def _build_missing(self, wait: bool) -> None:
        """Build the first index in a background thread, waiting for it up to `wait` s."""
        if self._building is None or not self._building.is_alive():
            self._build_error = None

            def build() -> None:
                try:
                    if self.builder is not None:
                        self.builder()  # returns when the other process is done
                    self._bring_up_to_date(timeout=max(self.wait, 60.0))
                except BaseException as error:  # reported to the waiting request
                    self._build_error = error
                    log.exception("building the search index failed")

            self._building = threading.Thread(target=build, name="search-index", daemon=True)
            self._building.start()
        # A search waits for a small wiki's first index; of a large one, it answers from
        # the pages' names at once instead, saying how far the build has got.
        long = wait and self.wiki.file_count() > WAIT_FOR_PAGES
        deadline = time.monotonic() + (self.wait if wait and not long else 0.0)
        while self._building.is_alive() and time.monotonic() < deadline:
            self._building.join(0.1)
        if self._build_error is not None:
            raise self._build_error

    def start_building(self) -> None:
        """Build a missing index now, in the background (a large wiki's first start),
        rather than on the first search."""
        if self.read_state() is None:
            with self._lock:
                self._build_missing(wait=False)

    def warm_titles(self) -> None:
        """While there is no index, read the pages' names that searches answer from
        meanwhile (see `titlesearch`): a second at 100,000 pages, paid here, not by the
        first reader."""
        if self.read_state() is None:
            self._title_names.of(self.wiki.snapshot.catalog)

    def drop_titles(self) -> None:
        """Let the pages' names go, once the index is there."""
        if self.read_state() is not None:
            self._title_names.forget()

    def wait_for_building(self) -> None:
        """Return once a background build this process started has ended (at once if
        none has); its errors are the first search's to report."""
        building = self._building
        if building is not None:
            building.join()

    def _switch_to(self, state: State) -> None:
        current = self._open
        if current is not None and current.state.folder == state.folder:
            if not current.searcher.up_to_date():
                # Not `searcher.refresh()`: it reuses segment readers whose deletions
                # are out of date, so an edited page would be found twice.
                old, current.searcher = current.searcher, current.index.searcher()
                if current.docs is not None:
                    current.docs.close()
                current.docs = None
                old.close()
            current.state = state
            return
        ix = open_index(self.folder / state.folder)
        self._open = Opened(state, ix, ix.searcher())
        if current is not None:
            current.close()

    def _searcher(self) -> tuple[Any, Docs]:
        self.refresh()
        with self._lock:
            docs = self._holder.docs(self.folder)
            return docs.searcher, docs

    def _healthy(self, state: State) -> bool:
        """Whether the index in `state` opens and reads: a probe after a failed search."""
        folder = self.folder / state.folder
        try:
            ix = open_index(folder)
            with ix.searcher() as searcher:
                reader = searcher.reader()
                for docnum in range(min(reader.doc_count_all(), 50)):
                    if not reader.is_deleted(docnum):
                        searcher.stored_fields(docnum)
                for field in ("path", "title"):
                    for _ in zip(range(50), reader.lexicon(field), strict=False):
                        pass
                list(searcher.docs_for_query(query.Term("type", "term")))
                for leaf, _ in reader.leaf_readers():
                    if hasattr(leaf, "segment"):
                        with contextlib.suppress(TablesMissing):
                            found = SegmentTables.load(folder, leaf.segment().segment_id())
                            try:
                                found.check()
                            finally:
                                found.close()
            ix.close()
            return True
        except Exception:
            return False

    def _reset(self) -> None:
        with self._lock:
            self._holder.close()

    def _with_recovery(self, run: Callable[[Any, Docs], Any]) -> Any:
        """Run a search; if it fails, reopen the index, and rebuild it if it is corrupt."""
        try:
            searcher, docs = self._searcher()
            return run(searcher, docs)
        except SearchUnavailable:
            raise
        except Exception:
            log.warning("search failed; reopening the index", exc_info=True)
        self._reset()
        state = self.read_state()
        if state is None or not self._healthy(state):
            log.warning("the search index is unreadable; rebuilding it from git")
            with self._write_lock.held(max(self.wait, 60.0)) as got:
                if not got:
                    raise SearchUnavailable("The search index is being rebuilt.")
                current = self.read_state()
                if current is None or current == state or not self._healthy(current):
                    self._rebuild_locked(None, 1)
        searcher, docs = self._searcher()
        return run(searcher, docs)

    def close(self) -> None:
        self._reset()

    # -- vocabulary: synonyms and term names, per catalog version --------------------------

    def vocabulary(self) -> queries.Vocabulary:
        """Synonyms per language, term names and translations, built once per commit."""
        snapshot = self.wiki.refresh()
        cached = self._vocabulary
        if cached is not None and cached[0] == snapshot.commit:
            return cached[1]
        found = vocabulary_of(self.wiki, snapshot, self.language)
        self._vocabulary = (snapshot.commit or "", found)
        return found

    # -- searching --------------------------------------------------------------------------

    def search(
        self,
        text: str,
        filters: Mapping[str, Sequence[str]] | None = None,
        page: int = 1,
        page_size: int = PAGE_SIZE,
        lang: str | None = None,
    ) -> SearchResults:
        """Results for a query string, pages in `lang` (the reader's language; default the
        wiki's own) first. Raises SearchUnavailable if there is no index yet."""
        text = " ".join(text.split())[:500]
        chosen = {
            f: tuple(dict.fromkeys(v for v in (filters or {}).get(f, ()) if v)) for f in FACETS
        }
        chosen = {f: v for f, v in chosen.items() if v}
        page = max(1, page)
        if not text and not chosen:
            return SearchResults(text, chosen, 0, page, page_size)

        def run(searcher: Any, docs: Docs) -> SearchResults:
            catalog = self.wiki.snapshot.catalog
            answer = queries.Answer(searcher, docs, catalog, self.vocabulary(), lang)
            return answer.results(text, chosen, page, page_size)

        try:
            result: SearchResults = self._with_recovery(run)
        except SearchUnavailable:  # no index yet (or being rebuilt): titles meanwhile
            snapshot = self.wiki.snapshot
            table = self._title_names.of(snapshot.catalog)
            return title_results(
                table, snapshot.catalog, text, chosen, page, page_size,
                self.progress(), snapshot.changes, self.language,
            )  # fmt: skip
        self._title_names.forget()  # searched through the index: its names are not needed
        return result

    def parse(self, text: str, synonyms: Synonyms | None = None) -> tuple[Any, list[str]]:
        """The whoosh query for a query string, and the synonyms it was expanded with."""
        found = synonyms or self.vocabulary().synonyms_in(base_language(self.language))
        return queries.parse(self.schema, text, found)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Pages whose title or alias starts with the words typed so far (search as you type),
        accents optional."""
        words = list(plain_words(text))
        if not words or (len(words[-1]) < 2 and len(words) == 1):
            return []

        def run(searcher: Any, _docs: Docs) -> list[Suggestion]:
            return queries.suggestions(searcher, self.wiki.snapshot.catalog, words, limit)

        try:
            result: list[Suggestion] = self._with_recovery(run)
        except SearchUnavailable:  # no index yet: titles and aliases meanwhile
            catalog = self.wiki.snapshot.catalog
            return title_suggestions(self._title_names.of(catalog), catalog, text, limit)
        self._title_names.forget()
        return result
