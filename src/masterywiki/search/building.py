"""Writing indexes: full builds (in one process or in forked workers) and updates.

Each segment gets its tables (see `tables`) as it is written: a full build hands the
body stems it analyzed to them, an update computes them for the segments it creates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from whoosh.reading import SegmentReader  # type: ignore[import-untyped]
from whoosh.writing import MERGE_SMALL, SegmentWriter  # type: ignore[import-untyped]

from masterywiki.content.model import decode
from masterywiki.repository.wiki import Snapshot, Wiki
from masterywiki.search import tables
from masterywiki.search.postings import PostingBuffer
from masterywiki.search.schema import StemmingWords, fast_indexers, page_document
from masterywiki.search.store import open_index
from masterywiki.search.values import SearchUnavailable
from masterywiki.support.forked import ForkedWorkFailed, run_forked

Progress = Callable[[int], None] | None
READ_BATCH = 500  # pages read from git in one `cat-file` run: one round trip, not 500


def _add_pages(
    writer: Any,
    wiki: Wiki,
    snapshot: Snapshot,
    names_: Sequence[str],
    progress: Progress,
    language: str,
) -> list[list[str]]:
    """Add pages to a writer; returns each document's body stems, in document order.
    `language` is the wiki's own: of the pages that say none."""
    analyzer = StemmingWords()
    words: list[list[str]] = []
    pages = snapshot.catalog.pages
    done = 0
    for start in range(0, len(names_), READ_BATCH):
        # A page at a time, the round trips to git's process were a fifth of the build.
        records = [pages[name] for name in names_[start : start + READ_BATCH]]
        blobs = wiki.storage.read_blobs({record.blob for record in records})
        for record in records:
            source = decode(blobs[record.blob])
            document = page_document(wiki, snapshot, record, language, source)
            words.append(analyzer.words(document["text"], document["lang"]))
            writer.add_document(**document)
            done += 1
            if progress is not None and done % 20 == 0:
                progress(20)
    if progress is not None and done % 20:
        progress(done % 20)
    return words


class _BuildWriter(SegmentWriter):  # type: ignore[misc]
    """Whoosh's writer of one new segment, for a full build: postings kept by term and
    written a block at a time (see `postings`), the text fields analysed without a
    token object per word (`schema.fast_indexers`). The files are those whoosh writes."""

    def __init__(self, ix: Any, compound: bool) -> None:
        super().__init__(ix, _lk=False, compound=compound)
        self.pool = PostingBuffer()
        self._fast = fast_indexers(self.schema)

    def add_document(self, **values: Any) -> None:
        """As whoosh's `add_document`, for a schema with no term vectors and no separate
        spelling fields (`update` and merges keep whoosh's own writer)."""
        self._check_state()
        perdoc, schema, docnum = self.perdocwriter, self.schema, self.docnum
        add = self.pool.add_field
        names = sorted(name for name in values if not name.startswith("_"))
        self._check_fields(schema, names)
        boost = self._doc_boost(values)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = values[name]
                if value is None:
                    continue
                field = schema[name]
                if field.vector or field.separate_spelling():
                    raise ValueError(f"field {name}: term vectors and spelling not supported")
                length = 0
                if field.indexed:
                    field_boost = self._field_boost(values, name, boost)
                    fast = self._fast.get(name) if isinstance(value, str) else None
                    items = field.index(value) if fast is None else fast(value)
                    counted = add(name, docnum, items, field_boost)
                    length = counted if field.scorable else 0
                shown = values.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, shown if field.stored else None, length)
                if field.column_type and shown is not None:
                    column_value = field.to_column_value(shown)
                    perdoc.add_column_value(name, field.column_type, column_value)
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        self.pool.write(self.fieldwriter, self.schema, lengths, self.docnum)
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()


def _segment_writer(ix: Any, compound: bool) -> Any:
    """A writer of one new segment (see `_BuildWriter`)."""
    return _BuildWriter(ix, compound)


def _write_tables(ix: Any, folder: Path, segment: Any, words: list[list[str]]) -> None:
    reader = SegmentReader(ix.storage, ix.schema, segment)
    try:
        tables.write(folder, segment.segment_id(), reader, words)
    finally:
        reader.close()


def build_here(
    ix: Any, folder: Path, wiki: Wiki, snapshot: Snapshot, progress: Progress, language: str
) -> None:
    """Index every page in this process, into one segment."""
    writer = _segment_writer(ix, compound=True)
    try:
        pages = sorted(snapshot.catalog.pages)
        words = _add_pages(writer, wiki, snapshot, pages, progress, language)
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


def build_in_processes(
    ix: Any,
    folder: Path,
    wiki: Wiki,
    snapshot: Snapshot,
    processes: int,
    progress: Progress,
    language: str,
) -> None:
    """Render and index in `processes` forked workers, one index segment each.

    The segments are joined into one index generation the way whoosh's own
    multi-segment writer does it.
    """

    def index_share(share: list[tuple[int, list[str]]], report: Callable[[Any], None]) -> Any:
        ((number, pages),) = share
        writer = _segment_writer(ix, compound=False)
        words = _add_pages(writer, wiki, snapshot, pages, report, language)
        segment = writer._finalize_segment()
        _write_tables(ix, folder, segment, words)
        return number, segment

    try:
        dealt = list(enumerate(shares(sorted(snapshot.catalog.pages), processes)))
        found = run_forked(index_share, dealt, len(dealt), progress)
    except ForkedWorkFailed as error:
        raise SearchUnavailable(f"Indexing failed: {error}") from None
    # In the order of the shares, not of the workers' finishing, so that each build answers
    # alike: at 100,000 pages the top 10 depends on the segments' order.
    segments = [segment for _, segment in sorted(found, key=lambda item: item[0])]
    writer = ix.writer()
    writer._close_segment()
    writer._commit_toc(segments)
    writer._finish()


def shares(items: Sequence[str], parts: int) -> list[list[str]]:
    """`items` dealt to `parts` workers in turn (none left empty).

    Dealt, not cut in runs, as pages were always shared: a common word's best body
    documents are kept per segment (see `tables`), so which pages share a segment can
    move the results of a large wiki."""
    parts = max(1, min(parts, len(items)))
    return [list(items[part::parts]) for part in range(parts)]


def _merge_policy(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh's own (merge small segments), after dropping segments with no live document."""
    result: list[Any] = MERGE_SMALL(writer, [s for s in segments if s.doc_count() > 0])
    return result


def update(
    folder: Path, wiki: Wiki, snapshot: Snapshot, changed: Iterable[str], language: str
) -> None:
    """Re-index the pages named `changed` (deleting those gone), then add tables for the
    segments this created. Raises whoosh's errors on an unusable index."""
    ix = open_index(folder)
    try:
        writer = ix.writer(timeout=5.0)
        try:
            catalog = snapshot.catalog
            for name in sorted(changed):
                record = catalog.get(name)
                if record is None:
                    writer.delete_by_term("path", name)
                else:
                    writer.update_document(**page_document(wiki, snapshot, record, language))
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
