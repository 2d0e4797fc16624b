"""The `masterywiki` command group and the options its commands share."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from masterywiki.errors import WikiError

F = TypeVar("F", bound=Callable[..., Any])


def _content_options(command: F) -> F:
    """`--repo` and `--instance`, shared by every command that works on content."""
    command = click.option(
        "--repo",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="MASTERYWIKI_REPO",
        help="Git repository of pages [default: INSTANCE/wiki, created on first run].",
    )(command)
    command = click.option(
        "--instance",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="MASTERYWIKI_INSTANCE",
        default="instance",
        show_default=True,
        help="Folder for the index, accounts, secret key and masterywiki.toml.",
    )(command)
    return command


def _format_option(shape: str) -> Callable[[F], F]:
    """`--format text|json`, passed to the command as `output`; `shape` says what a
    line of text looks like and what the JSON holds."""
    return click.option(
        "--format",
        "output",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=shape,
    )


def _processes_option(work: str) -> Callable[[F], F]:
    """`--processes N`, passed as `processes` (None: one per CPU, at most 8)."""
    return click.option(
        "--processes",
        type=click.IntRange(1, 64),
        default=None,
        help=f"Worker processes for {work} [default: the number of CPUs, at most 8].",
    )


def _one_line_errors(command: F) -> F:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except WikiError as error:
            raise click.ClickException(error.message) from None
        except OSError as error:
            where = f": {error.filename}" if error.filename else ""
            raise click.ClickException(f"{error.strerror or error}{where}") from None

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="masterywiki")
def main() -> None:
    """masterywiki: a git-backed knowledge base for mastery-based learning.

    Pages are markdown files in a git repository; every change is a commit.
    """


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_one_line_errors
def init(directory: Path) -> None:
    """Create a new wiki repository in DIRECTORY from the starter content."""
    from masterywiki.repository.instance import create_wiki

    storage = create_wiki(str(directory))
    click.echo(f"Created a wiki at {storage.path} (one commit, starter content).")
    click.echo(f"Serve it with: masterywiki serve --repo {directory}")
