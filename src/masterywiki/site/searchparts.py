"""The static site's search index in parts, as an incremental build keeps it.

`static_search` says what a part holds and which part a page is in; this module decides
which parts a build writes again and keeps, beside the build manifest, what each part
was made from: `OUT/.masterywiki-build/search-K.json` maps each page of part K to
`[page key, index entry]`. A one-page edit then reads and writes one part's words
(about a hundredth of them at 100,000 pages), not every page's.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from masterywiki.errors import WikiError
from masterywiki.repository.wiki import Snapshot, Wiki
from masterywiki.site import static_search
from masterywiki.site.manifest import read_kept_json
from masterywiki.support.forked import ForkedWorkFailed, run_forked

log = logging.getLogger(__name__)

KEEP_DIR = ".masterywiki-build"  # beside the manifest: not part of the site
SEARCH_DIR = "-/search"
FORK_PARTS = 8  # fewer stale parts than this are written in this process


class IndexFailed(WikiError):
    title = "Build failed"


def index_file(part: int) -> str:
    """A part's file under OUT (part 0 is the entry the search page loads)."""
    return f"{SEARCH_DIR}/{static_search.part_file(part)}"


def kept_file(part: int) -> str:
    return f"{KEEP_DIR}/search-{part}.json"


@dataclass
class SearchPlan:
    parts: int
    members: list[list[str]]  # each part's pages, by name: their document order
    keys: list[str]  # each part's inputs as one digest (recorded in the manifest)
    stale: list[int]  # the parts this build writes
    kept: dict[str, list[Any]]  # entries of unchanged pages of stale parts, as last built
    page_keys: Mapping[str, str]
    synonyms: list[list[str]]

    def missing(self) -> list[str]:
        """Pages of stale parts whose entry was not kept: they must be rendered."""
        return [n for part in self.stale for n in self.members[part] if n not in self.kept]


def synonym_groups(wiki: Wiki, snapshot: Snapshot) -> list[list[str]]:
    """Each glossary term's title and aliases, and the groups of `synonyms.txt`."""
    groups = [[r.title, *r.info.front_matter.aliases] for r in snapshot.catalog.glossary()]
    blob = snapshot.files.get("synonyms.txt")
    if blob:
        from masterywiki.search import parse_synonyms  # the same file format as the server

        text = wiki.storage.read_blob(blob).decode("utf-8", "replace")
        groups += [list(group) for group in parse_synonyms(text)]
    return groups


def plan(
    out: Path,
    page_keys: Mapping[str, str],
    synonyms: list[list[str]],
    previous: list[str] | None,
) -> SearchPlan:
    """Which parts changed since the build that recorded `previous` (their keys; None:
    every part is written)."""
    parts = static_search.part_count(len(page_keys))
    members: list[list[str]] = [[] for _ in range(parts)]
    for name in sorted(page_keys):
        members[static_search.part_of(name, parts)].append(name)
    keys = []
    for part, names in enumerate(members):
        digest = hashlib.sha1(f"{static_search.INDEX_FORMAT}|{parts}|{part}|".encode())
        if part == 0:  # the synonyms are in the first part (glossary aliases too)
            digest.update(json.dumps(synonyms).encode())
        digest.update("".join(f"{n}:{page_keys[n]};" for n in names).encode())
        keys.append(digest.hexdigest())
    before: list[str | None] = [None] * parts
    if previous is not None and len(previous) == parts:
        before = list(previous)
    stale = [k for k in range(parts) if keys[k] != before[k] or not (out / index_file(k)).is_file()]
    kept: dict[str, list[Any]] = {}
    if previous is not None:
        for part in stale:
            for name, (key, entry) in _read_kept(out, part).items():
                if page_keys.get(name) == key:
                    kept[name] = entry
    return SearchPlan(parts, members, keys, stale, kept, page_keys, synonyms)


def _read_kept(out: Path, part: int) -> dict[str, list[Any]]:
    """A part's kept entries; {} (its pages are rendered again) when unreadable."""
    path = out / kept_file(part)
    data = read_kept_json(path)
    if data is None:
        return {}
    if isinstance(data, dict) and all(
        isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], list)
        for v in data.values()
    ):
        return data
    log.warning("ignoring %s: not a search index part's entries", path)
    return {}


def write_parts(
    out: Path,
    search: SearchPlan,
    entries: Mapping[str, list[Any]],
    write: Callable[[str, str], None],
    processes: int = 1,
) -> list[str]:
    """Write the stale parts (and what they were made from); returns every part's file.
    Many parts are written by `processes` forked workers (each part is independent:
    at 100,000 pages, 128 parts took 33 s in one process). Raises IndexFailed when a
    worker fails."""
    if processes > 1 and len(search.stale) >= FORK_PARTS:

        def work(share: list[int], _report: Callable[[Any], None]) -> None:
            for part in share:
                _write_part(out, search, entries, write, part)

        gc.freeze()  # the entries are shared: the workers' collections skip them
        try:
            run_forked(work, search.stale, processes)
        except ForkedWorkFailed as error:
            raise IndexFailed(f"Writing the search index failed: {error}") from None
        finally:
            gc.unfreeze()
    else:
        for part in search.stale:
            _write_part(out, search, entries, write, part)
    for path in (out / KEEP_DIR).glob("search-*.json"):
        number = path.stem.removeprefix("search-")
        if number.isdigit() and int(number) >= search.parts:
            path.unlink()  # a part of a site twice as large (or small)
    return [index_file(k) for k in range(search.parts)]


def _write_part(
    out: Path,
    search: SearchPlan,
    entries: Mapping[str, list[Any]],
    write: Callable[[str, str], None],
    part: int,
) -> None:
    names = search.members[part]
    ordered = [static_search.Entry.from_json(entries[n]) for n in names]
    if part == 0:
        index = static_search.build_index(ordered, search.synonyms)
        first = static_search.first_part(index, search.parts)
        write(index_file(0), static_search.script(first))
    else:
        index = static_search.build_index(ordered, [])
        write(index_file(part), static_search.part_script(part, index))
    kept = {n: [search.page_keys[n], entries[n]] for n in names}
    path = out / kept_file(part)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(kept, ensure_ascii=False, separators=(",", ":")))


def read_index(out: Path) -> dict[str, object]:
    """The whole index of the site in `out`, its parts merged (for tests and tools)."""
    first = static_search.load_script((out / index_file(0)).read_text())
    files: list[str] = first.get("parts", [])  # type: ignore[assignment]
    parts = [static_search.load_part((out / SEARCH_DIR / f).read_text())[1] for f in files]
    return static_search.merge(first, parts)
