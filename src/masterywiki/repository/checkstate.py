"""`check`'s results kept in the instance between runs (`cache/check.pickle`).

What is kept is checked page by page against the catalog (see content/checkcache),
so it holds whatever happened to the repository meanwhile: a pull, a force push or
another repository altogether only means more pages to render. What it cannot see
is a change of masterywiki itself (the renderer's code or its markdown libraries):
then the file is ignored and every page is rendered. A missing, damaged or
unreadable file is ignored the same way, never an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from functools import cache
from importlib import metadata
from pathlib import Path

from masterywiki.content.checkcache import Kept, PageCheck

log = logging.getLogger(__name__)
STATE_FILE = "check.pickle"
_FORMAT = 1
_LIBRARIES = ("markdown-it-py", "mdit-py-plugins")


@cache
def code_version() -> str:
    """The package's code and the markdown libraries' versions, as one digest."""
    digest = hashlib.sha1(f"{_FORMAT}".encode())
    package = Path(__file__).resolve().parent.parent  # the masterywiki package
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=-".encode())
    return digest.hexdigest()


def load(cache_dir: Path) -> Kept | None:
    """The results an earlier `check` kept, or None when there are none it can use."""
    path = cache_dir / STATE_FILE
    try:
        with path.open("rb") as handle:
            data = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged file: render everything, and replace it
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None
    if not (
        isinstance(data, dict)
        and data.get("format") == _FORMAT
        and data.get("code") == code_version()
    ):
        return None  # another version of masterywiki kept these
    pages, answers = data.get("pages"), data.get("answers")
    if not (
        isinstance(pages, dict)
        and isinstance(answers, dict)
        and all(isinstance(p, PageCheck) for p in pages.values())
    ):
        log.warning("ignoring %s: not a check state", path)
        return None
    return Kept(pages, answers)


def save(cache_dir: Path, kept: Kept) -> None:
    """Keep `kept` for the next run (written then renamed: never half a file)."""
    path = cache_dir / STATE_FILE
    data = {"format": _FORMAT, "code": code_version(), "pages": kept.pages, "answers": kept.answers}
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".check-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:  # results are a cache: the check itself still succeeded
        log.warning("could not keep check results in %s: %s", path, exc)
