"""Laying out a handbook's HTML as a PDF with WeasyPrint (imported only when printing,
so a server without WeasyPrint's system libraries serves everything else).

Images and stylesheets are read through the app's own services (page attachments at
HEAD, the static folder): the fetcher refuses every other address, so printing never
reaches the network.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from masterywiki.content.filetypes import type_of_stored
from masterywiki.repository.attachments import Attachments
from masterywiki.resources import static_dir

PROGRESS_LOGGER = "weasyprint.progress"
LAYOUT_PAGE = re.compile(r"Creating layout - Page (\d+)")
Progress = Callable[[str, int, int | None], None]


class AppFetcher(URLFetcher):  # type: ignore[misc]
    """Serves the handbook's stylesheets and images from the app itself: the static
    folder and page attachments at `base_url` (as they were at `commit`, if given);
    refuses every other address."""

    def __init__(self, attachments: Attachments, base_url: str, commit: str | None = None) -> None:
        super().__init__(allowed_protocols=("http", "https", "data"))
        self.attachments = attachments
        self.origin = urlsplit(base_url)[:2]
        self.commit = commit

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)  # inline data: nothing is fetched
        parts = urlsplit(url)
        if parts[:2] != self.origin:
            raise ValueError(f"a handbook reads nothing from other hosts ({url[:80]})")
        data, mimetype = self._local(unquote(parts.path))
        return URLFetcherResponse(url, data, {"Content-Type": mimetype})

    def _local(self, path: str) -> tuple[bytes, str]:
        if path.startswith("/-/static/"):
            found = safe_join(str(static_dir()), path.removeprefix("/-/static/"))
            if found is None:
                raise ValueError(f"no static file {path}")
            with open(found, "rb") as handle:
                data = handle.read()
            return data, mimetypes.guess_type(found)[0] or "application/octet-stream"
        page, marker, attachment = path.strip("/").partition("/-/files/")
        if not marker or "/" in attachment:
            raise ValueError(f"a handbook reads only attachments and static files ({path})")
        mimetype = type_of_stored(attachment).mimetype
        if self.commit is not None:
            return self.attachments.read_at(page, attachment, self.commit), mimetype
        return self.attachments.read(self.attachments.get(page, attachment)), mimetype


@contextmanager
def layout_progress(progress: Progress | None) -> Iterator[None]:
    """Report WeasyPrint's "Creating layout - Page N" as `progress("layout", N, None)`,
    for this thread's document only."""
    if progress is None:
        yield
        return
    me = threading.get_ident()

    class Relay(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            found = LAYOUT_PAGE.search(record.getMessage())
            if found and record.thread == me and progress is not None:
                progress("layout", int(found.group(1)), None)

    logger = logging.getLogger(PROGRESS_LOGGER)
    relay, level = Relay(), logger.level
    logger.addHandler(relay)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(relay)
        logger.setLevel(level)


def write(
    html: str,
    attachments: Attachments,
    base_url: str,
    progress: Progress | None,
    commit: str | None = None,
) -> tuple[bytes, int]:
    """(the PDF, its number of pages) of `html`, whose own URLs are under `base_url`;
    attachments are read as they were at `commit` (None: as they are now)."""
    fetcher = AppFetcher(attachments, base_url, commit)
    with layout_progress(progress):
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        rendered = document.render()
        pdf = rendered.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf, len(rendered.pages)
