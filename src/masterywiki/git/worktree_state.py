"""What the last work-tree update left: its record file in the git folder, and the
status `/-/healthz` shows."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from masterywiki.git.parse import is_sha

log = logging.getLogger(__name__)
RECORD_FILE = "masterywiki-worktree.json"


@dataclass(frozen=True)
class WorkTreeStatus:
    """What `/-/healthz` shows: `ok`, `diverged` (files left with a local change),
    `failing` (the last update did not run to the end) or `bare` (no work tree)."""

    state: str
    files: tuple[str, ...] = ()
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {"state": self.state, "files": list(self.files)}
        if self.error:
            found["error"] = self.error
        return found


@dataclass(frozen=True)
class Record:
    commit: str | None  # the commit git's index was last brought to
    diverged: tuple[str, ...] = ()
    error: str | None = None


def read_record(git_dir: Path) -> Record | None:
    """The record of the last update, or None when missing or damaged (logged)."""
    path = git_dir / RECORD_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        data = exc
    fields = data if isinstance(data, dict) else {}
    commit, diverged, error = (fields.get(k) for k in ("commit", "diverged", "error"))
    if (
        not fields
        or not (commit is None or (isinstance(commit, str) and is_sha(commit)))
        or not (isinstance(diverged, list) and all(isinstance(p, str) for p in diverged))
        or not isinstance(error, str | None)
    ):
        log.warning("ignoring %s: not a readable work-tree record", path)
        return None
    return Record(commit, tuple(diverged), error)


def write_record(git_dir: Path, record: Record) -> None:
    data = {"commit": record.commit, "diverged": list(record.diverged), "error": record.error}
    tmp = git_dir / f".{RECORD_FILE}.tmp"
    tmp.write_text(json.dumps(data))
    os.replace(tmp, git_dir / RECORD_FILE)
