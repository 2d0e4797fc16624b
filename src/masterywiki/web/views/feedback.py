"""Reader feedback under every page: "Was this page helpful?" and "Report a problem"."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("feedback", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
