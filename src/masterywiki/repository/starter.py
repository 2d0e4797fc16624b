"""The starter content as a new wiki gets it, its review dates moved to the day of install.

The starter's framework pages name owners and were last `reviewed` as of
`STARTER_DAY`; installed months later they would all be overdue at once. Each
`reviewed` date moves by the days since then, so on the day of install a few pages
are due for review and none is overdue, whenever that day is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta

STARTER_DAY = date(2026, 12, 1)
_REVIEWED = re.compile(rb"^(reviewed:[ \t]*)(\d{4}-\d{2}-\d{2})([ \t]*)$", re.MULTILINE)


def dated(files: Mapping[str, bytes], today: date) -> dict[str, bytes]:
    """`files` with every page's `reviewed` date moved by `today - STARTER_DAY`."""
    shift = today - STARTER_DAY
    return {path: _moved(data, shift) if path.endswith(".md") else data
            for path, data in files.items()}  # fmt: skip


def _moved(data: bytes, shift: timedelta) -> bytes:
    if not data.startswith(b"---\n") or (end := data.find(b"\n---", 4)) < 0:
        return data

    def move(found: re.Match[bytes]) -> bytes:
        day = date.fromisoformat(found.group(2).decode()) + shift
        return found.group(1) + day.isoformat().encode() + found.group(3)

    return _REVIEWED.sub(move, data[:end]) + data[end:]
