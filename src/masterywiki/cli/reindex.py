"""`masterywiki reindex`: rebuild the search index from git, with a progress bar."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import click

from masterywiki.cli.group import _content_options, _one_line_errors, _processes_option, main
from masterywiki.repository.wiki import Wiki
from masterywiki.support.filelock import exclusive
from masterywiki.web.startup import STARTUP_LOCK

STARTUP_WAIT = 600.0  # seconds to wait for a starting server's read at most (then read here)


@click.command()
@_content_options
@_processes_option("rendering and indexing")
@click.option(
    "--if-missing",
    is_flag=True,
    help="Only when there is no index yet (what a server of a large wiki starts).",
)
# A server passes its process id: the build ends when that process does (see `lifeline`).
@click.option("--end-with", type=int, default=None, hidden=True)
@_one_line_errors
def reindex(
    repo: Path | None,
    instance: Path,
    processes: int | None,
    if_missing: bool,
    end_with: int | None,
) -> None:
    """Rebuild the search index of INSTANCE from the pages at HEAD.

    The index is rebuilt into a new folder and switched to when complete, so a
    running server keeps searching the old index meanwhile.
    """
    from masterywiki import settings as settings_module
    from masterywiki.repository.instance import open_repository
    from masterywiki.search import SearchService
    from masterywiki.search.service import MISSING_BUILD_WAIT
    from masterywiki.search.store import FIRST_BUILD_LOCK, WriteLock
    from masterywiki.support.forked import default_processes
    from masterywiki.support.lifeline import end_with as end_with_parent

    if end_with is not None:
        end_with_parent(end_with)
    loaded = settings_module.load({"repo": repo, "instance": instance})
    storage, _ = open_repository(loaded)
    wiki = Wiki(storage, cache_dir=loaded.cache_dir, language=loaded.language)
    service = SearchService(wiki, loaded.instance / "search", language=loaded.language)
    # Each worker of a server starting on a large wiki runs `reindex --if-missing`: the
    # first one builds; the others wait for it here, then leave without reading every
    # page (half a minute of CPU at 100,000 pages, taken from the build's two cores).
    claim = WriteLock(service.folder / FIRST_BUILD_LOCK)
    if if_missing and not claim.acquire(MISSING_BUILD_WAIT):
        raise click.ClickException("Another process is building the search index.")
    try:
        if if_missing and service.read_state() is not None:
            click.echo("The search index is there already.")
            return
        start = time.perf_counter()
        processes = processes or default_processes()
        # The pages are read in as many processes as the index is built with (reading
        # and scanning 100,000 took 25 s of one core before the build began), except for
        # a starting server, whose own process reads the same pages meanwhile: three
        # scans on two cores made its pages ready 12 s later at 100,000 pages.
        wiki.scan_processes = 1 if if_missing else processes
        if if_missing:
            _after_the_servers_read(wiki)
        snapshot = wiki.refresh()
        with click.progressbar(length=len(snapshot.catalog), label="Indexing pages") as bar:
            count = service.rebuild(bar.update, processes, if_missing)
    finally:
        claim.release()
    seconds = time.perf_counter() - start
    commit = (snapshot.commit or "no commit")[:12]
    click.echo(f"Indexed {count} pages at {commit} in {seconds:.1f} s.")


main.add_command(reindex)


def _after_the_servers_read(wiki: Wiki) -> None:
    """Wait while a starting server's process reads every page, so that this build
    starts from the page cache it writes: reading and scanning all the pages again here
    took 25 s of CPU at 100,000 pages, on the two cores the server was reading on."""
    if wiki.cache_dir is None or wiki.cache_file_exists():
        return
    lock = wiki.cache_dir / STARTUP_LOCK
    if not lock.exists():  # no server is starting: the pages are read here
        return
    # Held until the cache file is written; after the wait, the pages are read here.
    with contextlib.suppress(TimeoutError), exclusive(lock, STARTUP_WAIT, TimeoutError):
        pass
