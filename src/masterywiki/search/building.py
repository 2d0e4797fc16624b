"""Writing indexes: full builds (in one process or in forked workers) and updates.

Each segment gets its tables (see `tables`) as it is written: a full build hands the
body stems it analyzed to them, an update computes them for the segments it creates.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from whoosh import index  # type: ignore[import-untyped]
from whoosh.reading import SegmentReader  # type: ignore[import-untyped]
from whoosh.writing import MERGE_SMALL, SegmentWriter  # type: ignore[import-untyped]

from masterywiki.search import tables
from masterywiki.search.schema import StemmingWords, page_document
from masterywiki.search.values import SearchUnavailable
from masterywiki.wiki import Snapshot, Wiki

Progress = Callable[[int], None] | None


def _add_pages(
    writer: Any, wiki: Wiki, snapshot: Snapshot, names_: Iterable[str], progress: Progress
) -> list[list[str]]:
    """Add pages to a writer; returns each document's body stems, in document order."""
    analyzer = StemmingWords()
    words: list[list[str]] = []
    done = 0
    for name in names_:
        document = page_document(wiki, snapshot, snapshot.catalog.pages[name])
        words.append(analyzer.words(document["text"]))
        writer.add_document(**document)
        done += 1
        if progress is not None and done % 20 == 0:
            progress(20)
    if progress is not None and done % 20:
        progress(done % 20)
    return words


def _write_tables(ix: Any, folder: Path, segment: Any, words: list[list[str]]) -> None:
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        tables.write(folder, segment.segment_id(), reader, words)
    finally:
        reader.close()


def build_here(ix: Any, folder: Path, wiki: Wiki, snapshot: Snapshot, progress: Progress) -> None:
    """Index every page in this process, into one segment."""
    writer = SegmentWriter(ix, _lk=False, limitmb=256)
    try:
        words = _add_pages(writer, wiki, snapshot, sorted(snapshot.catalog.pages), progress)
        segments = []
        if words:
            segment = writer._finalize_segment()
            _write_tables(ix, folder, segment, words)
            segments.append(segment)
        else:
            writer._close_segment()
        writer._commit_toc(segments)
        writer._finish()
    except BaseException:
        writer.cancel()
        raise


def _segment_worker(
    ix: Any, folder: Path, wiki: Wiki, snapshot: Snapshot, share: list[str], results: Any
) -> None:
    """In a forked process: render and index `share` into a segment of its own."""
    try:
        writer = SegmentWriter(ix, _lk=False, limitmb=192, compound=False)
        words = _add_pages(writer, wiki, snapshot, share, lambda n: results.put(("progress", n)))
        segment = writer._finalize_segment()
        _write_tables(ix, folder, segment, words)
        results.put(("segment", segment))
    except BaseException as error:
        results.put(("error", f"{type(error).__name__}: {error}"))


def build_in_processes(
    ix: Any, folder: Path, wiki: Wiki, snapshot: Snapshot, processes: int, progress: Progress
) -> None:
    """Render and index in `processes` forked workers, one index segment each.

    Rendering and analysis are pure Python, so this is the only way to use more than one
    core. The segments are joined into one index generation the way whoosh's own
    multi-segment writer does it.
    """
    names_ = sorted(snapshot.catalog.pages)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(
            target=_segment_worker,
            args=(ix, folder, wiki, snapshot, names_[i::processes], results),
            daemon=True,
        )
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    segments: list[Any] = []
    errors: list[str] = []
    try:
        while len(segments) + len(errors) < len(workers):
            try:
                kind, value = results.get(timeout=5)
            except queue.Empty:
                if not any(w.is_alive() for w in workers) and results.empty():
                    errors.append("an indexing process died")
                continue
            if kind == "progress" and progress is not None:
                progress(value)
            elif kind == "segment":
                segments.append(value)
            elif kind == "error":
                errors.append(value)
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    if errors:
        raise SearchUnavailable(f"Indexing failed: {errors[0]}")
    writer = ix.writer()
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()


def _merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's own (merge small segments), after dropping segments with no live document."""
    result: list[Any] = MERGE_SMALL(writer, [s for s in segments if s.doc_count() > 0])
    return result


def update(folder: Path, wiki: Wiki, snapshot: Snapshot, changed: Iterable[str]) -> None:
    """Re-index the pages named `changed` (deleting those gone), then add tables for the
    segments this created. Raises whoosh's errors on an unusable index."""
    ix = index.open_dir(str(folder))
    try:
        writer = ix.writer(timeout=5.0)
        try:
            catalog = snapshot.catalog
            for name in sorted(changed):
                record = catalog.get(name)
                if record is None:
                    writer.delete_by_term("path", name)
                else:
                    writer.update_document(**page_document(wiki, snapshot, record))
            writer.commit(mergetype=_merge_policy)
        except BaseException:
            writer.cancel()
            raise
        ensure_tables(ix, folder)
    finally:
        ix.close()


def ensure_tables(ix: Any, folder: Path) -> None:
    """Compute the tables of any segment that has none (from its stored text)."""
    reader = ix.reader()
    try:
        for leaf, _ in reader.leaf_readers():
            if not hasattr(leaf, "segment"):
                continue
            segment_id = leaf.segment().segment_id()
            if not (folder / f"{segment_id}.{tables.TABLES_EXT}").exists():
                tables.write(folder, segment_id, leaf, tables.words_of_stored(leaf))
    finally:
        reader.close()
