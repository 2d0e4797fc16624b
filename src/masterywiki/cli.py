"""The `masterywiki` command: thin wrappers; errors become one readable line."""

from __future__ import annotations

import errno
import functools
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from masterywiki import settings as settings_module
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
    from masterywiki.instance import create_wiki

    storage = create_wiki(str(directory))
    click.echo(f"Created a wiki at {storage.path} (one commit, starter content).")
    click.echo(f"Serve it with: masterywiki serve --repo {directory}")


@main.command()
@_content_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@_one_line_errors
def serve(repo: Path | None, instance: Path, host: str, port: int) -> None:
    """Serve the wiki (creates INSTANCE/wiki from the starter content on first run).

    For production, run `gunicorn 'masterywiki:create_app()'` with the same
    MASTERYWIKI_* environment variables instead.
    """
    from werkzeug.serving import run_simple

    from masterywiki.app import create_app
    from masterywiki.views.auth import first_admin_hint

    _check_port_free(host, port)
    loaded = settings_module.load({"repo": repo, "instance": instance})
    app = create_app(loaded)
    services = app.extensions["masterywiki"]
    if services.created:
        click.echo(f"Created the wiki repository {loaded.repo} from the starter content.")
    click.echo(f"Serving {loaded.repo} at http://{host}:{port}/  (Ctrl+C to stop)")
    if hint := first_admin_hint(app, f"http://{host}:{port}"):
        click.echo(hint)
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _check_port_free(host: str, port: int) -> None:
    """Fail with one line before loading anything when the address is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise click.ClickException(f"cannot listen on {host}: {error.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"port {port} on {host} is already in use; choose another with --port"
                ) from None
            if error.errno == errno.EACCES:
                raise click.ClickException(f"no permission to listen on {host}:{port}") from None
            raise click.ClickException(f"cannot listen on {host}:{port}: {error}") from None


def run() -> None:  # pragma: no cover - used by `python -m masterywiki`
    main(prog_name=os.path.basename(sys.argv[0]) or "masterywiki")


# Commands kept in their own modules add themselves to `main` when imported; they
# import the helpers above, so these imports come last.
from masterywiki import (  # noqa: E402, F401
    cli_build,
    cli_check,
    cli_import,
    cli_ops,
    cli_search,
    cli_users,
)
