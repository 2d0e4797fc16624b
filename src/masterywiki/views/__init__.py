"""Blueprints, one per area; `services()` is how a view reaches the wiki."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from masterywiki.app import Services


def services() -> Services:
    found: Services = current_app.extensions["masterywiki"]
    return found
