"""Dependencies run one way: git only in the storage layer, Flask only at the web edge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "masterywiki"
PURE = {"names", "slugs", "model", "docinfo", "markup", "catalog", "errors", "lru"}
PURE |= {"watches", "notices"}  # watchlist matching and the words of email notices
PURE |= {"filetypes", "protection", "sitemap"}  # file types; who may edit; static URLs
PURE |= {"importer", "importlinks", "importpages", "importnav"}  # planning an import
PURE |= {"gitparse"}  # reading git's output; storage runs the commands
FLASK_ALLOWED = {"app", "cli", "views", "build"}  # build.py sits above app.py
# The storage layer: the only modules that run git. gitobjects and worktree are
# storage.py's own parts; gitremote works on a GitStorage; textmerge runs
# `git merge-file` on texts, without a repository.
STORAGE = {"storage", "gitobjects", "githead", "worktree", "worktreestate", "gitremote", "textmerge"}
STORAGE_PARTS = {"gitobjects", "githead", "worktree"}
BELOW_STORAGE = {"errors", "gitparse"}  # what the storage layer may import besides itself


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def wiki_imports_of(path: Path) -> set[str]:
    """The masterywiki modules `path` imports (`a` for masterywiki.a and masterywiki.a.b)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "masterywiki" and len(parts) > 1:
                found.add(parts[1])
            elif node.module == "masterywiki":
                found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("masterywiki.")}
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layering(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    top = relative.parts[0].removesuffix(".py")
    used = imports_of(path)
    if top not in STORAGE:
        assert "git" not in used, "only the storage layer talks to git"
    wiki_used = wiki_imports_of(path)
    if top in STORAGE:
        assert wiki_used <= STORAGE | BELOW_STORAGE, "the storage layer imports nothing above it"
    if top != "storage":
        assert not wiki_used & STORAGE_PARTS, "gitobjects and worktree are storage.py's parts"
    if top not in FLASK_ALLOWED and not top.startswith("cli_") and top != "__init__":
        assert not used & {"flask", "werkzeug", "click"}, "Flask and click stay at the edge"
    if top in PURE:
        assert not used & {"subprocess", "os", "pathlib", "git", "flask"}, "pure modules do no I/O"
