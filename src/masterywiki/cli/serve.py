"""`masterywiki serve`: the wiki on a production server, or Flask's for contributors."""

from __future__ import annotations

import errno
import logging
import signal
import socket
from pathlib import Path

import click

from masterywiki import settings as settings_module
from masterywiki.cli.group import _content_options, _one_line_errors, main
from masterywiki.db.database import Database
from masterywiki.people.accounts import Accounts
from masterywiki.settings import Settings


@main.command()
@_content_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Server processes [default: one per CPU, from 2 to 4].",
)
@click.option(
    "--dev",
    "--reload",
    "dev",
    is_flag=True,
    help="Run Flask's development server, reloading on code changes (for contributors).",
)
@_one_line_errors
def serve(
    repo: Path | None, instance: Path, host: str, port: int, workers: int | None, dev: bool
) -> None:
    """Serve the wiki (creates INSTANCE/wiki from the starter content on first run).

    Serves with gunicorn, several worker processes, until Ctrl+C. Behind a process
    manager, `gunicorn 'masterywiki:create_app()'` with the same MASTERYWIKI_*
    environment variables does the same.
    """
    from masterywiki.web.serving import configure_console_logging, default_workers

    loaded = settings_module.load({"repo": repo, "instance": instance})
    if dev and _running_from_reloader():  # the reloader's child: its parent said it all
        _serve_dev(loaded, host, port)
        return
    _check_port_free(host, port)
    configure_console_logging(loaded.log_format)
    _prepare(loaded, host, port, None if dev else workers or default_workers())
    if dev:
        _serve_dev(loaded, host, port)
    else:
        _serve(loaded, host, port, workers or default_workers())


def _prepare(loaded: Settings, host: str, port: int, workers: int | None) -> None:
    """Create the repository on a first run and print what a person needs, once."""
    from masterywiki.repository.instance import open_repository
    from masterywiki.web.views.auth import first_admin_hint

    storage, created = open_repository(loaded)
    storage.close()
    if created:
        click.echo(f"Created the wiki repository {loaded.repo} from the starter content.")
    processes = f" with {workers} worker processes" if workers else " on the development server"
    click.echo(f"Serving {loaded.repo} at http://{host}:{port}/{processes} (Ctrl+C to stop)")
    database = Database.for_instance(loaded.instance, loaded.database_url)
    if database.is_postgres:
        click.echo(f"Accounts and sessions in {database.display_url}")
    try:
        if hint := first_admin_hint(Accounts(database), f"http://{host}:{port}"):
            click.echo(hint)
    finally:
        database.close()  # the workers open their own connections


def _serve(loaded: Settings, host: str, port: int, workers: int) -> None:
    from masterywiki.web.app import create_app
    from masterywiki.web.serving import WikiServer, gunicorn_options

    server = WikiServer(lambda: create_app(loaded), gunicorn_options(host, port, workers))
    try:
        server.run()
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise click.ClickException("the server stopped after an error (see above)") from None


def _serve_dev(loaded: Settings, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    from masterywiki.resources import templates_dir
    from masterywiki.web.app import create_app

    logging.getLogger("masterywiki.request").setLevel(logging.WARNING)  # werkzeug logs them
    # Started with Ctrl+C ignored (`serve --dev &` in a script, some CI runners), Python
    # leaves it ignored and werkzeug sets no handler, so the server would outlive Ctrl+C;
    # gunicorn, the production server, sets its own.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    templates = [str(path) for path in templates_dir().glob("*")]
    run_simple(
        host, port, create_app(loaded), threaded=True, use_reloader=True, extra_files=templates
    )


def _running_from_reloader() -> bool:
    from werkzeug.serving import is_running_from_reloader

    return bool(is_running_from_reloader())


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
