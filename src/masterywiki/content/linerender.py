"""The render of plain pages by a line scan: markdown-it's HTML for a small subset, exactly.

markdown-it-py and the render budget's rule wrappers cost about 4 ms of CPU for a 10 KB
page; most of a large wiki is plain markdown whose HTML a line scan can write in a
tenth of that. `render_plain` understands a strict subset and answers None ("use
markdown-it") for any page outside it. Its answer must be the render's own: the same
text, headings and links, and the HTML byte for byte as nh3 writes it after
markdown-it (so it is not sanitized again). tests/content/test_linerender.py runs both
on every page and fixture it can find and on generated fragments, and compares the
whole `Rendered`.

Understood, every line starting at the margin and ending without a space:

- ATX headings (`# ` to `###### `, not closed by `#`s): the renderer's id and permalink;
- paragraphs: lines that start with a letter or digit (no list marker) and go on until
  a blank line or a heading;
- lists: `- ` or `1. ` items of one line each, ended by a blank line (or the end);
  items of the same kind after blank lines go on with the list and make it loose;
- tables: `| a | b |`, a delimiter row of dashes only (no alignment), rows with as many
  cells as the header, ended by a blank line;
- in those, text and links `[text](path.md#fragment)` to pages that exist.

Declined: anything else, including emphasis, code, escapes, entities, raw HTML, roles,
math, images, brackets other than a link's, external or attachment links, links to
missing pages (a problem), indented lines, tabs and odd spaces, and pages large enough
to come near the render budget (as `checkscan`).

Pure: the resolver is the only thing it talks to; it is asked only once the whole page
is known to be understood, in page order, as the renderer asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from masterywiki.content.checkscan import left_to_the_render
from masterywiki.content.renderstate import Heading, Resolver
from masterywiki.content.slugs import SlugRegistry, slugify, split_pinned_id

# A wide table scrolls sideways in a box of its own that the keyboard can reach.
TABLE_BOX = '<div class="table-scroll" role="region" aria-label="Table" tabindex="0">'
_ATX = re.compile(r"(#{1,6}) (.+)")
_ORDERED = re.compile(r"([0-9]{1,9})\. (.*)")
_MARKER = re.compile(r"[0-9]+[.)]")  # what may start an ordered list: never a paragraph's
_DELIMITER = re.compile(r"\|(?: *-+ *\|)+")
# In text: what markdown-it reads as more than text. A `[` starts the only markup
# understood here, a link; the rest are declined.
_SPECIAL = re.compile(r"[\\`*_\[\]!<&^{}$~|]")
_TEXT = r"[^\\`*_\[\]!<&^{}$~|]"  # a character of text in a link
_LINK = re.compile(
    rf"\[((?!\s){_TEXT}+(?<!\s))\]"  # neither empty nor with spaces at its ends
    r"\(([A-Za-z0-9_./-]+\.md(?:#[A-Za-z0-9_./-]*)?)\)"
)

# A line's inline content, parsed: plain text, or a link as (text, destination).
Piece = str | tuple[str, str]


class Declined(Exception):
    """The page holds something not rendered here exactly: markdown-it renders it."""


@dataclass
class Plain:
    """What `markup.render` needs of a page rendered here: its HTML is already as the
    sanitizer writes it (only tags and attributes it keeps, escaped as html5ever does)."""

    html: str
    headings: list[Heading] = field(default_factory=list)
    links: dict[str, None] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)


def render_plain(body: str, resolver: Resolver, file: str, body_line: int) -> Plain | None:
    """The page whose body (front matter removed, line ends normalized) is `body`, or
    None when markdown-it must render it."""
    if left_to_the_render(body):
        return None
    try:
        blocks = _blocks(body.split("\n"))
        return _Writer(resolver, file, body_line).page(blocks)
    except Declined:
        return None


# -- the structure: blocks of parsed lines ------------------------------------------------------

Cells = list[list[Piece]]  # a table row's cells, or a paragraph's lines, or a list's items


class _Heading(NamedTuple):
    line: int  # of the body, from 0
    level: int
    pieces: list[Piece]
    source: str  # as typed, for its id


class _Paragraph(NamedTuple):
    lines: Cells


class _List(NamedTuple):
    tag: str  # "ul" or "ol"
    start: int
    loose: bool  # its items' text in paragraphs
    items: Cells


class _Table(NamedTuple):
    header: Cells
    rows: list[Cells]


Block = _Heading | _Paragraph | _List | _Table


def _blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        if not line.strip(" "):
            index += 1
            continue
        if line[0] == " " or line[-1] == " ":
            raise Declined  # indentation, hard breaks, trimmed spaces
        first = line[0]
        if first == "#":
            blocks.append(_heading(index, line))
            index += 1
            continue
        ordered = _ORDERED.fullmatch(line)
        if ordered or line.startswith("- "):
            index = _list("ol" if ordered else "ul", lines, index, blocks)
            continue
        if first == "|":
            index = _table(lines, index, blocks)
            continue
        if not _plain_start(line):
            raise Declined
        begin = index
        paragraph: Cells = []
        while index < count and lines[index].strip(" "):
            line = lines[index]
            if line[0] == "#" and index > begin:
                break  # a heading ends the paragraph
            if not _plain_start(line) or line[-1] == " " or "|" in line:
                raise Declined  # a list, a table, an underline, indentation...
            paragraph.append(_inline(line))
            index += 1
        blocks.append(_Paragraph(paragraph))
    return blocks


def _list(kind: str, lines: list[str], index: int, blocks: list[Block]) -> int:
    """A list from `index` (its first item): the line after it. Items of its kind after
    blank lines go on with it, and make it a loose one (each item's text a paragraph)."""
    items: Cells = []
    count, loose = len(lines), False
    first = _ORDERED.fullmatch(lines[index])
    start = int(first.group(1)) if first else 1
    while True:
        while index < count and lines[index]:
            line = lines[index]
            item = _ORDERED.fullmatch(line) if kind == "ol" else None
            if item is None if kind == "ol" else not line.startswith("- "):
                raise Declined  # a lazy line, another kind of list, a block in a list
            content = item.group(2) if item else line[2:]
            if not _plain_start(content) or content[-1] == " ":
                raise Declined
            items.append(_inline(content))
            index += 1
        after = index
        while after < count and not lines[after].strip(" "):
            after += 1
        if after == count or index == after:
            break
        going_on = _ORDERED.fullmatch(lines[after]) if kind == "ol" else lines[after][:2] == "- "
        if not going_on:
            break
        index, loose = after, True
    blocks.append(_List(kind, start, loose, items))
    return index


def _plain_start(text: str) -> bool:
    """Whether a line (or an item's text) can only be a paragraph's."""
    return bool(text) and text[0].isalnum() and _MARKER.match(text) is None


def _heading(index: int, line: str) -> _Heading:
    found = _ATX.fullmatch(line)
    if found is None or found.group(2).endswith("#") or found.group(2)[0] == " ":
        raise Declined  # `#` alone, seven of them, a closing sequence, more spaces
    content = found.group(2)
    return _Heading(index, len(found.group(1)), _inline(content), content)


def _table(lines: list[str], index: int, blocks: list[Block]) -> int:
    """A table from `index` (its header row): the line after it."""
    if index + 1 >= len(lines) or not _DELIMITER.fullmatch(lines[index + 1]):
        raise Declined  # a paragraph, or an alignment
    width = lines[index + 1].count("|") - 1
    header = _cells(lines[index], width)
    rows = []
    end = index + 2
    while end < len(lines) and lines[end]:
        rows.append(_cells(lines[end], width))
        end += 1
    blocks.append(_Table(header, rows))
    return end


def _cells(line: str, width: int) -> Cells:
    if len(line) < 2 or line[0] != "|" or line[-1] != "|" or line.count("|") - 1 != width:
        raise Declined  # rows of another width are cut or filled out: not done here
    cells = []
    for cell in line[1:-1].split("|"):
        text = cell.strip(" ")
        cells.append(_inline(text) if text else [])
    return cells


def _inline(text: str) -> list[Piece]:
    """A line's text and links; Declined for any other markup."""
    if _SPECIAL.search(text) is None:
        return [text]
    pieces: list[Piece] = []
    pos = 0
    while found := _SPECIAL.search(text, pos):
        at = found.start()
        link = _LINK.match(text, at) if text[at] == "[" else None
        if link is None or link.group(2).count("#") > 1:
            raise Declined
        if at > pos:
            pieces.append(text[pos:at])
        pieces.append((link.group(1), link.group(2)))
        pos = link.end()
    if pos < len(text):
        pieces.append(text[pos:])
    return pieces


# -- the HTML, written as the renderer writes it and the sanitizer then writes it again ------------


def _text(text: str) -> str:
    """Text escaped as html5ever's serializer does (quotes are left alone)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\xa0" in text:
        text = text.replace("\xa0", "&nbsp;")
    return text


def _attribute(value: str) -> str:
    """An attribute's value escaped as html5ever's serializer does."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("\xa0", "&nbsp;")


class _Writer:
    def __init__(self, resolver: Resolver, file: str, body_line: int) -> None:
        self.resolver = resolver
        self.file = file
        self.body_line = body_line
        self.result = Plain("")

    def page(self, blocks: list[Block]) -> Plain:
        slugs = SlugRegistry()
        out: list[str] = []
        for block in blocks:
            if isinstance(block, _Paragraph):
                out.append("<p>")
                for number, pieces in enumerate(block.lines):
                    if number:
                        out.append("\n")
                    self.inline(pieces, out)
                out.append("</p>\n")
            elif isinstance(block, _Heading):
                self.heading(slugs, block, out)
            elif isinstance(block, _Table):
                self.table(block, out)
            else:
                self.a_list(block, out)
        self.result.html = "".join(out)
        return self.result

    def heading(self, slugs: SlugRegistry, block: _Heading, out: list[str]) -> None:
        # As markup._heading_ids: the id from the source text, the title from its text.
        level, pieces = block.level, block.pieces
        visible, pinned = split_pinned_id(block.source)
        if pinned is not None:
            raise Declined
        anchor = slugs.claim(slugify(visible))
        text = "".join(piece if isinstance(piece, str) else piece[0] for piece in pieces)
        self.result.headings.append(
            Heading(level, anchor, text.strip() or visible.strip(), self.body_line + block.line)
        )
        out.append(f'<h{level} id="{_attribute(anchor)}">')
        self.inline(pieces, out)
        out.append(
            f'<a class="headerlink" href="#{_attribute(anchor)}" '
            'aria-label="Permalink to this section" '
            f'title="Permalink to this section"></a></h{level}>\n'
        )

    def a_list(self, block: _List, out: list[str]) -> None:
        start, loose = block.start, block.loose
        out.append(f'<ol start="{start}">\n' if start != 1 else f"<{block.tag}>\n")
        for pieces in block.items:
            out.append("<li>\n<p>" if loose else "<li>")
            self.inline(pieces, out)
            out.append("</p>\n</li>\n" if loose else "</li>\n")
        out.append(f"</{block.tag}>\n")

    def table(self, block: _Table, out: list[str]) -> None:
        out.append(TABLE_BOX + "<table>\n<thead>\n<tr>\n")
        for cell in block.header:
            out.append("<th>")
            self.inline(cell, out)
            out.append("</th>\n")
        out.append("</tr>\n</thead>\n")
        if block.rows:
            out.append("<tbody>\n")
            for row in block.rows:
                out.append("<tr>\n")
                for cell in row:
                    out.append("<td>")
                    self.inline(cell, out)
                    out.append("</td>\n")
                out.append("</tr>\n")
            out.append("</tbody>\n")
        out.append("</table>\n</div>\n")

    def inline(self, pieces: list[Piece], out: list[str]) -> None:
        text = self.result.text
        for piece in pieces:
            if isinstance(piece, str):
                text.append(piece)
                out.append(_text(piece))
                continue
            label, destination = piece
            parts = urlsplit(destination)
            target = self.resolver.doc(parts.path, self.file)
            if target is None:
                raise Declined  # a problem, whose line is the renderer's to say
            if target.name:
                self.result.links[target.name] = None
            fragment = f"#{parts.fragment}" if parts.fragment else ""
            text.append(label)
            out.append(f'<a href="{_attribute(target.url + fragment)}">{_text(label)}</a>')
