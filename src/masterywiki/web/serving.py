"""The server behind `masterywiki serve`: gunicorn, embedded, with the wiki's own defaults.

The command's process is gunicorn's arbiter: it prepares the instance and prints the
first-run messages once, then each worker process builds its own app, exactly as
`gunicorn 'masterywiki:create_app()'` does behind a process manager.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from masterywiki.web.views.ops import configure_logging

WSGIApp = Callable[..., Any]
MAX_DEFAULT_WORKERS = 4  # each worker keeps its own catalog and page cache in memory
TEXT_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def default_workers() -> int:
    """One worker per CPU, at least two (a slow request never blocks the wiki), at most four."""
    return max(2, min(os.cpu_count() or 1, MAX_DEFAULT_WORKERS))


def gunicorn_options(host: str, port: int, workers: int) -> dict[str, Any]:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        # Sync workers, as `gunicorn -w N` runs the app: at 10,000 pages they served
        # ~1,900 page views a second where gthread gave 700-1,800 (a kept-alive
        # connection ties a gthread client to one worker, so one CPU does the work).
        "worker_class": "sync",
        "timeout": 120,  # a first save or search at 10,000 pages may take a few seconds
        "graceful_timeout": 10,
        "accesslog": None,  # masterywiki logs each request itself, in its own format
        "errorlog": "-",
        "loglevel": "warning",  # worker boots and signals are not news to a school
        "control_socket_disable": True,
        "proc_name": "masterywiki",
        "when_ready": _ctrl_c_stops_gracefully,
        "post_worker_init": _workers_leave_ctrl_c_to_the_arbiter,
    }


# Ctrl+C reaches every process of the terminal's group at once; a worker that took it
# in the middle of a request would end with a traceback. Only the arbiter reacts, and
# it stops the workers as SIGTERM does: each finishes its request first.


def _ctrl_c_stops_gracefully(arbiter: Any) -> None:
    signal.signal(signal.SIGINT, lambda _number, frame: arbiter.signal(signal.SIGTERM, frame))


def _workers_leave_ctrl_c_to_the_arbiter(_worker: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class WikiServer(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn configured from a dict, loading the app in each worker."""

    def __init__(self, make_app: Callable[[], WSGIApp], options: dict[str, Any]) -> None:
        self.make_app = make_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            if name in self.cfg.settings:  # the control socket is new in gunicorn 23
                self.cfg.set(name, value)

    def load(self) -> WSGIApp:
        return self.make_app()


def configure_console_logging(log_format: str) -> None:
    """The wiki's log, one line per request included, on stderr: text or JSON.

    Raises ConfigError for an unknown format.
    """
    configure_logging(log_format)  # JSON is set up there; it also checks the name
    logger = logging.getLogger("masterywiki")
    if log_format == "text" and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(TEXT_LOG_FORMAT, "%Y-%m-%d %H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
