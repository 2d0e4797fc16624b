"""`masterywiki reindex`: rebuild the search index from git, with a progress bar."""

from __future__ import annotations

import os
import time
from pathlib import Path

import click

from masterywiki.cli import _content_options, _one_line_errors, main


@click.command()
@_content_options
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes for rendering and indexing [default: the number of CPUs].",
)
@_one_line_errors
def reindex(repo: Path | None, instance: Path, processes: int | None) -> None:
    """Rebuild the search index of INSTANCE from the pages at HEAD.

    The index is rebuilt into a new folder and switched to when complete, so a
    running server keeps searching the old index meanwhile.
    """
    from masterywiki import settings as settings_module
    from masterywiki.instance import open_repository
    from masterywiki.search import SearchService
    from masterywiki.wiki import Wiki

    loaded = settings_module.load({"repo": repo, "instance": instance})
    storage, _ = open_repository(loaded)
    wiki = Wiki(storage, cache_dir=loaded.cache_dir)
    start = time.perf_counter()
    snapshot = wiki.refresh()
    service = SearchService(wiki, loaded.instance / "search")
    with click.progressbar(length=len(snapshot.catalog), label="Indexing pages") as bar:
        count = service.rebuild(progress=bar.update, processes=processes or os.cpu_count() or 1)
    seconds = time.perf_counter() - start
    commit = (snapshot.commit or "no commit")[:12]
    click.echo(f"Indexed {count} pages at {commit} in {seconds:.1f} s.")


main.add_command(reindex)
