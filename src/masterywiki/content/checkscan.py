"""What `check` needs of a page's render, found by a line scan instead of markdown-it.

`check` reads three things of a render (`checkcache.PageCheck`): its problems, heading
ids and lookups of pages, terms and labels. A render costs about 5 ms of CPU, this scan
a few tenths of that. It reads a subset of the markdown exactly and answers `None`
("render it") for any other page; tests/content/test_checkscan.py compares the whole
`PageCheck` of both on every page and fixture it finds and on generated fragments.

Understood, and why it is exact:

- fenced code (``` and ~~~ at the margin): its lines are code; a `{toctree}` fence looks
  up its entries as `directives.toctree` does; `{math}` and `{mermaid}` look up nothing;
- ATX headings and setext headings under a top-level paragraph: the id is the renderer's
  (`slugify` of the heading's source text or its `{#pinned}` id, deduplicated in page
  order), which never depends on the inline markup inside;
- paragraphs, list items, table rows: each line is scanned on its own for code spans,
  roles and links. A construct must open and close on one line and hold no `|`, so it is
  the same whether the line ends up a paragraph's, a list item's or a table cell's;
- links `[text](dest)` and images: only a link whose destination is a `.md` path looks
  anything up, and only destinations of plain ASCII (which markdown-it leaves as typed);
  other brackets (`[ ] task`, `[sic]`) are text, as long as no `](`, `][` or `]:` is
  left over on any line: a page the scan reads defines no references;
- roles `` {name}`content` ``, one backtick each side.

Declined (the page is rendered), because deciding them cheaply and exactly is not worth
it for how rarely they appear, or because they find a problem:

- anything that finds a problem (a lookup answered None, an unknown role or directive):
  a problem's line depends on which block the renderer was in, so the render says it;
- raw HTML and autolinks (`<`), entities (`&`), escapes (`\\`), math (`$`), footnotes
  (`^[`, `[^`), reference links and definitions, links whose text spans lines;
- block quotes, definition lists, colon fences, admonitions, `%` comments, `(label)=`
  targets, `+++` breaks, fences not at the margin (inside lists);
- indented lines that may be code or a list's text, unless they hold nothing that
  could look up or start a block; underlines after anything but a top-level paragraph;
- tabs, carriage returns and other control or Unicode space characters (markdown-it
  counts them in its own way), and pages large enough to spend the render budget.

Pure: the resolver passed in (a `checkcache.Recorder`) is the only thing it talks to.
"""

from __future__ import annotations

import re
from typing import Protocol

from masterywiki.content.directives import ADMONITIONS, DIRECTIVE
from masterywiki.content.docinfo import parse_toctree, split_explicit_title
from masterywiki.content.slugs import SlugRegistry, slugify, split_pinned_id

# A page that could come near the render budget (renderbudget.LIMIT less the inline part)
# is rendered: 3 units a character and 25 a line bound what any step of it can spend.
_BUDGET = 90_000
_ODD_CHARACTERS = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f\x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]"
)
_FENCE = re.compile(r"(`{3,}|~{3,}|:{3,})(.*)")
_ATX = re.compile(r"(#{1,6})(?: |$)")
_UNDERLINE = re.compile(r"(=+|-+) *")
_BREAK = re.compile(r"([-*_])(?: *\1){2,} *")
# A list item, or a definition list's definition (`: text`, `~ text`).
_ITEM = re.compile(r"(?:[-*+:~]|\d{1,9}[.)])( *)(?: |$)")
_ORDERED = re.compile(r"\d{1,9}[.)](?: |$)")
# In a line's text: what the scan must look at; everything else is plain text to it.
_SPECIAL = re.compile(r"[`\[{\\<&$]|\^\[")
_LINK = re.compile(r"\[([^\[\]`\\<>&{}$^|]*)\]\(([^\s()<>\\`|&]*)\)")
_ROLE = re.compile(r"\{([a-zA-Z0-9_\-+:]+)\}`([^`|]+)`(?!`)")
_ROLE_START = re.compile(r"\{[a-zA-Z0-9_\-+:]+\}`")
_BRACKETS = re.compile(r"\][(\[:]")
_PLAIN_DEST = re.compile(r"[A-Za-z0-9_./#-]*")
_QUIET = frozenset(("math", "abbr", "sub", "sup", "kbd"))  # roles that look nothing up
_MAX_DEPTH = 4  # admonitions in admonitions (the renderer gives up past 8: a problem)


class _Level:
    """The headings of one text parsed as a whole (the page, or an admonition's content)
    and the admonitions in it, whose headings get their ids after this text's."""

    def __init__(self) -> None:
        self.wanted: list[str] = []  # slugs or pinned ids, in order, not yet deduplicated
        self.nested: list[_Level] = []

    def claim(self, slugs: SlugRegistry, ids: list[str]) -> None:
        # As the renderer does: a text's headings first, then each admonition's content
        # as it is rendered (markup._heading_ids runs once per token list).
        ids.extend(slugs.claim(wanted) for wanted in self.wanted)
        for level in self.nested:
            level.claim(slugs, ids)


class Lookups(Protocol):
    """What the scan asks (`checkcache.Recorder`): whether the renderer's `Resolver.doc`,
    `.term` and `.ref` would find something, recording each lookup as they would."""

    def has_doc(self, target: str, from_file: str) -> bool: ...
    def has_term(self, text: str) -> bool: ...
    def has_ref(self, label: str) -> bool: ...


class Declined(Exception):
    """The page holds something the scan does not decide exactly: render it."""


def scan_check(body: str, resolver: Lookups, file: str) -> tuple[str, ...] | None:
    """The heading ids of the page whose body (front matter removed) is `body`, asking
    `resolver` what the render would ask in the same order; None when the page must be
    rendered (it may then have asked some lookups: use a fresh resolver to render)."""
    if left_to_the_render(body):
        return None
    try:
        return _Scan(resolver, file).page(body)
    except Declined:
        return None


# -- in two steps: the scan where the page is read, the lookups once the catalog is built


class _Requests:
    """Lookups as the scan asks them, all found, kept to be asked again (`replay`)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def has_doc(self, target: str, from_file: str) -> bool:
        self.asked.append("d" + target)
        return True

    def has_term(self, text: str) -> bool:
        self.asked.append("t" + text)
        return True

    def has_ref(self, label: str) -> bool:
        self.asked.append("r" + label)
        return True


def prescan(body: str) -> tuple[str, str] | None:
    """`scan_check` before the catalog exists: the heading ids and the lookups to make,
    each joined by newlines (neither ever holds one), or None when the page must be
    rendered. The lookups do not depend on the page's file: `replay` is told it."""
    requests = _Requests()
    anchors = scan_check(body, requests, "")
    if anchors is None:
        return None
    return "\n".join(anchors), "\n".join(requests.asked)


def replay(requests: str, resolver: Lookups, file: str) -> bool:
    """Ask `resolver` the lookups `prescan` kept, in order, as `scan_check` would have:
    False (render the page) at the first that finds nothing."""
    for request in requests.split("\n") if requests else ():
        kind, argument = request[0], request[1:]
        if kind == "d":
            found = resolver.has_doc(argument, file)
        elif kind == "t":
            found = resolver.has_term(argument)
        else:
            found = resolver.has_ref(argument)
        if not found:
            return False
    return True


_ASCII_PLAIN = bytes([10, *range(32, 127)])  # newline and the printable ASCII characters


def left_to_the_render(body: str) -> bool:
    """Whether a line scan leaves `body` to the render at once: large enough to come near
    the render budget, or holding one of _ODD_CHARACTERS (an ASCII body is checked ten
    times faster by deleting the plain characters from its bytes)."""
    if 3 * len(body) + 25 * body.count("\n") > _BUDGET:
        return True
    if body.isascii():
        return bool(body.encode("ascii").translate(None, _ASCII_PLAIN))
    return _ODD_CHARACTERS.search(body) is not None


def _plain_start(text: str) -> bool:
    """Whether a line's text (spaces stripped) can only go on or start a paragraph."""
    first = text[:1]
    if first.isalnum():
        return _ORDERED.match(text) is None
    if first in "*_":
        return not (_BREAK.fullmatch(text) or text[:2] == "* " or text == "*")
    if first == "`":
        return not text.startswith("```")
    if first == "[":
        return not text.startswith("[^")
    if first == "(":
        stripped = text.strip()
        return not (stripped.endswith(")=") and len(stripped) > 3)  # a `(label)=` target
    return first in "{!\"'"


class _Scan:
    def __init__(self, resolver: Lookups, file: str) -> None:
        self.resolver = resolver
        self.file = file

    def page(self, body: str) -> tuple[str, ...]:
        ids: list[str] = []
        self.text(body, 0).claim(SlugRegistry(), ids)
        return tuple(ids)

    def text(self, body: str, depth: int) -> _Level:
        # What the previous line was: "blank" (or the start), "block" (a heading, a
        # fence's end), "top" (a line of a paragraph at the margin, which an underline
        # makes a heading), "text" (a line of a list item or other paragraph), "other"
        # (a line that may be code or a list's: nothing may lean on it).
        previous = "blank"
        piped = False  # the previous line held a `|`: it may be a table's row
        paragraph: list[str] = []
        fence: tuple[str, int, str, list[str]] | None = None  # marker, length, info, lines
        level = _Level()
        for line in body.split("\n"):
            if fence is not None:
                marker, length, info, lines = fence
                stripped = line.lstrip(" ")
                closes = len(line) - len(stripped) <= 3 and stripped.startswith(marker * length)
                if closes and not stripped.rstrip(" ").strip(marker):
                    self.fenced(info, lines, level, depth)
                    fence, previous, piped = None, "block", False
                    continue
                lines.append(line)
                continue
            stripped = line.lstrip(" ")
            if not stripped.strip(" "):
                previous, piped = "blank", False
                continue
            indent = len(line) - len(stripped)
            if indent >= 4:
                previous = self.indented(stripped, previous, piped, paragraph, line)
            elif stripped[0].isalpha() or stripped[0] == "|":  # most lines: text, at once
                previous = self.text_line(stripped, previous, paragraph, line, indent)
            elif opened := _FENCE.match(stripped):
                if indent or piped or (opened.group(1)[0] == "`" and "`" in opened.group(2)):
                    # In a list item, a table's row or an inline code span
                    raise Declined
                fence = (opened.group(1)[0], len(opened.group(1)), opened.group(2), [])
                continue
            elif heading := _ATX.match(stripped):
                if piped:
                    raise Declined  # a table's row, perhaps
                self.heading(level, _atx_content(stripped, len(heading.group(1))))
                previous = "block"
            elif _UNDERLINE.fullmatch(stripped) and previous in ("top", "text", "other"):
                if previous != "top":
                    raise Declined
                self.heading(level, "\n".join(paragraph).strip(), scanned=True)
                previous = "block"
            elif _BREAK.fullmatch(stripped):
                previous = "other"
            elif item := _ITEM.match(stripped):
                rest = stripped[item.end() :]
                if not rest:
                    previous = "other"
                elif len(item.group(1)) >= 4 or not _plain_start(rest):
                    raise Declined  # code, a heading or a nested block in the item
                else:
                    self.inline(rest)
                    previous = "text"
            elif _plain_start(stripped) or stripped[0] in "=]}).,;?/-":
                previous = self.text_line(stripped, previous, paragraph, line, indent)
            elif stripped[0] == ">" and stripped[1:2] != ">":
                rest = stripped[2:] if stripped[1:2] == " " else stripped[1:]
                if not rest.strip(" "):
                    previous = "other"
                elif len(rest) - len(rest.lstrip(" ")) >= 4 or not _plain_start(rest.lstrip(" ")):
                    raise Declined  # code, a heading or another block in the quote
                else:
                    self.inline(rest.lstrip(" "))
                    previous = "text"
            elif stripped[0] in "%(+" and not _SPECIAL.search(stripped):
                # A `% comment`, a `(label)=` target, a `+++` break, or text: nothing to
                # look up either way, but what follows may not lean on it.
                previous = "other"
            else:
                raise Declined  # HTML, math, a nested quote...
            piped = "|" in line
        if fence is not None:
            self.fenced(fence[2], fence[3], level, depth)
        return level

    def text_line(
        self, stripped: str, previous: str, paragraph: list[str], line: str, indent: int
    ) -> str:
        """A line of a paragraph, a list item's text or a table: what comes next leans
        on whether it is a paragraph's at the margin."""
        self.inline(stripped)
        if "|" in line:
            return "text"
        if previous == "top":
            paragraph.append(line)
            return "top"
        if previous in ("blank", "block") and indent <= 1:
            paragraph[:] = [line]
            return "top"
        return "text"

    def indented(
        self, stripped: str, previous: str, piped: bool, paragraph: list[str], line: str
    ) -> str:
        """A line indented 4 spaces or more: a paragraph's, a list item's, or code."""
        if previous == "top" and stripped[0] not in ":~":
            # A paragraph at the margin goes on (code cannot cut it in), unless this is a
            # definition list's definition.
            self.inline(stripped)
            paragraph.append(line)
            return "top"
        if previous == "text" and not piped:
            if not _plain_start(stripped):
                raise Declined  # in a list item, it may start a block
            self.inline(stripped)
            return "text"
        # Code, or a list item's text: fine only if it is nothing either way.
        if not stripped[:1].isalnum() or _ORDERED.match(stripped) or _SPECIAL.search(stripped):
            raise Declined
        if "|" in stripped or "#" in stripped:
            raise Declined
        return "other"

    def heading(self, level: _Level, content: str, scanned: bool = False) -> None:
        if not scanned:  # a setext heading's lines were scanned as a paragraph's
            self.inline(content)
        visible, pinned = split_pinned_id(content)
        level.wanted.append(pinned or slugify(visible))

    def fenced(self, info: str, lines: list[str], level: _Level, depth: int) -> None:
        directive = DIRECTIVE.match(info.strip())
        if directive is None:
            return
        name, argument = directive.group(1), directive.group(2)
        content = "".join(line + "\n" for line in lines)
        if name in ADMONITIONS or name == "admonition":
            if depth >= _MAX_DEPTH:
                raise Declined
            if argument and name != "admonition":  # as directives.parse_admonitions
                content = argument + "\n" + content
            level.nested.append(self.text(content, depth + 1))
            return
        if name in ("math", "mermaid"):
            return
        if name != "toctree":
            raise Declined  # an unknown directive: a problem
        toctree = parse_toctree(content.split("\n"), 0)
        if toctree.hidden:
            return
        for entry in toctree.entries:
            if not self.resolver.has_doc(entry.target, self.file):
                raise Declined

    def inline(self, text: str) -> None:
        """Look up what the line's links and roles look up, in order."""
        if _SPECIAL.search(text) is None:  # most lines: plain text
            if "]" in text and _BRACKETS.search(text):
                raise Declined  # a link whose text began on another line, a definition...
            return
        pos = 0
        plain: list[str] = []  # the text between what was understood
        while found := _SPECIAL.search(text, pos):
            at = found.start()
            mark = text[at]
            plain.append(text[pos:at])
            if mark == "`":
                pos = _code_span(text, at)
            elif mark == "[":
                link = _LINK.match(text, at)
                if link is None:  # text, as no page the scan reads defines references
                    plain.append("[")
                    pos = at + 1
                    continue
                if not (at and text[at - 1] == "!"):
                    self.link(link.group(2))
                pos = link.end()
            elif mark == "{":
                role = _ROLE.match(text, at)
                if role is None:
                    if _ROLE_START.match(text, at):
                        raise Declined  # a role with more ticks, or unclosed
                    plain.append("{")
                    pos = at + 1
                    continue
                self.role(role.group(1), role.group(2))
                pos = role.end()
            else:
                raise Declined
        plain.append(text[pos:])
        if "]" in text and _BRACKETS.search("\0".join(plain)):
            # A link whose text began on another line, a reference, a definition...
            raise Declined

    def link(self, destination: str) -> None:
        if destination.startswith(("http://", "https://")):
            return  # never a lookup, whatever markdown-it makes of the rest
        if not _PLAIN_DEST.fullmatch(destination):
            raise Declined  # markdown-it would percent-encode it
        if destination.startswith("//"):
            return  # a host (urlsplit's netloc): never a page
        # What urlsplit gives as the path of such a destination: no scheme, query or host.
        path = destination.partition("#")[0]
        if path.endswith(".md") and not self.resolver.has_doc(path, self.file):
            raise Declined

    def role(self, name: str, content: str) -> None:
        if name in _QUIET:
            return
        _shown, wanted = split_explicit_title(content)
        if name == "term":
            found = self.resolver.has_term(wanted)
        elif name == "doc":
            found = self.resolver.has_doc(wanted, self.file)
        elif name == "ref":
            found = self.resolver.has_ref(wanted)
        else:
            raise Declined  # an unknown role: a problem
        if not found:
            raise Declined


def _code_span(text: str, at: int) -> int:
    """Where the code span opening at `at` ends; Declined when it does not close on the
    line (the renderer may close it on another) or holds a `|` (a table may split it)."""
    end = at
    while end < len(text) and text[end] == "`":
        end += 1
    ticks = text[at:end]
    search = end
    while (close := text.find(ticks, search)) >= 0:
        after = close + len(ticks)
        if after < len(text) and text[after] == "`":
            search = after
            while search < len(text) and text[search] == "`":
                search += 1
            continue
        if "|" in text[end:close]:
            raise Declined
        return after
    raise Declined


def _atx_content(text: str, level: int) -> str:
    """An ATX heading's text as markdown-it takes it: closing `#`s after a space dropped."""
    end = len(text.rstrip(" "))
    trim = end
    while trim > level and text[trim - 1] == "#":
        trim -= 1
    if trim > level and text[trim - 1] == " ":
        end = trim
    return text[level:end].strip()
