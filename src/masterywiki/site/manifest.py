"""What lets a build into the same folder redo only what changed: each page's inputs
as one key, the manifest an earlier build left, and removing the files it no longer
writes."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from masterywiki.repository.wiki import Snapshot
from masterywiki.resources import templates_dir
from masterywiki.settings import Settings

log = logging.getLogger(__name__)
BUILD_FORMAT = 3  # 2: page keys only, the search index's entries kept by part; 3: packed
MANIFEST_FILE = ".masterywiki-build.json"


@cache
def code_digest() -> str:
    """Templates, code and the interface's catalogs: a change re-renders every page."""
    digest = hashlib.sha1(f"{BUILD_FORMAT}".encode())
    package = Path(__file__).resolve().parent.parent  # the masterywiki package
    for path in sorted(
        [*templates_dir().glob("*"), *package.rglob("*.py"), *package.rglob("*.mo")]
    ):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def page_keys(snapshot: Snapshot, settings: Settings) -> dict[str, str]:
    """Each page's inputs: what its HTML depends on, as one digest."""
    catalog = snapshot.catalog
    nav = hashlib.sha1()
    for name in sorted(catalog.pages):
        nav.update(f"{name}:{','.join(catalog.children(name))};".encode())
    common = (
        f"{code_digest()}|{settings.site_name}|{settings.language}|{settings.protected_sections}|"
        f"{catalog.version}|{nav.hexdigest()}"
    )
    keys: dict[str, str] = {}
    for name, record in catalog.pages.items():
        change = snapshot.changes.get(record.file)
        when = f"{change.commit}" if change else ""
        see_also = ",".join(r.name for r in catalog.related_by_type(name))
        files = ",".join(
            f"{k}={v}" for k, v in sorted(snapshot.attachments.get(record.file, {}).items())
        )
        text = f"{common}|{record.blob}|{record.file}|{when}|{see_also}|{files}"
        keys[name] = hashlib.sha1(text.encode()).hexdigest()
    return keys


def site_views_key(snapshot: Snapshot, settings: Settings) -> str:
    """What the site views (glossary, index, resources, tags, the search page) show, as
    one digest: every page's title, summary, type and front matter (the catalog
    version and the front matter), the navigation, resources' last changes, settings
    and code. A body edit below a page's summary leaves it unchanged, so an
    incremental build does not fetch the views again."""
    catalog = snapshot.catalog
    digest = hashlib.sha1(f"{code_digest()}|{settings!r}|{catalog.version}".encode())
    for name in sorted(catalog.pages):
        record = catalog.pages[name]
        digest.update(f"{name}:{catalog.children(name)}:{record.info.front_matter!r}".encode())
        if record.type == "resource" and (change := snapshot.changes.get(record.file)):
            digest.update(f"@{change.commit}".encode())
    return digest.hexdigest()


def pack_keys(keys: dict[str, str]) -> str:
    """Page keys as `name key` lines: a tenth of the time of a JSON object to write."""
    return "\n".join(f"{name} {keys[name]}" for name in sorted(keys))


def unpack_keys(packed: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in packed.splitlines())


def read_kept_json(path: Path) -> Any:
    """What an earlier build kept in `path`, or None when it is missing or unreadable
    (logged): the build then does that part's work again rather than stop."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None


def read_manifest(out: Path) -> dict[str, Any]:
    """The last build's manifest; {} (build everything) when it is missing, of another
    format or of the wrong shape (logged), which would otherwise stop the build."""
    path = out / MANIFEST_FILE
    data = read_kept_json(path)
    if data is None:
        return {}
    if isinstance(data, dict) and data.get("format") != BUILD_FORMAT:
        return {}
    fields = data if isinstance(data, dict) else {}
    pages, files = fields.get("pages"), fields.get("files")
    search, skipped = fields.get("search", []), fields.get("skipped", [])
    if not (
        isinstance(pages, str)
        and all(" " in line for line in pages.splitlines())
        and isinstance(skipped, list)
        and all(isinstance(url, str) for url in skipped)
        and isinstance(files, list)
        and all(isinstance(f, str) for f in files)
        and isinstance(search, list)
        and all(isinstance(key, str) for key in search)
        and isinstance(views := fields.get("views", {}), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in views.items())
    ):
        log.warning("ignoring %s: not a build manifest", path)
        return {}
    return fields


def remove_stale(out: Path, before: Iterable[str], now: set[str]) -> int:
    """Delete files an earlier build wrote and this one did not (and emptied folders)."""
    removed = 0
    for file in sorted(set(before) - now):
        path = out / file
        if Path(file).is_absolute() or ".." in Path(file).parts or not path.is_file():
            continue  # only ever files inside OUT that a build wrote
        path.unlink()
        removed += 1
        parent = path.parent
        while parent != out and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed
