"""`masterywiki pdf PATH OUT`: a printable handbook, with a progress bar."""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from masterywiki.cli.group import _content_options, _one_line_errors, main


@click.command()
@click.argument("path")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option(
    "--rev", default="", help="A release name or commit: print the pages as they were then."
)
@_content_options
@_one_line_errors
def pdf(path: str, out: Path, rev: str, repo: Path | None, instance: Path) -> None:
    """Print page PATH, and every page under its toctree in order, as the PDF OUT.

    PATH is a page path such as framework (`/`, `index` or `/index` for the home page,
    that is the whole wiki). The PDF is the same as /PATH/-/pdf on the server: a title
    page, contents with page numbers, the pages, a glossary of the terms they use, and
    the version (release name or commit) and date in the footer. With --rev, the pages
    as they were in that release (or commit), e.g. --rev 2025-26-adopted.
    """
    from masterywiki import settings as settings_module
    from masterywiki.content import names
    from masterywiki.web.app import create_app
    from masterywiki.web.handbook import print_handbook, wiki_for
    from masterywiki.web.views import services

    name = path.strip().strip("/").removesuffix(names.PAGE_SUFFIX) or names.ROOT
    loaded = settings_module.load({"repo": repo, "instance": instance})
    app = create_app(loaded)
    base = loaded.base_url or "http://localhost/"
    with contextlib.ExitStack() as stack:
        stack.enter_context(app.test_request_context("/", base_url=base))
        found = services()
        stack.callback(found.wiki.storage.close)
        bars: dict[str, Any] = {}
        layout = {"passes": 0}
        live = sys.stderr.isatty()

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage == "pages":
                if "pages" not in bars:
                    bars["pages"] = stack.enter_context(
                        click.progressbar(length=total, label="Collecting pages")
                    )
                bars["pages"].update(done - bars["pages"].pos)
                return
            if done == 1:  # WeasyPrint lays out again until the page numbers settle
                layout["passes"] += 1
                if not live:
                    click.echo(f"Laying out pages (pass {layout['passes']})", err=True)
            if live:
                message = f"Laying out pages (pass {layout['passes']}): page {done}"
                click.echo(f"\r{message}", nl=False, err=True)

        found.wiki.refresh()
        today = datetime.now(UTC).date()
        wiki, commit = stack.enter_context(wiki_for(found.wiki, rev.strip() or None))
        handbook, printed = print_handbook(
            wiki, found.attachments, name, base, today, progress=progress, commit=commit
        )
    if live:
        click.echo("", err=True)
    out.write_bytes(printed.pdf)
    pages, terms = len(handbook.sections), len(handbook.glossary)
    click.echo(
        f"Wrote {out}: '{handbook.root.title}', {pages} wiki page{'s' if pages != 1 else ''}"
        f" and {terms} glossary term{'s' if terms != 1 else ''} on {printed.pages} printed"
        f" pages (version {handbook.version}, {today.isoformat()}) in {printed.seconds:.1f} s."
    )


main.add_command(pdf)
