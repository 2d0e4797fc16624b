"""`/<path>/-/pdf`: the printable handbook, read back with poppler's tools."""

from __future__ import annotations

import io
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

import masterywiki.web
from masterywiki.web.app import create_app
from tests.auth_fixtures import logged_in_client
from tests.conftest import commit_files, git
from tests.poppler import first_page_png, images, pdf_text

FIRST = """---
title: First Chapter
summary: The first chapter.
---

# First Chapter

Every grade is built from a {term}`rubric`. See the [plan](first.files/plan.png).

![The plan](first.files/plan.png)

| Level | Meaning |
|-------|---------|
| 4 | Exceeds the target |
| 3 | Meets the target |

Also [an outside site](https://example.org/) and ![remote](https://example.org/x.png).
"""


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def add_plan(repo: Path) -> None:
    folder = repo / "guide" / "first.files"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.png").write_bytes(png(120, 80))
    git(repo, "add", "guide/first.files/plan.png")
    commit_files(repo, {"guide/first.md": FIRST}, "A plan and a table")


def get_pdf(client: FlaskClient, url: str, tmp_path: Path) -> Path:
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    out = tmp_path / (url.strip("/").replace("/", "_") + ".pdf")
    out.write_bytes(response.data)
    return out


def printed_today() -> str:
    return datetime.now(UTC).date().strftime("%-d %B %Y")


def test_a_section_prints_in_toctree_order_with_contents_glossary_and_footer(
    client: FlaskClient, basic_repo: Path, tmp_path: Path
) -> None:
    add_plan(basic_repo)
    git(basic_repo, "tag", "-a", "-m", "Adopted", "release/2025-26")
    pdf = get_pdf(client, "/guide/-/pdf", tmp_path)
    response = client.get("/guide/-/pdf")
    assert response.headers["Content-Disposition"] == 'inline; filename="guide.pdf"'
    pages = pdf_text(pdf).split("\f")
    cover, contents = pages[0], pages[1]
    assert "Guide" in cover and "2025-26" in cover and printed_today() in cover
    entries = re.findall(r"^\s*(\S[^.\n]*?)\s*\.{3,}\s*(\d+)\s*$", contents, re.MULTILINE)
    assert [title for title, _ in entries] == ["Guide", "First Chapter", "Second", "Glossary"]
    numbers = [int(number) for _, number in entries]
    assert numbers == sorted(numbers) and numbers[0] == 3
    for title, number in entries:  # each entry's page number is where it starts
        assert title in pages[int(number) - 1], title
    body = "\f".join(pages[2:])
    in_order = ("The guide has two chapters", "Every grade is built", "Back to First Chapter",
                "A scoring guide describing levels")  # fmt: skip
    order = [body.index(text) for text in in_order]
    assert order == sorted(order)
    assert "Meets the target" in body  # the table
    glossary = pages[numbers[-1] - 1]
    assert "Rubric" in glossary and "A scoring guide describing levels of performance." in glossary
    footer = f"Mastery Learning Wiki · Version 2025-26 · {printed_today()}"
    for number, page in enumerate(pages[:-1], start=1):  # the last is empty after the final \f
        assert footer in page, f"page {number}"
        if number > 1:
            assert f"Page {number} of {len(pages) - 1}" in page
    assert images(pdf) == [(120, 80)]  # the attachment, read through the app; not the remote one
    picture = Image.open(first_page_png(pdf, tmp_path / "first-page"))
    assert picture.size[0] < picture.size[1]  # portrait A4
    assert picture.convert("L").getextrema()[0] < 100  # something dark is printed on it


def test_the_footer_shows_the_commit_when_head_is_not_released(
    client: FlaskClient, basic_repo: Path, tmp_path: Path
) -> None:
    head = git(basic_repo, "rev-parse", "HEAD")
    text = pdf_text(get_pdf(client, "/guide/first/-/pdf", tmp_path))
    assert f"Version {head[:10]} · {printed_today()}" in text
    pages = text.split("\f")[:-1]
    assert len(pages) == 3  # title, contents, the page: it has no toctree and no terms
    assert "First Chapter" in pages[2] and "Principles" in pages[2]


def test_the_home_page_prints_the_whole_wiki_and_answers_as_index(
    client: FlaskClient, tmp_path: Path
) -> None:
    text = pdf_text(get_pdf(client, "/index/-/pdf", tmp_path))
    for title in ("Test Wiki Home", "Guide", "First Chapter", "Second", "Grade Composition"):
        assert title in text
    assert client.get("/index/-/pdf").headers["Content-Disposition"].endswith('"handbook.pdf"')


def test_missing_and_moved_pages(client: FlaskClient, basic_repo: Path) -> None:
    assert client.get("/nope/-/pdf").status_code == 404
    git(basic_repo, "mv", "guide/second.md", "guide/later.md")
    commit_files(
        basic_repo, {"guide/later.md": "---\nredirect_from: [guide/second]\n---\n# Later\n"}
    )
    moved = client.get("/guide/second/-/pdf")
    assert moved.status_code == 301 and moved.location.endswith("/guide/later/-/pdf")


def test_a_private_wiki_prints_only_for_readers_who_logged_in(
    basic_repo: Path, tmp_path: Path
) -> None:
    app: Flask = create_app({"repo": basic_repo, "instance": tmp_path / "i", "private": True})
    app.config["TESTING"] = True
    assert app.test_client().get("/guide/-/pdf").status_code in (302, 303)
    reader = logged_in_client(app, "rita", "reader")
    assert reader.get("/guide/-/pdf").mimetype == "application/pdf"
    app.extensions["masterywiki"].wiki.storage.close()


def test_without_weasyprint_the_pdf_says_what_to_install_and_the_rest_works(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "masterywiki.web.pdfwriter", None)  # import fails
    monkeypatch.delattr(masterywiki.web, "pdfwriter", raising=False)  # imported before
    response = client.get("/guide/-/pdf")
    assert response.status_code == 503
    assert "apt-get install libpango-1.0-0" in response.get_data(as_text=True)
    assert client.get("/guide").status_code == 200


def test_the_changes_page_links_the_releases(client: FlaskClient) -> None:
    page = BeautifulSoup(client.get("/-/changes").data, "html.parser")
    assert page.select_one("a[href='/-/releases']") is not None


def test_a_release_prints_as_it_was_released(
    client: FlaskClient, basic_repo: Path, tmp_path: Path
) -> None:
    add_plan(basic_repo)
    git(basic_repo, "tag", "-a", "-m", "Adopted", "release/2025-26")
    (basic_repo / "guide" / "first.files" / "plan.png").write_bytes(png(60, 40))
    git(basic_repo, "add", "guide/first.files/plan.png")
    commit_files(basic_repo, {
        "guide/first.md": FIRST.replace("Every grade", "This year every grade"),
        "guide/index.md": "# Guide\n\n```{toctree}\nfirst\n```\n",  # second left out
    }, "Next year")  # fmt: skip
    head = git(basic_repo, "rev-parse", "HEAD")

    released = get_pdf(client, "/guide/-/pdf?rev=2025-26", tmp_path)
    text = pdf_text(released)
    assert "This year" not in text and "Every grade is built" in text
    assert "Back to First Chapter" in text  # the second chapter was in the toctree then
    assert f"Version 2025-26 · {printed_today()}" in text
    assert images(released) == [(120, 80)]  # the plan as it was released
    response = client.get("/guide/-/pdf?rev=2025-26")
    assert response.headers["Content-Disposition"] == 'inline; filename="guide-2025-26.pdf"'

    now = get_pdf(client, "/guide/-/pdf", tmp_path)
    text = pdf_text(now)
    assert "This year every grade" in text and "Back to First Chapter" not in text
    assert f"Version {head[:10]}" in text
    assert images(now) == [(60, 40)]
    assert (
        client.get(f"/guide/-/pdf?rev={head}")
        .headers["Content-Disposition"]
        .endswith('"guide.pdf"')
    )  # HEAD itself is the current wiki

    missing = client.get("/guide/-/pdf?rev=no-such-release")
    assert missing.status_code == 404
    said = BeautifulSoup(missing.data, "html.parser").get_text()
    assert "no release or revision called 'no-such-release'" in said
    assert client.get("/guide/new-page/-/pdf?rev=2025-26").status_code == 404


def test_release_and_revision_pages_link_their_pdf(
    admin_client: FlaskClient, basic_repo: Path
) -> None:
    git(basic_repo, "tag", "-a", "-m", "Adopted", "release/2025-26")
    listing = BeautifulSoup(admin_client.get("/-/releases").data, "html.parser")
    assert listing.select_one("tr#release-2025-26 a[href='/index/-/pdf?rev=2025-26']")
    page = BeautifulSoup(admin_client.get("/guide/-/rev/2025-26").data, "html.parser")
    assert page.select_one(".revision-banner a[href='/guide/-/pdf?rev=2025-26']")
