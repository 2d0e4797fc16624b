"""Page names: validation and the mapping between page names, file paths and URLs.

A page name is what DESIGN.md calls a page path: lowercase segments of `a-z 0-9 -`
joined by `/` (`framework/grading-policy`). The root page is `index`. Everything
here is pure string work and never touches the disk.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from masterywiki.errors import InvalidPagePath

ROOT = "index"
PAGE_SUFFIX = ".md"
MAX_NAME_LENGTH = 200

_SEGMENT = r"[a-z0-9][a-z0-9-]*"
_NAME_RE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")


def validate(name: str) -> str:
    """Return `name` if it is a valid page name.

    Raises InvalidPagePath with a message that says what is wrong.
    """
    if not name:
        raise InvalidPagePath("A page address cannot be empty.")
    if "\x00" in name:
        raise InvalidPagePath("A page address cannot contain a NUL character.")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidPagePath(f"A page address is at most {MAX_NAME_LENGTH} characters long.")
    if name.startswith("/"):
        raise InvalidPagePath("A page address is relative to the wiki root; drop the leading '/'.")
    segments = name.split("/")
    if any(seg in ("..", ".") for seg in segments):
        raise InvalidPagePath("A page address cannot contain '.' or '..' segments.")
    if any(seg.startswith(".") for seg in segments):
        raise InvalidPagePath("A page address cannot name hidden files such as '.git'.")
    if name.endswith(PAGE_SUFFIX) or "." in name:
        raise InvalidPagePath(
            "A page address has no file extension: use 'framework/grading', not a file name."
        )
    if _NAME_RE.fullmatch(name) is None:
        raise InvalidPagePath(
            "A page address uses lowercase letters, digits and '-' in segments joined by '/', "
            f"each starting with a letter or digit: '{name}' does not."
        )
    return name


# The caches below are sized for a page's own work (its links, a save's files), not for
# the whole wiki: a catalog pass over 100,000 pages misses them anyway, and entries for
# every name held 40 MB of each worker's memory.
@lru_cache(maxsize=1 << 12)
def is_valid(name: str) -> bool:
    try:
        validate(name)
    except InvalidPagePath:
        return False
    return True


def normalize_user_input(text: str) -> str:
    """Accept what people type for a page path ('/framework/grading.md') and validate it."""
    name = text.strip()
    if name.startswith("/"):
        name = name[1:]
    if name.endswith(PAGE_SUFFIX):
        name = name[: -len(PAGE_SUFFIX)]
    name = name.rstrip("/") or ROOT
    return canonical(validate(name))


def canonical(name: str) -> str:
    """`framework/index` is the page `framework`; the root stays `index`."""
    if name.endswith("/index"):
        return name[: -len("/index")]
    return name


@lru_cache(maxsize=1 << 12)
def name_for_file(path: str) -> str | None:
    """The page name a repository file holds, or None if the file is not a page."""
    if not path.endswith(PAGE_SUFFIX):
        return None
    stem = path[: -len(PAGE_SUFFIX)]
    if not is_valid(stem):
        return None
    return canonical(stem)


def candidate_files(name: str) -> tuple[str, ...]:
    """Files that may hold page `name`, in order of preference."""
    if name == ROOT:
        return (ROOT + PAGE_SUFFIX,)
    return (f"{name}/index{PAGE_SUFFIX}", name + PAGE_SUFFIX)


def new_file_for(name: str) -> str:
    """The file a new page is created in."""
    return candidate_files(name)[-1]


def url_for_name(name: str) -> str:
    return "/" if name == ROOT else "/" + name


def folder_of_file(path: str) -> str:
    """The folder relative references in `path` are resolved against ('' at the root)."""
    return posixpath.dirname(path)


# Cached: a page's links are resolved again at each render and save, and the answer
# depends only on these two strings.
@lru_cache(maxsize=1 << 14)
def resolve_reference(target: str, from_file: str) -> str | None:
    """Resolve a `{doc}`/toctree/link target written in `from_file` to a page name.

    Absolute targets start at the wiki root; others are relative to the folder of
    `from_file`. A trailing `.md` is optional. Returns None when the target cannot
    be a page name (it escapes the root or is malformed).
    """
    target = target.strip()
    if not target:
        return None
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = posixpath.join(folder_of_file(from_file), target)
    normalized = posixpath.normpath(joined) if joined else ""
    if normalized in ("", ".", "/"):
        return ROOT
    if normalized == ".." or normalized.startswith("../"):
        return None
    if normalized.endswith(PAGE_SUFFIX):
        normalized = normalized[: -len(PAGE_SUFFIX)]
    if not is_valid(normalized):
        return None
    return canonical(normalized)


# --- Legacy addresses: pages imported from another wiki keep their old names -------


def legacy_key(old: str) -> str | None:
    """How an old address from another wiki is looked up: 'Meeting Notes/Week 1.md'
    -> 'meeting notes/week 1'. None for what can never be an address ('..', NUL,
    hidden segments), which `check` reports."""
    text = old.strip().strip("/")
    if text.endswith(PAGE_SUFFIX):
        text = text[: -len(PAGE_SUFFIX)]
    segments = text.split("/")
    if not text or "\x00" in text or "\\" in text:
        return None
    if any(not seg.strip() or seg.startswith(".") for seg in segments):
        return None
    return "/".join(seg.strip() for seg in segments).casefold()


def legacy_keys(old: str) -> tuple[str, ...]:
    """The keys an old address answers to: as written, and with '-' for spaces, the
    way Gollum spells page URLs ('Meeting Notes' is served at /Meeting-Notes)."""
    key = legacy_key(old)
    if key is None:
        return ()
    return tuple(dict.fromkeys((key, key.replace(" ", "-"))))


def title_from_name(name: str) -> str:
    """A readable fallback title: 'framework/grading-policy' -> 'Grading policy'."""
    last = name.rsplit("/", 1)[-1]
    words = last.replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


# --- Attachments: files kept beside a page, in `<page file stem>.files/NAME` -----

ATTACHMENTS_SUFFIX = ".files"
MAX_ATTACHMENT_NAME = 100
_ATTACHMENT_RE = re.compile(r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*\.[a-z0-9]+")
_NOT_NAME_CHAR = re.compile(r"[^a-z0-9._-]+")


def validate_attachment(name: str) -> str:
    """Return `name` if it is a valid attachment file name (`diagram.png`).

    Raises InvalidPagePath (a 400) saying what is wrong.
    """
    if not name or "/" in name or "\\" in name or "\x00" in name or name.startswith("."):
        raise InvalidPagePath(f"'{name[:60]}' is not an attachment name: use a plain file name.")
    if len(name) > MAX_ATTACHMENT_NAME:
        raise InvalidPagePath(f"An attachment name is at most {MAX_ATTACHMENT_NAME} characters.")
    if _ATTACHMENT_RE.fullmatch(name) is None:
        raise InvalidPagePath(
            "An attachment name uses lowercase letters, digits, '-', '_' and '.', "
            f"and ends in an extension such as '.png': '{name}' does not."
        )
    return name


def attachment_name_for(filename: str) -> str:
    """A valid attachment name for an uploaded file: 'My Diagram (v2).PNG' -> 'my-diagram-v2.png'.

    Raises InvalidPagePath when nothing usable is left (no extension, say).
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem, dot, extension = base.rpartition(".")
    if not dot or not stem:
        raise InvalidPagePath(f"'{base[:60]}' has no file extension such as '.png' or '.pdf'.")
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = _NOT_NAME_CHAR.sub("-", stem.lower()).strip("-._") or "file"
    extension = _NOT_NAME_CHAR.sub("", extension.lower())
    room = MAX_ATTACHMENT_NAME - len(extension) - 1
    return validate_attachment(f"{stem[:room].rstrip('-._') or 'file'}.{extension}")


def attachments_folder(page_file: str) -> str:
    """'framework/grading.md' -> 'framework/grading.files'."""
    return page_file[: -len(PAGE_SUFFIX)] + ATTACHMENTS_SUFFIX


class AttachmentPath(NamedTuple):
    """Where an attachment lives: 'framework/grading.files/a.png' is attachment 'a.png'
    of page 'framework/grading', stored beside 'framework/grading.md'."""

    page_file: str
    page: str
    name: str

    @property
    def path(self) -> str:
        return f"{attachments_folder(self.page_file)}/{self.name}"

    @property
    def url(self) -> str:
        return attachment_url(self.page, self.name)


@lru_cache(maxsize=1 << 14)
def split_attachment_path(path: str) -> AttachmentPath | None:
    """The attachment a repository path holds, or None if it is not one."""
    folder, _, attachment = path.rpartition("/")
    if not folder.endswith(ATTACHMENTS_SUFFIX) or attachment == "":
        return None
    page_file = folder[: -len(ATTACHMENTS_SUFFIX)] + PAGE_SUFFIX
    page = name_for_file(page_file)
    try:
        validate_attachment(attachment)
    except InvalidPagePath:
        return None
    return AttachmentPath(page_file, page, attachment) if page is not None else None


def resolve_attachment(target: str, from_file: str) -> AttachmentPath | None:
    """The attachment a link in `from_file` points at, or None.

    `school-wide-systems.files/diagram.png` written in `framework/school-wide-systems.md`
    is attachment `diagram.png` of `framework/school-wide-systems`; absolute targets
    start at the wiki root.
    """
    target = target.strip().split("#", 1)[0].split("?", 1)[0]
    if ATTACHMENTS_SUFFIX + "/" not in target:
        return None
    if target.startswith("/"):
        joined = target.lstrip("/")
    else:
        joined = posixpath.join(folder_of_file(from_file), target)
    normalized = posixpath.normpath(joined)
    if normalized.startswith("../") or normalized == "..":
        return None
    return split_attachment_path(normalized)


def attachment_url(page: str, attachment: str) -> str:
    return f"/{page}/-/files/{attachment}"
