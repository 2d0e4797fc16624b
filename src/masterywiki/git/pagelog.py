"""One file's changes, newest first, across renames, with one trailer of each message.

Read confirmations need what `GitStorage.log` leaves out: whether a commit only moved
the file (git's `R100`, text kept) and a trailer of the commit message (such as
`Minor-change: yes`). Read as a stream, so a caller that has found what it wants
stops git there instead of reading the file's whole history.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime

from masterywiki.git.parse import unquote_path
from masterywiki.git.storage import GitStorage

TRAILER_KEY = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,60}")


@dataclass(frozen=True)
class FileChange:
    commit: str
    date: datetime
    path: str  # the file's path after this commit
    trailer: str  # the value of the asked-for trailer, "" when the message has none
    moved_only: bool  # renamed with its text unchanged: the content did not change


def file_changes(
    storage: GitStorage, path: str, head: str, trailer: str
) -> Generator[FileChange, None, None]:
    """The commits up to `head` that touched `path` (following it back across renames),
    newest first, each with the value of the message's trailer `trailer`.
    Close the iterator (or let it run out) to stop git."""
    if not TRAILER_KEY.fullmatch(trailer):
        raise ValueError(f"not a trailer key: {trailer!r}")
    fields = f"%x1e%H%x1f%at%x1f%(trailers:key={trailer},valueonly,separator=%x2C)"
    cmd = [
        "git", "-C", str(storage.path), "-c", "core.quotePath=false", "log", "--follow", "-M",
        "--name-status", f"--format={fields}", head, "--", path,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    try:
        header: list[str] | None = None
        status: list[str] = []
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            if line.startswith("\x1e"):
                if header is not None:
                    yield _change(header, status, path)
                header, status = line[1:].split("\x1f", 2), []
            elif line and "\t" in line and not status:
                status = line.split("\t")
        if header is not None:
            yield _change(header, status, path)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def _change(header: list[str], status: list[str], fallback: str) -> FileChange:
    sha, stamp, value = [*header, "", "", ""][:3]
    letter = status[0] if status else "M"
    moved_only = letter == "R100"
    where = unquote_path(status[-1]) if len(status) >= 2 else fallback
    date = datetime.fromtimestamp(int(stamp or 0), tz=UTC)
    return FileChange(sha, date, where, value.strip(), moved_only)
