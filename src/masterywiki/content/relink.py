"""Rewriting page sources when pages move: redirects in front matter, links in bodies.

Pure text work, so a rename can change the moved page and every page linking to
it in one commit without disturbing anything else a person wrote.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping

from masterywiki.content import names
from masterywiki.content.docinfo import _FILE_LINK, _MD_LINK, _ROLE, classify, split_explicit_title
from masterywiki.content.model import parse_document
from masterywiki.errors import WikiError

_REDIRECT_KEY = re.compile(r"^redirect_from\s*:")


class CannotEditFrontMatter(WikiError):
    status = 400
    title = "Front matter needs fixing first"


def add_redirect(text: str, old_name: str) -> str:
    """Add `old_name` to the page's `redirect_from` list, keeping the rest as written.

    Raises CannotEditFrontMatter when the front matter does not parse.
    """
    document = parse_document(text)
    front_matter = document.front_matter
    if front_matter.problems:
        raise CannotEditFrontMatter(
            "This page's front matter has errors; fix them before moving the page, "
            "so that its old address can redirect to the new one."
        )
    redirects = list(dict.fromkeys([*front_matter.redirect_from, old_name]))
    block = ["redirect_from:", *(f"  - {name}" for name in redirects)]
    if document.body_line == 1:
        return "---\n" + "\n".join(block) + "\n---\n" + text
    lines = text.split("\n")
    header = lines[1 : document.body_line - 2]
    kept: list[str] = []
    skipping = False
    for line in header:
        if _REDIRECT_KEY.match(line):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t", "-")) or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    rest = lines[document.body_line - 2 :]
    return "\n".join(["---", *kept, *block, *rest])


def retarget(
    target: str,
    old_file: str,
    new_file: str,
    renamed: Mapping[str, str],
    file_of: Callable[[str], str],
) -> str | None:
    """The text to write instead of `target`, or None if it still resolves correctly."""
    name = names.resolve_reference(target, old_file)
    if name is None:
        return None
    wanted = renamed.get(name, name)
    if names.resolve_reference(target, new_file) == wanted:
        return None
    path = file_of(wanted) if target.endswith(names.PAGE_SUFFIX) else wanted
    if target.startswith("/"):
        return "/" + path
    folder = names.folder_of_file(new_file) or "."
    return posixpath.relpath(path, folder)


def retarget_attachment(
    target: str, old_file: str, new_file: str, folders: Mapping[str, str]
) -> str | None:
    """The text to write instead of attachment link `target`, or None if it still
    resolves correctly. `folders` maps moved attachment folders to their new place."""
    found = names.resolve_attachment(target, old_file)
    if found is None:
        return None
    folder = names.attachments_folder(found.page_file)
    path = f"{folders.get(folder, folder)}/{found.name}"
    moved = names.resolve_attachment(target, new_file)
    if moved is not None and moved.path == path:
        return None
    if target.startswith("/"):
        return "/" + path
    return posixpath.relpath(path, names.folder_of_file(new_file) or ".")


def rewrite_references(
    text: str,
    old_file: str,
    new_file: str,
    renamed: Mapping[str, str],
    file_of: Callable[[str], str],
    folders: Mapping[str, str] | None = None,
) -> str:
    """Rewrite {doc} roles, .md links, attachment links and toctree entries that
    `renamed` (and `folders`, the attachment folders that move) or a move breaks.

    `old_file` is where the text was written, `new_file` where it will live;
    `file_of(name)` is the file a page name is stored in after the change.
    """
    folders = folders or {}
    document = parse_document(text)
    lines = text.split("\n")
    offset = document.body_line - 1

    def fix(target: str) -> str:
        return retarget(target, old_file, new_file, renamed, file_of) or target

    def fix_role(match: re.Match[str]) -> str:
        if match.group(1) != "doc":
            return match.group(0)
        shown, target = split_explicit_title(match.group(2))
        new = fix(target)
        inner = f"{shown} <{new}>" if shown else new
        return f"{{doc}}`{inner}`"

    def fix_link(match: re.Match[str]) -> str:
        target = match.group(1)
        if "://" in target:
            return match.group(0)
        return match.group(0).replace(target, fix(target), 1)

    def fix_file_link(match: re.Match[str]) -> str:
        target = match.group(1)
        new = retarget_attachment(target, old_file, new_file, folders)
        return match.group(0) if new is None else match.group(0).replace(target, new, 1)

    for index, line, kind in classify(lines[offset:]):
        number = index + offset
        if kind == "text":
            line = _MD_LINK.sub(fix_link, _ROLE.sub(fix_role, line))
            lines[number] = _FILE_LINK.sub(fix_file_link, line)
        elif kind == "toctree" and line.strip() and not line.strip().startswith(":"):
            shown, target = split_explicit_title(line.strip())
            new = fix(target)
            if new != target:
                indent = line[: len(line) - len(line.lstrip())]
                lines[number] = indent + (f"{shown} <{new}>" if shown else new)
    return "\n".join(lines)
