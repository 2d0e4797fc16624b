"""Site-wide views: the health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect
from flask.typing import ResponseReturnValue

from masterywiki.web.views import ops, services

bp = Blueprint("site", __name__)


@bp.get("/-/healthz")
def healthz() -> Response:
    snapshot = services().wiki.refresh()
    state = ops.health()  # the git state (ahead/behind the remote) and search index lag
    # Pages still serve without the database (only logins and comments need it), so a
    # load balancer keeps the server; "degraded" tells the operator.
    status = "ok" if state["database"]["ok"] else "degraded"
    return jsonify(status=status, commit=snapshot.commit, pages=len(snapshot.catalog), **state)


# Crawlers may read pages, not every old revision, diff and edit form.
ROBOTS = "User-agent: *\nDisallow: /-/\nDisallow: /*/-/\nAllow: /-/static/\n"


@bp.get("/robots.txt")
def robots() -> Response:
    return Response(ROBOTS, mimetype="text/plain")


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    return redirect("/-/static/favicon.svg", 301)
