"""`masterywiki build OUT`: the static site writer (Sphinx's `sphinx-build -b html`).

A pipeline in the shape of Sphinx's: read (the catalog at HEAD, once) -> plan (every
output file and the server URL it stands for) -> write (site views here, pages in
forked workers) -> the search index. Pages are rendered by the real app's templates,
so they look like the server's; the templates read `static_build` to leave out what
needs a server (edit and history links, comments, the login menu), and every
absolute link is rewritten to a relative one, so the site works under any URL
prefix and from `file://`. A page is `OUT/<path>/index.html`, like its URL.

The sidebar is not the whole tree in every page (Sphinx's and MkDocs' cost): as on
the server only the current page's ancestors are opened, and a long toctree level
shows the entries around the current page with a "more" link to its parent
(`sitemap.static_sidebar`, beside the URL-to-file map).

Incremental: `OUT/.masterywiki-build.json` keeps each page's inputs key (its blob,
the catalog version, the navigation, the code and templates); an unchanged page is
neither rendered nor written, and files a page no longer produces are removed. The
search index is in parts (`searchparts`): only the parts of changed pages are written.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import posixpath
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Flask

from masterywiki.content import names
from masterywiki.content.catalog import Catalog
from masterywiki.errors import WikiError
from masterywiki.repository import wikisnapshot
from masterywiki.repository.wiki import Snapshot, Wiki
from masterywiki.resources import static_dir
from masterywiki.settings import Settings
from masterywiki.site import searchparts, static_search
from masterywiki.site.manifest import (
    BUILD_FORMAT,
    MANIFEST_FILE,
    pack_keys,
    page_keys,
    read_manifest,
    remove_stale,
    site_views_key,
    unpack_keys,
)
from masterywiki.site.sidebarhtml import SidebarHtml
from masterywiki.site.sitemap import (
    LOCAL_LINK,
    SEARCH_PAGE,
    SiteMap,
    canonical_url,
    page_file,
    static_sidebar,
)
from masterywiki.support.forked import ForkedWorkFailed, run_forked
from masterywiki.web.app import create_app
from masterywiki.web.pagecontext import page_context

log = logging.getLogger(__name__)

INDEX_FILE = searchparts.index_file(0)  # the search page loads it; it loads the rest
SITE_VIEWS = ("/-/glossary", "/-/genindex", "/-/resources", "/-/tags")
VARIANT_LIMIT = 200  # filtered or paged variants of a site view (`/-/resources?page=2`)
BATCH = 25  # pages a worker reports at once

Progress = Callable[[int], None]
Log = Callable[[str], None]


class BuildFailed(WikiError):
    title = "Build failed"


@dataclass(frozen=True)
class BuildResult:
    pages: int  # pages in the site
    rendered: int  # pages rendered this time (the rest were unchanged)
    site_views: int
    skipped: tuple[str, ...]  # site views that did not answer, left out
    removed: int  # files of an earlier build no longer produced
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step


# -- rendering ----------------------------------------------------------------------------------


@dataclass
class _Build:
    """One build's state, shared with forked workers by inheritance."""

    app: Flask
    wiki: Wiki
    snapshot: Snapshot
    out: Path
    site: SiteMap
    made_dirs: set[Path] = field(default_factory=set)
    sidebar_html: SidebarHtml | None = None  # made in the process that renders pages

    def write(self, file: str, data: str | bytes) -> None:
        path = self.out / file
        if path.parent not in self.made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(path.parent)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    def render_template(self, template: str, **context: Any) -> str:
        self.app.update_template_context(context)
        html: str = self.app.jinja_env.get_template(template).render(context)
        return html

    def render_page(self, name: str, source: str) -> tuple[str, static_search.Entry]:
        """The page as `views/pages.py` shows it, with the static sidebar."""
        catalog = self.snapshot.catalog
        record = catalog.pages[name]
        rendered = self.wiki.rendered(record, source)
        fm = record.info.front_matter
        ancestors = catalog.ancestors(name)
        services = self.app.extensions["masterywiki"]
        context = page_context(
            self.snapshot,
            record,
            rendered,
            sidebar=static_sidebar(catalog, name),
            protection=services.editor.protection,
            attachments=services.attachments.of_record(record, self.snapshot),
            language=services.settings.language,
            translations=self.wiki.translations(),
        )
        if self.sidebar_html is None:
            self.sidebar_html = SidebarHtml.of(self.app.jinja_env)
        html = self.render_template("page.html", **context, sidebar_html=self.sidebar_html)
        entry = static_search.entry(
            path=posixpath.dirname(page_file(name)) + ("/" if name != names.ROOT else ""),
            title=record.title,
            summary=record.summary or "",
            type_=record.type,
            context=ancestors[1].title if len(ancestors) > 1 else "",
            aliases=fm.aliases,
            headings=[h.text for h in rendered.headings],
            tags=fm.tags,
            text=rendered.text,
        )
        return self.site.rewrite(html, page_file(name)), entry

    def render_pages(self, share: list[str], report: Callable[[list[Any]], None]) -> None:
        """Render and write `share`; report `[name, entry]` lists in batches."""
        catalog = self.snapshot.catalog
        blobs = self.wiki.storage.read_blobs(catalog.pages[n].blob for n in share)
        done: list[Any] = []
        with self.app.test_request_context("/"):
            for name in share:
                data = blobs.get(catalog.pages[name].blob, b"")
                html, entry = self.render_page(name, data.decode("utf-8", "replace"))
                self.write(page_file(name), html)
                done.append([name, entry.to_json()])
                if len(done) >= BATCH:
                    report(done)
                    done = []
        if done:
            report(done)

    def dispatch(self, url: str) -> str | None:
        """A site view's HTML as the server answers `url`, or None when it does not."""
        with self.app.test_request_context(url):
            try:
                response = self.app.make_response(self.app.dispatch_request())
            except Exception as error:  # a missing or failing view is left out, not fatal
                log.info("site view %s: %s", url, error)
                return None
            if response.status_code != 200 or response.mimetype != "text/html":
                return None
            return response.get_data(as_text=True)


def _render_in_processes(
    build: _Build, todo: list[str], processes: int, collect: Callable[[list[Any]], None]
) -> None:
    try:
        run_forked(
            lambda share, report: build.render_pages(share, report), todo, processes, collect
        )
    except ForkedWorkFailed as error:
        raise BuildFailed(f"Rendering failed: {error}") from None


# -- the build ---------------------------------------------------------------------------------


def _static_assets() -> list[str]:
    """The files under static/, subfolders too (vendor/: KaTeX's fonts, mermaid's chunks),
    as paths relative to it."""
    root = static_dir()
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def _attachment_files(snapshot: Snapshot, catalog: Catalog) -> dict[str, tuple[str, str]]:
    """Attachment URL -> (file under OUT, blob), for the attachments of served pages."""
    found = {}
    for page_file_name, attached in snapshot.attachments.items():
        name = names.name_for_file(page_file_name)
        record = catalog.get(name) if name else None
        if record is None or record.file != page_file_name:
            continue
        for attachment, blob in attached.items():
            url = names.attachment_url(record.name, attachment)
            found[url] = (url.lstrip("/"), blob)
    return found


def _redirect_html(target: str) -> str:
    return (
        f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; '
        f'url={target}"><link rel="canonical" href="{target}">'
        f'<p>This page moved to <a href="{target}">{target}</a>.</p>\n'
    )


def build_site(
    settings: Settings,
    out: Path,
    *,
    processes: int = 1,
    full: bool = False,
    planned: Progress | None = None,
    progress: Progress | None = None,
    note: Log | None = None,
) -> BuildResult:
    """Write the static site of the wiki at HEAD into `out`.

    `full` ignores the previous build's manifest. `planned(pages)` is called once the
    number of pages is known, then `progress(count)` as pages are done. Raises the
    WikiError family for an unusable repository (BuildFailed when a rendering process
    fails), OSError for an unwritable `out`.
    """
    start = time.perf_counter()
    phases: dict[str, float] = {}

    def lap(phase: str) -> None:
        phases[phase] = time.perf_counter() - start - sum(phases.values())

    note = note or log.info
    # Started from the wiki as the last build or check saw it: only the diff is read.
    kept_wiki = None if full else wikisnapshot.load(settings.cache_dir)
    app = create_app(settings, start_from=kept_wiki, static_build=True)
    app.jinja_env.globals["static_build"] = True
    wiki: Wiki = app.extensions["masterywiki"].wiki
    snapshot = wiki.refresh()
    wikisnapshot.keep(wiki, settings.cache_dir, kept_wiki, snapshot)
    catalog = snapshot.catalog
    lap("read")
    out.mkdir(parents=True, exist_ok=True)
    previous = {} if full else read_manifest(out)
    site = SiteMap()
    build = _Build(app, wiki, snapshot, out, site)
    written: set[str] = set()

    def write(file: str, data: str | bytes) -> None:
        build.write(file, data)
        written.add(file)

    # Plan: every URL the site answers.
    assets = _static_assets()
    for asset in assets:
        site.add(f"/-/static/{asset}", f"-/static/{asset}")
    for name in catalog.pages:
        site.add(names.url_for_name(name), page_file(name))
    attachments = _attachment_files(snapshot, catalog)
    for url, (file, _blob) in attachments.items():
        site.add(url, file)
    moved = {old: new for old, new in catalog.redirects.items() if old not in catalog.pages}
    for old in moved:
        site.add(names.url_for_name(old), page_file(old))
    site.add("/" + INDEX_FILE, INDEX_FILE)
    views_key = site_views_key(snapshot, settings)
    same = previous.get("views_key") == views_key
    kept: dict[str, str] = previous.get("views", {}) if same else {}
    if kept and all((out / file).is_file() for file in kept.values()):
        # Nothing a site view shows changed: the files of the last build stand.
        site.files.update(kept)
        written.update(kept.values())
        skipped: list[str] = previous.get("skipped", [])
        count, views_files = len(kept), kept
    else:
        planned_urls = set(site.files)
        tags = (f"/-/tags/{tag}" for tag in catalog.tags() if _safe_segment(tag))
        skipped, count = _write_site_views(build, [*SITE_VIEWS, *tags], write, note)
        views_files = {url: site.files[url] for url in site.files if url not in planned_urls}
    # The scripts, styles and fonts (5 MB): written only when one of them changed.
    static = {f"-/static/{asset}": (static_dir() / asset).read_bytes() for asset in assets}
    assets_key = hashlib.sha1()
    for file, data in static.items():
        assets_key.update(f"{file}\0{len(data)}\0".encode() + data)
    same = previous.get("assets_key") == assets_key.hexdigest()
    for file, data in static.items():
        if same and os.path.isfile(out / file):
            written.add(file)
        else:
            write(file, data)
    for old, new in moved.items():
        target = "../" * page_file(old).count("/") + page_file(new)
        write(page_file(old), _redirect_html(target))
    contents = wiki.storage.read_blobs(blob for _file, blob in attachments.values())
    for file, blob in attachments.values():
        write(file, contents[blob])

    lap("site views")

    # Pages: only those whose inputs changed since the last build, and those whose
    # search index part is written again without their entry kept.
    keys = page_keys(snapshot, settings)
    old_keys = unpack_keys(previous.get("pages", ""))
    synonyms = searchparts.synonym_groups(wiki, snapshot)
    search = searchparts.plan(out, keys, synonyms, previous.get("search") if previous else None)
    entries: dict[str, list[Any]] = search.kept
    todo = sorted(
        {
            n
            for n in catalog.pages
            if old_keys.get(n) != keys[n] or not os.path.exists(f"{out}/{page_file(n)}")
        }.union(search.missing())
    )
    lap("plan pages")
    if planned is not None:
        planned(len(catalog.pages))
    if progress is not None and len(todo) < len(catalog.pages):
        progress(len(catalog.pages) - len(todo))

    def collect(done: list[Any]) -> None:
        for name, entry in done:
            entries[name] = entry
        if progress is not None:
            progress(len(done))

    # The catalog and its records are millions of long-lived objects: frozen, the
    # collector stops walking them after every few thousand new ones (three times
    # faster rendering at 10,000 pages), and forked workers share their memory pages.
    # A few pages gain nothing from it (one collection takes 0.5 s at 100,000 pages).
    if len(todo) >= 100:
        gc.collect()
    gc.freeze()
    try:
        if processes > 1 and len(todo) >= 100:
            _render_in_processes(build, todo, processes, collect)
        else:
            build.render_pages(todo, collect)
    finally:
        gc.unfreeze()
    written.update(page_file(n) for n in catalog.pages)
    lap("pages")

    # The search index: only its parts whose pages (or the synonyms) changed.
    written.update(searchparts.write_parts(out, search, entries, write, processes))
    lap("search index")

    before = [*previous.get("files", []), *map(page_file, old_keys)]
    removed = remove_stale(out, before, written)
    page_files = set(map(page_file, catalog.pages))
    manifest = {
        "format": BUILD_FORMAT,
        "commit": snapshot.commit,
        "views_key": views_key,
        "views": views_files,
        "assets_key": assets_key.hexdigest(),
        "files": sorted(written - page_files),  # and every page's file
        "skipped": skipped,
        "pages": pack_keys(keys),
        "search": search.keys,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, separators=(",", ":")))
    lap("manifest")
    wiki.storage.close()
    return BuildResult(
        pages=len(catalog.pages),
        rendered=len(todo),
        site_views=count,
        skipped=tuple(skipped),
        removed=removed,
        seconds=time.perf_counter() - start,
        phases=phases,
    )


def _safe_segment(text: str) -> bool:
    """Whether a tag can name a folder (no `/`, `..`, NUL or leading dot)."""
    return bool(text) and "/" not in text and "\0" not in text and not text.startswith(".")


def _write_site_views(
    build: _Build, views: list[str], write: Callable[[str, str], None], note: Log
) -> tuple[list[str], int]:
    """Fetch and write the site views (and the search page); returns those that did not
    answer, left out, and how many were written. Fetched before they are written, so
    links to one that does not answer can be dropped."""
    site = build.site
    for url in [*views, SEARCH_PAGE]:
        site.add(url, "-/search/index.html" if url == SEARCH_PAGE else f"{url[1:]}/index.html")
    fetched: dict[str, str] = {}
    skipped: list[str] = []
    for url in views:
        html = build.dispatch(quote(url))
        if html is None:
            skipped.append(url)
            site.remove(url)
            note(f"left out {url}: the server does not answer it")
        else:
            fetched[url] = html
    _fetch_variants(build, fetched)
    with build.app.test_request_context(SEARCH_PAGE):
        fetched[SEARCH_PAGE] = build.render_template("static_search.html")
    for url, html in fetched.items():
        write(site.files[url], site.rewrite(html, site.files[url]))
    return skipped, len(fetched)


def _fetch_variants(build: _Build, fetched: dict[str, str]) -> None:
    """Filtered and paged variants that site views link to, breadth first, bounded."""
    pending = list(fetched.items())
    count = 0
    while pending and count < VARIANT_LIMIT:
        _, html = pending.pop(0)
        for match in LOCAL_LINK.finditer(html):
            path, _, query = unescape(match.group(2)).partition("#")[0].partition("?")
            if not query or path not in fetched or path == SEARCH_PAGE:
                continue
            url = canonical_url(path, query)
            if url in build.site.files or url == path or count >= VARIANT_LIMIT:
                continue
            found = build.dispatch(url)
            count += 1
            if found is not None:
                build.site.add(url, build.site.variant_file(url))
                fetched[url] = found
                pending.append((url, found))
