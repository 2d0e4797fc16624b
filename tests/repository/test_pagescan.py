"""pagescan: a cold start's pages read and scanned in forked processes, as one would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki.content.docinfo import scan
from masterywiki.content.model import decode
from masterywiki.errors import WikiError
from masterywiki.git.storage import GitStorage
from masterywiki.repository import pagescan

FILES = {f"p{i}.md": f"# Page {i}\n\nSee [next](p{i + 1}.md).\n" for i in range(30)}


def test_forked_scans_are_the_serial_ones(
    repo_factory: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = GitStorage(repo_factory(FILES))
    blobs = sorted(storage.tree(storage.head() or "").values())
    told: list[tuple[int, int]] = []
    monkeypatch.setattr(pagescan, "BATCH", 7)  # several batches per worker
    infos, also = pagescan.read_forked(
        storage, blobs, 3, lambda text: len(text), lambda done, total: told.append((done, total))
    )
    data = storage.read_blobs(blobs)
    assert infos == {blob: scan(decode(data[blob])) for blob in blobs}
    assert also == {blob: len(decode(data[blob])) for blob in blobs}
    assert told[-1] == (len(blobs), len(blobs))


def test_a_failed_worker_is_one_clear_error(repo_factory: Callable[..., Path]) -> None:
    storage = GitStorage(repo_factory(FILES))
    blobs = sorted(storage.tree(storage.head() or "").values())

    def broken(text: str) -> object:
        raise ValueError("no")

    with pytest.raises(WikiError, match="ValueError: no"):
        pagescan.read_forked(storage, blobs, 2, broken, None)
