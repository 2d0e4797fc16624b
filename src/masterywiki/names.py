"""Page names: validation and the mapping between page names, file paths and URLs.

A page name is what DESIGN.md calls a page path: lowercase segments of `a-z 0-9 -`
joined by `/` (`framework/grading-policy`). The root page is `index`. Everything
here is pure string work and never touches the disk.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

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


@lru_cache(maxsize=1 << 16)
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


@lru_cache(maxsize=1 << 16)
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


# Cached: the catalog resolves every toctree entry and link of every page on each
# commit, and the answer depends only on these two strings.
@lru_cache(maxsize=1 << 17)
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


def title_from_name(name: str) -> str:
    """A readable fallback title: 'framework/grading-policy' -> 'Grading policy'."""
    last = name.rsplit("/", 1)[-1]
    words = last.replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name
