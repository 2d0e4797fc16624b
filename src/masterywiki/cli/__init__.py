"""The `masterywiki` command: one module per command group, thin wrappers over the work.

Each module adds its commands to `main` (cli/group.py) when imported; importing them
here, and nothing importing this package back, keeps the registration free of circles.
"""

from __future__ import annotations

import os
import sys

from masterywiki.cli import (
    backup,
    build,
    check,
    db,
    handbook,
    importing,
    reindex,
    releases,
    serve,
    users,
)
from masterywiki.cli.group import main

__all__ = ["main", "run"]
COMMAND_MODULES = (backup, build, check, db, handbook, importing, reindex, releases, serve, users)


def run() -> None:  # pragma: no cover - used by `python -m masterywiki`
    main(prog_name=os.path.basename(sys.argv[0]) or "masterywiki")
