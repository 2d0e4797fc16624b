"""`check`'s results kept in the instance between runs (`cache/check.state`).

What is kept is checked page by page against the catalog (see content/checkcache),
so it holds whatever happened to the repository meanwhile: a pull, a force push or
another repository altogether only means more pages to render. What it cannot see
is a change of masterywiki itself (the renderer's code or its markdown libraries):
then the file is ignored and every page is rendered. A missing, damaged or
unreadable file is ignored the same way, never an error.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import marshal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path

from masterywiki.content.checkcache import Kept, PageCheck
from masterywiki.support.wholefile import write_whole

log = logging.getLogger(__name__)
STATE_FILE = "check.state"  # marshal: written and read by this Python only
_FORMAT = 2
_OLD_STATE_FILE = "check.pickle"  # format 1, pickled objects
_LIBRARIES = ("markdown-it-py", "mdit-py-plugins")


@contextmanager
def no_collection() -> Iterator[None]:
    """Without the cyclic garbage collector for a while: it ran again and again while
    100,000 pages' objects were read back (none of them garbage), tripling the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cache
def code_version() -> str:
    """The package's code, Python's and the markdown libraries' versions, as one digest."""
    digest = hashlib.sha1(f"{_FORMAT} {sys.version}".encode())  # marshal is per version
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
        with no_collection():
            data = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged file: render everything, and replace it
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None
    if not (isinstance(data, tuple) and len(data) == 3 and data[:2] == (_FORMAT, code_version())):
        return None  # another version of masterywiki (or of Python) kept these
    try:
        names, blobs, files, asked, problems, anchors, keys, answers = data[2]
        rows = zip(blobs, files, asked, problems, anchors, strict=True)
        with no_collection():
            pages = dict(zip(names, map(PageCheck._make, rows), strict=True))
        return Kept(pages, dict(zip(keys, answers, strict=True)))
    except (TypeError, ValueError) as exc:
        log.warning("ignoring %s: not a check state (%s)", path, exc)
        return None


def save(cache_dir: Path, kept: Kept) -> None:
    """Keep `kept` for the next run (written then renamed: never half a file)."""
    path = cache_dir / STATE_FILE
    pages = kept.pages
    # In columns of plain strings and tuples, which marshal reads back five times
    # faster than pickle reads objects (100,000 pages at each run).
    columns = (list(pages), *map(list, zip(*pages.values(), strict=True)))
    if not pages:
        columns = ([], [], [], [], [], [])
    data = (_FORMAT, code_version(), (*columns, list(kept.answers), list(kept.answers.values())))
    try:
        write_whole(path, lambda handle: marshal.dump(data, handle), ".check-")
        (cache_dir / _OLD_STATE_FILE).unlink(missing_ok=True)  # an older version's
    except OSError as exc:  # results are a cache: the check itself still succeeded
        log.warning("could not keep check results in %s: %s", path, exc)
