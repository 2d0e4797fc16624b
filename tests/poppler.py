"""Poppler's command-line tools (`pdftotext`, `pdftoppm`, `pdfimages`), which the PDF
tests read handbooks with. They skip without them, and fail instead under
MASTERYWIKI_REQUIRE_POPPLER=1 (set by .ci/run, which installs poppler-utils)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REQUIRE_ENV = "MASTERYWIKI_REQUIRE_POPPLER"


def tool(name: str) -> str:
    """The path of poppler's `name`, or skip (fail when CI requires it)."""
    found = shutil.which(name)
    if found is not None:
        return found
    reason = f"{name} is not installed (Debian: apt-get install poppler-utils)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pdf_text(pdf: Path, *pages: int) -> str:
    """The text of `pdf` in reading order with its layout (`pdftotext -layout`); pages
    are separated by form feeds. With `pages` (first, last), only those."""
    limits = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    result = subprocess.run(
        [tool("pdftotext"), "-layout", *limits, str(pdf), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


def first_page_png(pdf: Path, out: Path, dpi: int = 60) -> Path:
    """The first page of `pdf` rendered to `out`.png by `pdftoppm`."""
    subprocess.run(
        [tool("pdftoppm"), "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
         str(pdf), str(out)],
        capture_output=True, check=True,
    )  # fmt: skip
    return out.with_suffix(".png")


def images(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) of each image drawn in `pdf` (`pdfimages -list`)."""
    result = subprocess.run(
        [tool("pdfimages"), "-list", str(pdf)], capture_output=True, text=True, check=True
    )
    rows = [line.split() for line in result.stdout.splitlines()[2:] if line.strip()]
    return [(int(row[3]), int(row[4])) for row in rows if row[2] == "image"]
