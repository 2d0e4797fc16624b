"""Attachment types are decided by content: magic bytes, not the name's extension."""

from __future__ import annotations

import io
import zipfile

import pytest

from masterywiki.content import filetypes
from masterywiki.content.filetypes import (
    EmptyFile,
    UnsupportedFile,
    check_upload,
    sniff,
    type_of_stored,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
GIF = b"GIF89a" + bytes(20)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(20)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
SVG = b'<?xml version="1.0"?>\n<!-- drawn by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("plan.png", PNG, "png"),
        ("photo.jpg", JPEG, "jpeg"),
        ("photo.jpeg", JPEG, "jpeg"),
        ("spinner.gif", GIF, "gif"),
        ("chart.webp", WEBP, "webp"),
        ("policy.pdf", PDF, "pdf"),
        ("diagram.svg", SVG, "svg"),
        ("notes.txt", "Réunion: grading policy\n".encode(), "text"),
        ("scores.csv", b"student,standard,level\nann,ela-1,3\n", "csv"),
        ("handbook.docx", DOCX, "docx"),
        ("tracker.xlsx", XLSX, "xlsx"),
        ("minutes.odt", ODT, "odt"),
    ],
)
def test_accepted_files(name: str, data: bytes, kind: str) -> None:
    assert check_upload(name, data).kind == kind


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", PNG, "named like a PDF document, but its content is a PNG image"),
        ("diagram.png", HTML, "named like a PNG image, but its content is not one"),
        ("notes.txt", HTML, "named like a Text file, but its content is not one"),
        ("tracker.docx", XLSX, "its content is an Excel workbook"),
        ("archive.zip", zipped({"a.txt": b"a"}), "not a kind of file this wiki accepts"),
        ("page.html", HTML, "not a kind of file this wiki accepts"),
        ("tool.exe", b"MZ\x90\x00", "not a kind of file this wiki accepts"),
        ("binary.txt", b"abc\x00def", "named like a Text file, but its content is not one"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "content is not one"),
    ],
)
def test_refused_files_say_why(name: str, data: bytes, message: str) -> None:
    with pytest.raises(UnsupportedFile, match=message) as caught:
        check_upload(name, data)
    assert caught.value.status == 415


@pytest.mark.parametrize("name", ["diagram.png", "photo.jpg", "notes.txt", "table.csv"])
def test_an_empty_file_is_empty_whatever_its_name(name: str) -> None:
    with pytest.raises(EmptyFile, match=rf"'{name}' is empty \(0 bytes\)") as caught:
        check_upload(name, b"")
    assert caught.value.status == 400
    assert isinstance(caught.value, UnsupportedFile)


def test_a_mismatch_says_how_to_fix_it() -> None:
    with pytest.raises(UnsupportedFile, match=r"Rename it to end in \.png"):
        check_upload("report.pdf", PNG)


def test_svg_is_accepted_but_never_shown_inline() -> None:
    """An SVG can carry script: it is stored, and served only as a download."""
    found = check_upload("diagram.svg", SVG_WITH_SCRIPT)
    assert found is filetypes.SVG
    assert not found.inline and found.image


def test_what_is_served_inline() -> None:
    inline = {t.kind for t in filetypes.ACCEPTED if t.inline}
    assert inline == {"png", "jpeg", "gif", "webp", "text"}


def test_sniff_knows_nothing_about_names() -> None:
    assert sniff(PNG) is filetypes.PNG
    assert sniff(HTML) is None
    assert sniff(b"\xff\xfe\x00 not utf-8 text") is None


def test_stored_files_of_unknown_kind_are_downloads() -> None:
    assert type_of_stored("plan.png") is filetypes.PNG
    assert type_of_stored("added-by-git.bin").mimetype == "application/octet-stream"
    assert not type_of_stored("added-by-git.bin").inline
