"""masterywiki: a git-backed, Sphinx-style knowledge base for mastery-based learning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]
__version__ = "0.1.0"


def create_app(settings: Any = None) -> Flask:
    """Build the Flask app (lazy import keeps `import masterywiki` side-effect free)."""
    from masterywiki.web.app import create_app as build

    return build(settings)
