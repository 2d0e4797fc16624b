"""Dependencies run one way: git only in storage, Flask only at the web edge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "masterywiki"
PURE = {"names", "slugs", "model", "docinfo", "markup", "catalog", "errors", "lru"}
PURE |= {"watches", "notices"}  # watchlist matching and the words of email notices
PURE |= {"filetypes", "protection", "sitemap"}  # file types; who may edit; static URLs
PURE |= {"importer", "importlinks", "importpages", "importnav"}  # planning an import
FLASK_ALLOWED = {"app", "cli", "views", "build"}  # build.py sits above app.py


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layering(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    top = relative.parts[0].removesuffix(".py")
    used = imports_of(path)
    if top != "storage":
        assert "git" not in used, "only storage.py talks to git"
    if top not in FLASK_ALLOWED and not top.startswith("cli_") and top != "__init__":
        assert not used & {"flask", "werkzeug", "click"}, "Flask and click stay at the edge"
    if top in PURE:
        assert not used & {"subprocess", "os", "pathlib", "git", "flask"}, "pure modules do no I/O"
