"""Attaching a diagram in a real browser: upload through the form, show it on the page."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import axe_violations, follow, log_in, page_source

WIDE = {"width": 1280, "height": 900}


def tiny_png(width: int = 40, height: int = 20) -> bytes:
    """A real, decodable PNG: a solid teal rectangle."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes((0, 128, 128)) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def ada(browser: Any, live_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport=WIDE, bypass_csp=True)
    yield log_in(context, live_url, "ada")
    context.close()


def test_upload_a_diagram_and_show_it_on_the_page(
    ada: Any, live_url: str, tmp_path: Path, save_screenshot: Callable[[Any, str], Path]
) -> None:
    page = ada
    diagram = tmp_path / "Grading Flow.png"
    diagram.write_bytes(tiny_png())
    page.goto(f"{live_url}/framework/grading-policy")
    follow(page, page.locator(".page-actions").get_by_role("link", name="Files"))
    assert page.locator(".empty").is_visible(), "an empty state before the first upload"
    page.get_by_label("Files", exact=True).set_input_files(str(diagram))
    follow(page, page.get_by_role("button", name="Upload"))
    flash = page.locator(".flash-success").inner_text()
    assert "![grading-flow.png](grading-policy.files/grading-flow.png)" in flash
    assert page.locator(".attachments-table tbody tr").count() == 1
    assert axe_violations(page) == []
    save_screenshot(page, "attachments-1280")

    # Paste the line into the page, as the message says, and the image shows.
    page.goto(f"{live_url}/framework/grading-policy/-/edit")
    source = page.get_by_role("textbox", name="Page source (markdown)")
    source.fill(
        page_source(page) + "\n![grading-flow.png](grading-policy.files/grading-flow.png)\n"
    )
    follow(page, page.get_by_role("button", name="Save"))
    image = page.locator(".body img[alt='grading-flow.png']")
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 40
    assert page.locator(".page-attachments a").inner_text() == "grading-flow.png"


def test_a_file_of_the_wrong_kind_is_refused_with_a_reason(
    ada: Any, live_url: str, tmp_path: Path
) -> None:
    page = ada
    disguised = tmp_path / "diagram.png"
    disguised.write_text("<html><script>alert(1)</script></html>")
    page.goto(f"{live_url}/framework/grading-policy/-/files")
    page.get_by_label("Files", exact=True).set_input_files(str(disguised))
    response = follow(page, page.get_by_role("button", name="Upload"))
    assert response.status == 415
    assert "its content is not one" in page.locator("main").inner_text()
