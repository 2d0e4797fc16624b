"""Search insights for editors: top searches, searches that found nothing or that no
reader followed, each a link to write the missing page or term."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("insights", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
