"""While a first start reads every page: a "starting" answer instead of a long wait."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request

from masterywiki.web.views import services

RETRY_SECONDS = 2


def init_app(app: Flask) -> None:
    """Register before every request hook that reads the wiki (after the request timer)."""
    app.before_request(_answer_while_starting)


def _answer_while_starting() -> Response | None:
    startup = services().startup
    if startup.ready.is_set() or request.path.startswith("/-/static/"):
        return None
    progress = {"pages_read": startup.pages_read, "pages": startup.pages_total,
                "error": startup.error}  # fmt: skip
    response: Response
    if request.path == "/-/healthz" or request.path.startswith("/-/api/"):
        response = jsonify(status="starting", **progress)
    else:
        page = render_template("starting.html", retry=RETRY_SECONDS, **progress)
        response = make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
