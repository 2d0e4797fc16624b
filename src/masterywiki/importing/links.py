"""Rewriting the links of an imported page: `[[wiki links]]`, relative links and images,
raw HTML `<a href>` and `<img src>`, and MyST `{doc}` roles.

Pure text work on one page body at a time. A `Targets` object (built by plan.py)
says where an old reference now points; this module finds the references, leaves
code alone, and notes every change so the import report can list it.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from typing import Protocol
from urllib.parse import unquote

from masterywiki.content import names
from masterywiki.content.docinfo import classify, split_explicit_title
from masterywiki.content.slugs import slugify

# note(line, kind, severity, message, old, new)
Note = Callable[[int, str, str, str, str, str], None]

_WIKI = r"\[\[(?P<wiki>[^\[\]\n]+?)\]\]"
_MD = (
    r"(?P<bang>!?)\[(?P<label>(?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
    r"\((?P<dest><[^<>\n]*>|[^()<>\n]*?(?:\([^()\n]*\)[^()<>\n]*?)*)"
    r"(?P<title>\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
)
# Raw HTML: the renderer passes it through as written, so it gets the URLs the wiki serves.
_TAG = r"<(?P<tag>(?i:img|a))\b(?P<attributes>[^<>\n]*)>"
_INLINE = re.compile(f"{_WIKI}|{_MD}|{_TAG}")
_ATTRIBUTE = re.compile(
    r"(?P<lead>\s(?P<name>[A-Za-z_:][\w:.-]*)\s*=\s*)"
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"'=<>`]+))"
)
_DOC_ROLE = re.compile(r"\{doc\}$")  # the text just before a role's `target`
_ROLE_CONTENT = re.compile(r"`[^`]+`")
_REFERENCE = re.compile(
    r"^(?P<lead> {0,3}\[[^\]\n]+\]:[ \t]*)(?P<dest><[^<>\n]*>|\S+)(?P<rest>.*)$"
)
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")
_BACKTICKS = re.compile(r"`+")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:\s|$)")
_PLAIN_ANCHOR = re.compile(r"[a-z0-9][a-z0-9_:.-]*")
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "webp", "svg"})


class Targets(Protocol):
    """Where references written in the source now point (repository paths)."""

    def page(self, target: str, source: str, *, wiki: bool) -> str | None:
        """The new file of the page (or folder) `target`, written in `source`, names."""

    def attachment(self, target: str, source: str, page_file: str) -> str | None:
        """The new path of the non-page file `target` names, brought in as an
        attachment of `page_file` if it is not one yet."""

    def has_anchor(self, file: str, anchor: str) -> bool:
        """Whether the page in `file` has a heading or label with id `anchor`."""


def relative(path: str, from_file: str) -> str:
    """`path` as a link written in `from_file` ('../guide/setup.md')."""
    return posixpath.relpath(path, posixpath.dirname(from_file) or ".")


def code_spans(line: str) -> list[tuple[bool, str]]:
    """Split a line into (is_code, text) parts; an unmatched backtick run is text."""
    parts: list[tuple[bool, str]] = []
    done = 0
    for run in _BACKTICKS.finditer(line):
        if run.start() < done:
            continue
        closer = re.compile(rf"(?<!`){run.group()}(?!`)").search(line, run.end())
        if closer is None:
            continue
        parts.append((False, line[done : run.start()]))
        parts.append((True, line[run.start() : closer.end()]))
        done = closer.end()
    parts.append((False, line[done:]))
    return [part for part in parts if part[1]]


class _Rewriter:
    def __init__(self, source: str, new_file: str, targets: Targets, note: Note) -> None:
        self.source, self.new_file, self.targets, self.note = source, new_file, targets, note
        self.line = 0

    def anchor(self, file: str, fragment: str, written: str) -> str:
        """'#id' for `fragment` in `file`, or '' (with a warning) when it has no such id."""
        fragment = unquote(fragment).strip()
        if not fragment:
            return ""
        wanted = fragment if _PLAIN_ANCHOR.fullmatch(fragment) else slugify(fragment)
        if self.targets.has_anchor(file, wanted):
            return f"#{wanted}"
        self.note(self.line, "anchor", "warning",
                  f"{written}: {file} has no heading '{fragment}'; linked to the page",
                  written, "")  # fmt: skip
        return ""

    def page_link(self, file: str, fragment: str, written: str) -> str:
        if file == self.new_file and fragment:
            return self.anchor(file, fragment, written) or relative(file, self.new_file)
        return relative(file, self.new_file) + self.anchor(file, fragment, written)

    def wiki(self, match: re.Match[str]) -> str:
        written = match.group(0)
        first, bar, second = match.group("wiki").partition("|")
        first = first.removesuffix("\\")  # '[[a\|b]]': a '|' escaped in a table row
        # [[Page|Label]] (MediaWiki, Otter) or [[Label|Page]] (Gollum): whichever
        # side names an imported page is the target.
        orders = [(first, second), (second, first)] if bar else [(first, first)]
        for target, label in orders:
            path, _, fragment = target.strip().partition("#")
            label = label.strip()
            if not path and fragment:
                new = f"[{label}](#{slugify(fragment)})"
            elif (file := self.targets.page(path, self.source, wiki=True)) is not None:
                new = f"[{label}]({self.page_link(file, fragment, written)})"
            elif (found := self.targets.attachment(path, self.source, self.new_file)) is not None:
                image = path.rsplit(".", 1)[-1].lower() in IMAGE_EXTENSIONS
                new = f"{'!' * image}[{label}]({relative(found, self.new_file)})"
            else:
                continue
            self.note(self.line, "link", "info", f"{written} -> {new}", written, new)
            return new
        self.note(self.line, "unresolved", "warning",
                  f"{written}: no imported page or file has that name; left as written",
                  written, "")  # fmt: skip
        return written

    def locate(self, written: str, target: str) -> tuple[str, str, bool] | None:
        """(new file, fragment, is a page) for a link's local `target`; None for an
        external or same-page link, or one that matches nothing (reported)."""
        if not target or target.startswith("#") or _EXTERNAL.match(target):
            return None
        path, _, fragment = target.partition("#")
        path = unquote(path.partition("?")[0])
        if (file := self.targets.page(path, self.source, wiki=False)) is not None:
            return file, fragment, True
        if (found := self.targets.attachment(path, self.source, self.new_file)) is not None:
            return found, "", False
        self.note(self.line, "unresolved", "warning",
                  f"{written}: no imported page or file at '{path}'; left as written",
                  written, "")  # fmt: skip
        return None

    def destination(self, written: str, raw: str) -> str | None:
        """The new destination for a link's `raw` destination, or None to keep it."""
        found = self.locate(written, raw[1:-1] if raw.startswith("<") else raw.strip())
        if found is None:
            return None
        file, fragment, is_page = found
        return self.page_link(file, fragment, written) if is_page else relative(file, self.new_file)

    def url(self, written: str, value: str) -> str | None:
        """The URL the wiki serves for an HTML attribute's local `value`, or None."""
        found = self.locate(written, html.unescape(value).strip())
        if found is None:
            return None
        file, fragment, is_page = found
        if not is_page:
            attachment = names.split_attachment_path(file)
            return attachment.url if attachment is not None else None
        anchor = self.anchor(file, fragment, written)
        if file == self.new_file and anchor:
            return anchor
        return names.url_for_name(names.name_for_file(file) or names.ROOT) + anchor

    def tag(self, match: re.Match[str]) -> str:
        """`<img src>` or `<a href>` pointed at what the wiki serves for its target."""
        written = match.group(0)
        wanted = "src" if match.group("tag").lower() == "img" else "href"

        def attribute(found: re.Match[str]) -> str:
            if found.group("name").lower() != wanted:
                return found.group(0)
            value = next(v for v in found.group("dq", "sq", "bare") if v is not None)
            new = self.url(written, value)
            if new is None:
                return found.group(0)
            quote = "'" if found.group("sq") is not None else '"'
            return f"{found.group('lead')}{quote}{html.escape(new)}{quote}"

        new = _ATTRIBUTE.sub(attribute, written)
        if new != written:
            self.note(self.line, "link", "info", f"{written} -> {new}", written, new)
        return new

    def doc_role(self, content: str) -> str:
        """The backquoted part of a `{doc}` role, pointing at the page's new path:
        relative as written, or absolute from the wiki's root if written so."""
        written = "{doc}" + content
        shown, target = split_explicit_title(content[1:-1])
        file = self.targets.page(target, self.source, wiki=False)
        if file is None:
            self.note(self.line, "unresolved", "warning",
                      f"{written}: no imported page at '{target}'; left as written",
                      written, "")  # fmt: skip
            return content
        absolute = target.startswith("/")
        entry = ("/" + file if absolute else relative(file, self.new_file)).removesuffix(
            names.PAGE_SUFFIX
        )
        if entry == target:
            return content
        new = f"`{shown} <{entry}>`" if shown else f"`{entry}`"
        self.note(self.line, "link", "info", f"{written} -> {{doc}}{new}", written, "{doc}" + new)
        return new

    def markdown(self, match: re.Match[str]) -> str:
        if match.group("wiki") is not None:
            return self.wiki(match)
        if match.group("tag") is not None:
            return self.tag(match)
        written = match.group(0)
        label = self.inline(match.group("label"))  # an image inside a link
        new_dest = self.destination(written, match.group("dest"))
        if new_dest is None and label == match.group("label"):
            return written
        dest = new_dest if new_dest is not None else match.group("dest")
        new = f"{match.group('bang')}[{label}]({dest}{match.group('title') or ''})"
        if new_dest is not None and new != written:  # a link already right is no change
            self.note(self.line, "link", "info", f"{written} -> {new}", written, new)
        return new

    def inline(self, text: str) -> str:
        parts = code_spans(text)
        out = []
        for index, (is_code, part) in enumerate(parts):
            if not is_code:
                out.append(_INLINE.sub(self.markdown, part))
            elif index and _DOC_ROLE.search(parts[index - 1][1]) and _ROLE_CONTENT.fullmatch(part):
                out.append(self.doc_role(part))
            else:
                out.append(part)
        return "".join(out)

    def reference_definition(self, match: re.Match[str]) -> str:
        written = match.group(0).strip()
        dest = self.destination(written, match.group("dest"))
        if dest is None:
            return match.group(0)
        new = match.group("lead") + dest + match.group("rest")
        if new == match.group(0):
            return new
        self.note(self.line, "link", "info", f"{written} -> {new.strip()}", written, new.strip())
        return new

    def toctree_entry(self, line: str) -> str:
        stripped = line.strip()
        if not stripped or stripped.startswith(":"):
            return line
        shown, target = split_explicit_title(stripped)
        file = self.targets.page(target, self.source, wiki=False)
        if file is None:
            return line
        entry = relative(file, self.new_file).removesuffix(names.PAGE_SUFFIX)
        if entry == target:
            return line
        self.note(self.line, "link", "info", f"toctree entry {target} -> {entry}", target, entry)
        indent = line[: len(line) - len(line.lstrip())]
        return indent + (f"{shown} <{entry}>" if shown else entry)


def rewrite_links(
    body: str, first_line: int, source: str, new_file: str, targets: Targets, note: Note
) -> str:
    """`body` (which starts at line `first_line` of `source`) with its links pointing at
    the imported files. Code blocks, indented code and inline code are left alone."""
    rewriter = _Rewriter(source, new_file, targets, note)
    lines = body.split("\n")
    previous_blank, in_code, in_list = True, False, False
    for index, line, kind in classify(lines):
        rewriter.line = first_line + index
        if kind == "toctree":
            lines[index] = rewriter.toctree_entry(line)
        if kind != "text":
            previous_blank, in_code = True, False
            continue
        blank = not line.strip()
        indented = line.startswith(("    ", "\t"))
        in_code = indented and (in_code or (previous_blank and not in_list)) and not blank
        if not indented and not blank:
            in_list = bool(_LIST_ITEM.match(line))
        previous_blank = blank
        if in_code or blank:
            continue
        reference = _REFERENCE.match(line)
        if reference is not None and "[[" not in line:
            lines[index] = rewriter.reference_definition(reference)
        else:
            lines[index] = rewriter.inline(line)
    return "\n".join(lines)
