"""Per-visitor fragments in shared, cached pages.

Finished page HTML is cached per commit and served to everyone, so anything that
depends on the visitor (the user menu, a comment thread with its buttons and CSRF
tokens, the sync notice) is left as a marker `<!-- masterywiki:NAME ARG -->` and
filled in here: one pass over the body per response, whatever the number of markers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from flask import Flask, Response, current_app, request

from masterywiki.errors import DatabaseUnavailable

MARKER = re.compile(rb"<!-- masterywiki:([a-z-]+)(?: ([^ >]+))? -->")
MARKER_PREFIX = b"<!-- masterywiki:"
EXTENSION = "masterywiki.markers"
log = logging.getLogger(__name__)

Filler = Callable[[str], str]  # the marker's argument -> the HTML to put in its place


def init_app(app: Flask) -> None:
    app.extensions.setdefault(EXTENSION, {})
    app.after_request(_fill)


def register(app: Flask, name: str, filler: Filler) -> None:
    """Fill every `<!-- masterywiki:NAME ... -->` with `filler(arg)`."""
    app.extensions.setdefault(EXTENSION, {})[name] = filler


def _fill(response: Response) -> Response:
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return response
    body = response.get_data()
    if MARKER_PREFIX not in body:
        return response
    fillers: dict[str, Filler] = current_app.extensions[EXTENSION]

    def replace(match: re.Match[bytes]) -> bytes:
        filler = fillers.get(match.group(1).decode())
        if filler is None:  # a feature that is off (e.g. no remote): nothing to show
            return b""
        try:
            return filler((match.group(2) or b"").decode()).encode()
        except DatabaseUnavailable as error:  # the page itself still serves
            log.warning("left out the %s part of %s: %s", match.group(1).decode(),
                        request.path, error.message)  # fmt: skip
            return b""

    response.set_data(MARKER.sub(replace, body))
    return response
