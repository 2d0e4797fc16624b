"""`masterywiki reindex`: rebuild the search index from git, with a progress bar."""

from __future__ import annotations

import time
from pathlib import Path

import click

from masterywiki.cli.group import _content_options, _one_line_errors, _processes_option, main


@click.command()
@_content_options
@_processes_option("rendering and indexing")
@click.option(
    "--if-missing",
    is_flag=True,
    help="Only when there is no index yet (what a server of a large wiki starts).",
)
@_one_line_errors
def reindex(repo: Path | None, instance: Path, processes: int | None, if_missing: bool) -> None:
    """Rebuild the search index of INSTANCE from the pages at HEAD.

    The index is rebuilt into a new folder and switched to when complete, so a
    running server keeps searching the old index meanwhile.
    """
    from masterywiki import settings as settings_module
    from masterywiki.repository.instance import open_repository
    from masterywiki.repository.wiki import Wiki
    from masterywiki.search import SearchService
    from masterywiki.support.forked import default_processes

    loaded = settings_module.load({"repo": repo, "instance": instance})
    storage, _ = open_repository(loaded)
    wiki = Wiki(storage, cache_dir=loaded.cache_dir, language=loaded.language)
    start = time.perf_counter()
    snapshot = wiki.refresh()
    service = SearchService(wiki, loaded.instance / "search", language=loaded.language)
    with click.progressbar(length=len(snapshot.catalog), label="Indexing pages") as bar:
        count = service.rebuild(bar.update, processes or default_processes(), if_missing)
    seconds = time.perf_counter() - start
    commit = (snapshot.commit or "no commit")[:12]
    click.echo(f"Indexed {count} pages at {commit} in {seconds:.1f} s.")


main.add_command(reindex)
