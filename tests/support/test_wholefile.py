"""Files written whole or not at all; what killed writers left is removed once old."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import BinaryIO

import pytest

from masterywiki.support.wholefile import STALE_AFTER, write_whole


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kept.bin"
    write_whole(path, lambda handle: handle.write(b"old"), ".kept-")

    def half_then_fail(handle: BinaryIO) -> None:
        handle.write(b"half of the new")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_whole(path, half_then_fail, ".kept-")
    assert [p.name for p in tmp_path.iterdir()] == ["kept.bin"]
    assert path.read_bytes() == b"old"


def test_only_old_temporary_files_of_the_same_kind_are_removed(tmp_path: Path) -> None:
    old = time.time() - STALE_AFTER - 60
    for name in (".kept-killed.tmp", ".other-killed.tmp", "notes.tmp"):
        (tmp_path / name).write_bytes(b"left behind")
        os.utime(tmp_path / name, (old, old))
    (tmp_path / ".kept-writing.tmp").write_bytes(b"another process's, right now")
    write_whole(tmp_path / "kept.bin", lambda handle: handle.write(b"new"), ".kept-")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".kept-writing.tmp", ".other-killed.tmp", "kept.bin", "notes.tmp",
    ]  # fmt: skip
