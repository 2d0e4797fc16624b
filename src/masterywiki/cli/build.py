"""`masterywiki build OUT`: the static site, with a progress bar."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click

from masterywiki.cli.group import _content_options, _one_line_errors, _processes_option, main


@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@_content_options
@_processes_option("rendering")
@click.option("--full", is_flag=True, help="Render every page, not only the changed ones.")
@_one_line_errors
def build(out: Path, repo: Path | None, instance: Path, processes: int | None, full: bool) -> None:
    """Write a static HTML site of the wiki at HEAD into OUT.

    A page is OUT/<path>/index.html, so its address matches the server's; links are
    relative, so the site works under any URL prefix and opened from disk (file://).
    It has the glossary, the index, the resources listing and a client-side search.
    A second build into the same OUT renders only the pages that changed.
    """
    from masterywiki import settings as settings_module
    from masterywiki.site.build import build_site
    from masterywiki.support.forked import default_processes

    loaded = settings_module.load({"repo": repo, "instance": instance})
    target = out.resolve()
    if target in (loaded.repo, loaded.instance) or loaded.repo.is_relative_to(target):
        raise click.ClickException(f"{out} holds the wiki's own files; choose another folder")
    notes: list[str] = []
    click.echo(f"Reading {loaded.repo}", err=True)
    with contextlib.ExitStack() as stack:
        bars: list[Any] = []

        def planned(total: int) -> None:
            bars.append(stack.enter_context(click.progressbar(length=total, label="Pages")))

        result = build_site(
            loaded,
            out,
            processes=processes or default_processes(),
            full=full,
            planned=planned,
            progress=lambda count: bars[0].update(count),
            note=notes.append,
        )
    for line in notes:
        click.echo(line, err=True)
    click.echo(
        f"Built {result.pages} pages ({result.rendered} rendered, "
        f"{result.pages - result.rendered} unchanged) and {result.site_views} site views "
        f"into {out} in {result.seconds:.1f} s."
    )


main.add_command(build)
