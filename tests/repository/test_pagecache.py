"""The page cache file: written whole or not at all, and no half-written files left."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from masterywiki.repository import pagecache
from masterywiki.repository.pagecache import Cached
from masterywiki.support.wholefile import STALE_AFTER


def test_a_cache_is_read_back_and_its_size_known_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / pagecache.FILE_NAME
    pagecache.save(path, Cached("a" * 40, {}, {}))
    assert pagecache.load(path) == Cached("a" * 40, {}, {})
    assert pagecache.pages_in(path) == 0


def test_half_written_caches_of_killed_processes_are_removed_once_old(tmp_path: Path) -> None:
    abandoned = tmp_path / ".pages-killed.tmp"  # what a process killed mid-write leaves
    abandoned.write_bytes(b"half a cache")
    old = time.time() - STALE_AFTER - 60
    os.utime(abandoned, (old, old))
    being_written = tmp_path / ".pages-writing.tmp"  # another process's, right now
    being_written.write_bytes(b"a cache on its way")
    unrelated = tmp_path / "notes.tmp"
    unrelated.write_bytes(b"not ours")
    os.utime(unrelated, (old, old))
    pagecache.save(tmp_path / pagecache.FILE_NAME, Cached(None, {}, {}))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".pages-writing.tmp", "notes.tmp", pagecache.FILE_NAME,
    ]  # fmt: skip


def test_a_cache_that_cannot_be_written_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / pagecache.FILE_NAME
    pagecache.save(path, Cached("b" * 40, {}, {}))

    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pagecache.pickle, "dump", full_disk)
    pagecache.save(path, Cached("c" * 40, {}, {}))
    assert [p.name for p in tmp_path.iterdir()] == [pagecache.FILE_NAME]
    monkeypatch.undo()
    assert pagecache.load(path) == Cached("b" * 40, {}, {})  # the old one, whole
