"""`masterywiki db upgrade|copy`: the database for accounts and operational data."""

from __future__ import annotations

from pathlib import Path

import click

from masterywiki import settings as settings_module
from masterywiki.cli.group import _content_options, _one_line_errors, main
from masterywiki.db import migrations
from masterywiki.db.copying import copy_rows
from masterywiki.db.database import Database, engine_url


def _configured(repo: Path | None, instance: Path) -> Database:
    loaded = settings_module.load({"repo": repo, "instance": instance})
    return Database.for_instance(loaded.instance, loaded.database_url)


@main.group()
def db() -> None:
    """The database for accounts, sessions, watches and the outbox (not content)."""


@db.command()
@_content_options
@_one_line_errors
def upgrade(repo: Path | None, instance: Path) -> None:
    """Bring the database's schema up to date (servers also do this on start)."""
    database = _configured(repo, instance)
    try:
        applied = database.upgrade()
    finally:
        database.close()
    titles = {number: title for number, title, _step in migrations.STEPS}
    for number in applied:
        click.echo(f"Applied migration {number}: {titles[number]}.")
    done = "is now" if applied else "was already"
    click.echo(f"{database.display_url} {done} at schema version {migrations.LATEST}.")


@db.command()
@click.option("--to", "to_url", required=True, metavar="URL",
              help="The database to copy into, e.g. postgresql://user:pass@host/db.")  # fmt: skip
@_content_options
@_one_line_errors
def copy(to_url: str, repo: Path | None, instance: Path) -> None:
    """Copy the accounts, sessions, watches and outbox into the database at URL.

    Rows the target has already are kept, so running it twice is harmless. Then set
    `database_url` to URL on every server.
    """
    source = _configured(repo, instance)
    target = Database(engine_url(to_url, instance))
    if target.url == source.url:
        raise click.ClickException("The target is the database in use; nothing to copy.")
    try:
        counts = copy_rows(source, target)
    finally:
        source.close()
        target.close()
    for count in counts:
        had = f" ({count.present} there already)" if count.present else ""
        click.echo(f"{count.table:<14} {count.added:>7} copied{had}")
    total = sum(count.added for count in counts)
    click.echo(f"Copied {total} rows from {source.display_url} to {target.display_url}.")
