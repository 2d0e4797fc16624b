"""Site-wide views: the health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from masterywiki.views import services

bp = Blueprint("site", __name__)


@bp.get("/-/healthz")
def healthz() -> Response:
    snapshot = services().wiki.refresh()
    return jsonify(status="ok", commit=snapshot.commit, pages=len(snapshot.catalog))
