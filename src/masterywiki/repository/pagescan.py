"""Reading and scanning many pages at once (a cold start), in this process or in
forked ones.

Scanning a page for the catalog (`docinfo.scan`) is pure Python: 100,000 pages take
about 30 s of CPU, which one process cannot share. Each worker reads its share from git
in batches and returns the scans, pickled back (a tenth of the time of scanning).
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from masterywiki.content.docinfo import DocInfo, scan
from masterywiki.content.model import decode
from masterywiki.errors import WikiError
from masterywiki.git.storage import GitStorage
from masterywiki.repository.checkstate import no_collection
from masterywiki.support.forked import ForkedWorkFailed, run_forked

BATCH = 2000  # blobs read by one `git cat-file --batch`: bounds a reader's memory
REPORT_EVERY = 100  # pages scanned between two reports of progress


def scan_blobs(
    storage: GitStorage,
    blobs: list[str],
    also: Callable[[str], object] | None,
    told: Callable[[int], None],
) -> tuple[dict[str, DocInfo], dict[str, object]]:
    """The scan of each of `blobs`, and `also(text)` of each when given, read from git
    in batches (one `cat-file` of 100,000 pages held all their text at once, 800 MB);
    `told` gets the count of pages scanned since it was last told."""
    infos: dict[str, DocInfo] = {}
    extra: dict[str, object] = {}
    pending = 0
    for start in range(0, len(blobs), BATCH):
        for blob, data in storage.read_blobs(blobs[start : start + BATCH]).items():
            text = decode(data)
            infos[blob] = scan(text)
            if also is not None:
                extra[blob] = also(text)
            pending += 1
            if pending == REPORT_EVERY:
                told(pending)
                pending = 0
    if pending:
        told(pending)
    return infos, extra


def read_forked(
    storage: GitStorage,
    wanted: list[str],
    processes: int,
    also: Callable[[str], object] | None,
    report: Callable[[int, int], None] | None,
) -> tuple[dict[str, DocInfo], dict[str, object]]:
    """The scan of each blob of `wanted`, and `also(text)` of each when given; `report`
    is told (pages read, pages to read) as the workers go."""
    done = 0

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if report is not None:
            report(done, len(wanted))

    def share_of(
        share: list[str], told: Callable[[int], None]
    ) -> tuple[dict[str, DocInfo], dict[str, object]]:
        gc.disable()  # a worker ends with its share: collecting only slows it down
        return scan_blobs(storage, share, also, told)

    infos: dict[str, DocInfo] = {}
    extra: dict[str, object] = {}
    try:
        # Unpickling 100,000 pages' scans with the collector on, each of its passes went
        # over all those read so far.
        with no_collection():
            for found, more in run_forked(share_of, wanted, processes, progress):
                infos.update(found)
                extra.update(more)
    except ForkedWorkFailed as error:
        raise WikiError(f"Reading the pages failed: {error}") from None
    return infos, extra
