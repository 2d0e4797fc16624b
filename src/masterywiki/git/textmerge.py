"""Three-way merge of texts with `git merge-file`: edit conflicts and git sync use it.

It runs git on temporary files and never opens a repository, so it needs no
`GitStorage`; it sits in the storage layer only because it runs git.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from masterywiki.errors import RepositoryBusy

EDIT_LABELS = ("your version", "original", "saved meanwhile")


@dataclass(frozen=True)
class Merge:
    """The result of a three-way merge of texts; `conflicts` counts conflict blocks."""

    text: str
    conflicts: int


def merge(base: str, ours: str, theirs: str, labels: tuple[str, str, str] = EDIT_LABELS) -> Merge:
    """Three-way merge of texts with `git merge-file`; `labels` name ours, base
    and theirs in the conflict markers (the base shows only in diff3 style).
    Raises RepositoryBusy if git merge-file fails rather than reporting conflicts."""
    with tempfile.TemporaryDirectory(prefix="masterywiki-merge-") as folder:
        paths = []
        for label, text in (("yours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / label
            path.write_text(text, encoding="utf-8")  # read back as UTF-8 below
            paths.append(str(path))
        result = subprocess.run(
            ["git", "merge-file", "-p", "-L", labels[0], "-L", labels[1],
             "-L", labels[2], *paths],
            capture_output=True, check=False,
        )  # fmt: skip
    # The exit code counts conflicts (at most 127); an error exits 255, a signal is negative.
    if result.returncode < 0 or result.returncode > 127:
        raise RepositoryBusy("git merge-file failed")
    return Merge(result.stdout.decode("utf-8", "replace"), result.returncode)
