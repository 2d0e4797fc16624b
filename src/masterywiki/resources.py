"""Where the bundled templates and starter content live, installed or in a checkout."""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent  # src/masterywiki -> repository root


def _find(installed: str, checkout: str) -> Path:
    # A wheel carries these inside the package; an editable install uses the checkout.
    for candidate in (_PACKAGE / installed, _CHECKOUT / checkout):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"masterywiki is missing its {checkout}/ folder")


def static_dir() -> Path:
    """The scripts, styles and icons served under `/-/static/` (always in the package)."""
    return _PACKAGE / "static"


def translations_dir() -> Path:
    """The interface's message catalogs (gettext .po/.mo, always in the package).

    The compiled .mo files are committed rather than compiled at start: an installed
    package may be read-only and a wheel needs no build step; tests/test_catalogs.py
    fails when one no longer says what its .po says.
    """
    return _PACKAGE / "translations"


@cache
def message_catalog(language: str) -> gettext.NullTranslations:
    """The interface's messages in `language` (English as written when there are none),
    for what is written outside a request: the emails."""
    return gettext.translation(
        "messages", str(translations_dir()), languages=[language.split("-")[0]], fallback=True
    )


def templates_dir() -> Path:
    return _find("templates", "templates")


def starter_dir() -> Path:
    return _find("starter", "wiki")


def starter_files(root: Path | None = None) -> dict[str, bytes]:
    """The starter wiki (or the folder `root`) as {relative path: bytes}.

    Dot names are skipped only inside the folder: the folder itself may well sit
    under one (`.venv/lib/.../site-packages/masterywiki/starter`).
    """
    root = root or starter_dir()
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            found[relative.as_posix()] = path.read_bytes()
    return found
