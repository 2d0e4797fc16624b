"""Blueprints, one per area; `services()` is how a view reaches the wiki."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, request

if TYPE_CHECKING:
    from masterywiki.app import Services


def services() -> Services:
    found: Services = current_app.extensions["masterywiki"]
    return found


def page_number() -> int:
    """The `?page=` of a paged listing: 1 when missing or not a positive number."""
    raw = request.args.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() else 1
