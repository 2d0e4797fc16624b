"""The review dashboard, "Mark reviewed", and each page's owner and review dates."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("review", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
