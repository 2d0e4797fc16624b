"""`masterywiki release NAME`: tag the wiki as it is now as an adopted version."""

from __future__ import annotations

from pathlib import Path

import click

from masterywiki.cli.group import _content_options, _one_line_errors, main


@click.command()
@click.argument("name")
@click.option("--message", "-m", default="", help="What this release is, e.g. who adopted it.")
@_content_options
@_one_line_errors
def release(name: str, message: str, repo: Path | None, instance: Path) -> None:
    """Release the wiki at HEAD as NAME: the annotated git tag release/NAME.

    NAME is a word like 2025-26-adopted (letters, digits, '-', '_', '.'; no spaces or
    '/'). Readers find it at /-/releases, and read any page as released at
    /<path>/-/rev/NAME.
    """
    from masterywiki import settings as settings_module
    from masterywiki.git.storage import WIKI_EMAIL, WIKI_NAME, Author
    from masterywiki.repository.instance import open_repository
    from masterywiki.repository.releases import Releases
    from masterywiki.repository.wiki import Wiki

    loaded = settings_module.load({"repo": repo, "instance": instance})
    storage, _ = open_repository(loaded)
    try:
        made = Releases(Wiki(storage)).create(name, message, Author(WIKI_NAME, WIKI_EMAIL))
    finally:
        storage.close()
    click.echo(f"Released revision {made.short} as '{made.name}' (git tag release/{made.name}).")
    click.echo(f"Pages as released: /<path>/-/rev/{made.name}; all releases: /-/releases")


main.add_command(release)
