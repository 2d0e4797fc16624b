"""Which files may be attached to a page, decided by their content, not their name.

Pure: bytes in, a FileType (or a clear refusal) out. The name's extension must
agree with what the content is, so a PNG called `report.pdf` or an HTML page
called `diagram.png` is refused before it is stored.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from masterywiki.errors import WikiError


class UnsupportedFile(WikiError):
    status = 415
    title = "File type not accepted"


class EmptyFile(UnsupportedFile):
    """Zero bytes: no kind of file at all (it would pass for an empty text file), and
    almost always a save or export that went wrong."""

    status = 400
    title = "Empty file"


@dataclass(frozen=True)
class FileType:
    kind: str
    label: str
    mimetype: str
    extensions: tuple[str, ...]
    inline: bool  # safe to show in the browser; the rest are served as downloads
    image: bool = False

    @property
    def extension(self) -> str:
        return self.extensions[0]


PNG = FileType("png", "PNG image", "image/png", ("png",), inline=True, image=True)
JPEG = FileType("jpeg", "JPEG image", "image/jpeg", ("jpg", "jpeg"), inline=True, image=True)
GIF = FileType("gif", "GIF image", "image/gif", ("gif",), inline=True, image=True)
WEBP = FileType("webp", "WebP image", "image/webp", ("webp",), inline=True, image=True)
# SVG can carry script and PDF can carry JavaScript: both are offered as downloads.
# An SVG still displays in an <img> on the page, where browsers never run its script.
SVG = FileType("svg", "SVG drawing", "image/svg+xml", ("svg",), inline=False, image=True)
PDF = FileType("pdf", "PDF document", "application/pdf", ("pdf",), inline=False)
TEXT = FileType("text", "Text file", "text/plain", ("txt",), inline=True)
CSV = FileType("csv", "CSV table", "text/csv", ("csv",), inline=False)
_OOXML = "application/vnd.openxmlformats-officedocument."
DOCX = FileType("docx", "Word document", _OOXML + "wordprocessingml.document", ("docx",), False)
XLSX = FileType("xlsx", "Excel workbook", _OOXML + "spreadsheetml.sheet", ("xlsx",), False)
PPTX = FileType("pptx", "PowerPoint deck", _OOXML + "presentationml.presentation", ("pptx",), False)
_ODF = "application/vnd.oasis.opendocument."
ODT = FileType("odt", "OpenDocument text", _ODF + "text", ("odt",), inline=False)
ODS = FileType("ods", "OpenDocument spreadsheet", _ODF + "spreadsheet", ("ods",), inline=False)
ODP = FileType("odp", "OpenDocument presentation", _ODF + "presentation", ("odp",), False)

ACCEPTED: tuple[FileType, ...] = (
    PNG, JPEG, GIF, WEBP, SVG, PDF, TEXT, CSV, DOCX, XLSX, PPTX, ODT, ODS, ODP,
)  # fmt: skip
BY_EXTENSION = {ext: t for t in ACCEPTED for ext in t.extensions}

_MAGIC: tuple[tuple[bytes, FileType], ...] = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"%PDF-", PDF),
)
_OOXML_PARTS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_ODF_TYPES = {_ODF + "text": ODT, _ODF + "spreadsheet": ODS, _ODF + "presentation": ODP}
# What may come before an SVG's root element: a BOM, an XML declaration, comments,
# a doctype, whitespace.
_SVG_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]",
    re.DOTALL | re.IGNORECASE,
)
_MARKUP_START = re.compile(rb"^\s*<(?:!doctype\s+html|html|head|body|script|\?xml)", re.I)


def sniff(data: bytes) -> FileType | None:
    """What the content is, among the accepted types; None for anything else."""
    for magic, file_type in _MAGIC:
        if data.startswith(magic):
            return file_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if _SVG_START.match(data[:4096]):
        return SVG
    return _sniff_text(data)


def _sniff_zip(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.namelist()
            if entries and entries[0] == "mimetype":
                return _ODF_TYPES.get(archive.read("mimetype").decode("ascii", "replace"))
            if "[Content_Types].xml" in entries:
                for prefix, file_type in _OOXML_PARTS.items():
                    if any(entry.startswith(prefix) for entry in entries):
                        return file_type
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return None
    return None


def _sniff_text(data: bytes) -> FileType | None:
    """UTF-8 text without control characters; markup (HTML, XML) is not text here."""
    if b"\x00" in data or _MARKUP_START.match(data[:1024]):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text[:65536]):
        return None
    return TEXT


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_upload(name: str, data: bytes) -> FileType:
    """The type of an upload called `name`, if its content is accepted and matches its name.

    Raises UnsupportedFile (EmptyFile for no content) saying what it is and what to do.
    """
    if not data:
        raise EmptyFile(
            f"'{name}' is empty (0 bytes), so there is nothing to attach. Check that the "
            "file was saved completely, then upload it again."
        )
    expected = BY_EXTENSION.get(extension_of(name))
    if expected is None:
        accepted = ", ".join(sorted({t.extension for t in ACCEPTED}))
        raise UnsupportedFile(
            f"'{name}' is not a kind of file this wiki accepts. Accepted: {accepted}."
        )
    actual = sniff(data)
    if actual is None:
        raise UnsupportedFile(
            f"'{name}' is named like {_a(expected.label)}, but its content is not one "
            "(or is a kind of file this wiki does not accept, such as a web page or a program)."
        )
    if actual is TEXT and expected is CSV:  # a CSV table is text with a .csv name
        return CSV
    if actual is not expected:
        raise UnsupportedFile(
            f"'{name}' is named like {_a(expected.label)}, but its content is {_a(actual.label)}. "
            f"Rename it to end in .{actual.extension} and upload it again."
        )
    return actual


def _a(label: str) -> str:
    return ("an " if label[:1] in "AEIOU" else "a ") + label


def type_of_stored(name: str) -> FileType:
    """The type to serve a stored attachment as: from its name, since uploads were
    checked; anything unexpected (a file added outside the wiki) is a download."""
    return BY_EXTENSION.get(extension_of(name), _UNKNOWN)


_UNKNOWN = FileType("unknown", "File", "application/octet-stream", ("bin",), inline=False)
