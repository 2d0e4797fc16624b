"""What one page contributes to the catalog, found by a fast line scan.

The catalog needs titles, summaries, labels and toctrees of every page, and must
build them for 10,000 pages quickly, so this module reads the few block-level
constructs involved line by line instead of running the full markdown parser.
The result depends only on the file's text, so it is cached by blob id.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import count, repeat

from masterywiki.content.model import Compact, FrontMatter, Problem, parse_document
from masterywiki.content.slugs import split_pinned_id

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,}|:{3,})\s*(.*)$")
# The heading's text is group 2 with trailing spaces and '#'s stripped, in code: the
# regex `(.*?)[ \t#]*$` took O(n²) time on a line such as `## # # # ... x`.
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
LABEL_LINE = re.compile(r"^ {0,3}\(([^()\s]+)\)=\s*$")
_DIRECTIVE = re.compile(r"^\{([a-z][\w-]*)\}\s*(.*)$")
_TARGET_AT_END = re.compile(r"<([^<>]+)>$")
# A link's text holds no brackets and its address at most one level of parentheses, so
# each `[` scans only to the next bracket: `[^\]]*` and `[^)]*` scanned to the end of
# the paragraph from every `[` of `[a [a [a ...` (O(n²)).
_INLINE_MARKUP = re.compile(
    r"\{[a-z]+\}`([^`]*)`|`([^`]*)`|\[([^\[\]]*)\]\((?:[^()]*(?:\([^()]*\)[^()]*)*)\)|[*_]{1,3}"
)
SUMMARY_LENGTH = 220


@dataclass(frozen=True, slots=True)
class Label(Compact):
    name: str
    anchor: str
    title: str
    line: int


_FIELD, _RECORD = "\x1f", "\x1e"  # between the fields and the records of packed texts


@dataclass(frozen=True, slots=True)
class TocEntry(Compact):
    target: str
    title: str | None
    line: int


@dataclass(frozen=True, slots=True)
class Reference(Compact):
    """A cross-reference written in a page: {doc}, {term}, {ref}, a link to a .md file
    or a link (or image) to an attachment."""

    kind: str  # "doc", "term", "ref", "link" or "file"
    target: str
    line: int
    fragment: str = ""  # for links: the part after '#'


@dataclass(frozen=True, slots=True)
class Toctree(Compact):
    # The entries packed in one string (see `pack_entries`): the section pages of a
    # 100,000-page wiki list every page, and as objects they took 15 MB of each worker.
    packed_entries: str | tuple[TocEntry, ...]
    caption: str | None = None
    maxdepth: int | None = None
    hidden: bool = False

    @property
    def entries(self) -> tuple[TocEntry, ...]:
        if not isinstance(self.packed_entries, str):
            return self.packed_entries
        if not self.packed_entries:
            return ()
        found = []
        for record in self.packed_entries.split(_RECORD):
            target, title, line = record.split(_FIELD)
            found.append(TocEntry(target, title or None, int(line)))
        return tuple(found)


def pack_entries(entries: list[TocEntry]) -> str | tuple[TocEntry, ...]:
    """The entries as one string, or as they are if a text holds a separator. (An
    explicit title is never empty, so an empty one stands for None.)"""
    texts = [(e.target, e.title or "", str(e.line)) for e in entries]
    if any(_FIELD in t or _RECORD in t for fields in texts for t in fields[:2]):
        return tuple(entries)
    return _RECORD.join(_FIELD.join(fields) for fields in texts)


@dataclass(frozen=True, slots=True)
class DocInfo(Compact):
    front_matter: FrontMatter
    heading_title: str | None
    first_paragraph: str | None  # None when the front matter gives a summary
    labels: tuple[Label, ...]
    toctrees: tuple[Toctree, ...]
    # The references packed in one compressed string (see `pack_references`): a server
    # keeps the DocInfo of every page, and 1.5 million Reference objects of a
    # 100,000-page wiki took 360 MB of each worker's memory as objects, 54 MB as
    # strings, 21 MB compressed.
    packed_references: bytes | tuple[Reference, ...]
    body_line: int

    @property
    def references(self) -> tuple[Reference, ...]:
        return unpack_references(self.packed_references)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.front_matter.problems


# The first byte of packed references says which kinds they hold (and whether a link
# has a fragment): the checks that want one kind skip most pages without decompressing.
_KIND_BITS = {"doc": 1, "term": 2, "ref": 4, "link": 8, "file": 16}
_FRAGMENT_BIT = 32


def _wanted_bit(kind: str, with_fragment: bool) -> int:
    return _FRAGMENT_BIT if with_fragment and kind == "link" else _KIND_BITS.get(kind, 0)


def pack_references(references: tuple[Reference, ...]) -> bytes | tuple[Reference, ...]:
    """The references as one compressed string (a third of its text's size) after a
    byte of the kinds they hold, or as they are if a text holds a separator."""
    if not references:
        return b""
    texts = [(r.kind, r.target, str(r.line), r.fragment) for r in references]
    if any(_FIELD in t or _RECORD in t for fields in texts for t in fields):
        return references
    kinds = 0
    for reference in references:
        kinds |= _KIND_BITS.get(reference.kind, 0)
        if reference.kind == "link" and reference.fragment:
            kinds |= _FRAGMENT_BIT
    joined = _RECORD.join(_FIELD.join(fields) for fields in texts)
    return bytes([kinds]) + zlib.compress(joined.encode(), 1)


def _unpacked_text(packed: bytes) -> str:
    return zlib.decompress(packed[1:]).decode()


def unpack_references(packed: bytes | tuple[Reference, ...]) -> tuple[Reference, ...]:
    if not isinstance(packed, bytes):
        return packed
    if not packed:
        return ()
    found = []
    for record in _unpacked_text(packed).split(_RECORD):
        kind, target, line, fragment = record.split(_FIELD)
        found.append(Reference(kind, target, int(line), fragment))
    return tuple(found)


def references_of(
    packed: bytes | tuple[Reference, ...], kind: str, with_fragment: bool = False
) -> list[Reference]:
    """The references of one `kind` (with a fragment only, if asked), found without
    unpacking the others: whole-wiki checks ask this of 100,000 pages, most of which
    hold no such reference (their first byte says so)."""
    if not isinstance(packed, bytes):
        return [r for r in packed if r.kind == kind and (r.fragment or not with_fragment)]
    wanted = _wanted_bit(kind, with_fragment)
    if not packed or (wanted and not packed[0] & wanted):
        return []
    fragment = f"[^{_RECORD}]{'+' if with_fragment else '*'}"
    pattern = _kind_pattern(kind, fragment)
    return [
        Reference(kind, target, int(line), found)
        for target, line, found in pattern.findall(_unpacked_text(packed))
    ]


@cache
def _kind_pattern(kind: str, fragment: str) -> re.Pattern[str]:
    return re.compile(
        f"(?:^|{_RECORD}){re.escape(kind)}{_FIELD}([^{_FIELD}{_RECORD}]*){_FIELD}"
        f"(-?[0-9]+){_FIELD}({fragment})"
    )


def plain_inline(text: str) -> str:
    """Markdown inline text to readable plain text (roles keep their words)."""

    def keep(match: re.Match[str]) -> str:
        words = next((g for g in match.groups() if g is not None), "")
        explicit = _explicit_title(words)
        return explicit[0] if explicit else words

    return " ".join(_INLINE_MARKUP.sub(keep, text).split())


_ROLE = re.compile(r"\{(doc|term|ref)\}`([^`]+)`")
_MD_LINK = re.compile(r"\]\(\s*<?([^()\s<>]+?\.md)(#[^()\s>]*)?>?(?:\s+\"[^\"]*\")?\s*\)")
# A link or image to a page's attachment: `![plan](grading.files/plan.png)`.
_FILE_LINK = re.compile(r"\]\(\s*<?([^()\s<>]*?\.files/[^()\s<>#?]+)>?(?:\s+\"[^\"]*\")?\s*\)")
ADMONITION_NAMES = frozenset(
    ("note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error",
     "seealso", "admonition")
)  # fmt: skip


def classify(lines: list[str]) -> Iterator[tuple[int, str, str]]:
    """Yield (index, line, kind) with kind "text", "code", "toctree" or "fence".

    Admonition content is markdown ("text"); other fenced content is "code",
    except a toctree's entries; the fence lines themselves are "fence".
    """
    closers: list[re.Pattern[str]] = []  # open admonitions, innermost last
    index = 0
    while index < len(lines):
        line = lines[index]
        if closers and closers[-1].match(line):
            closers.pop()
            yield index, line, "fence"
            index += 1
            continue
        fence = _FENCE_OPEN.match(line)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            marker, info = fence.group(1), fence.group(2).strip()
            close = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
            directive = _DIRECTIVE.match(info)
            name = directive.group(1) if directive else None
            yield index, line, "fence"
            if name in ADMONITION_NAMES:
                closers.append(close)
                index += 1
                continue
            kind = "toctree" if name == "toctree" else "code"
            index += 1
            while index < len(lines) and not close.match(lines[index]):
                yield index, lines[index], kind
                index += 1
            if index < len(lines):
                yield index, lines[index], "fence"
            index += 1
            continue
        yield index, line, "text"
        index += 1


def line_kinds(lines: list[str], text: str) -> Iterator[tuple[int, str, str]]:
    """`classify(lines)`, `text` being those lines: when it has no fence at all, as most
    pages, every line is text, told without looking at each."""
    if "```" in text or "~~~" in text or ":::" in text:
        return classify(lines)
    return zip(count(), lines, repeat("text"))


def _references(line: str, number: int) -> Iterator[Reference]:
    for match in _ROLE.finditer(line):
        yield Reference(match.group(1), split_explicit_title(match.group(2))[1], number)
    for match in _MD_LINK.finditer(line):
        if "://" not in match.group(1):
            fragment = (match.group(2) or "#")[1:]
            yield Reference("link", match.group(1), number, fragment)
    for match in _FILE_LINK.finditer(line):
        if "://" not in match.group(1):
            yield Reference("file", match.group(1), number)


def _starts_block(line: str) -> bool:
    """Lines that start a list, quote, table or HTML block, which never summarize a page."""
    return line.lstrip().startswith((">", "|", ":", "-", "*", "+", "<")) or line[:1].isdigit()


def _explicit_title(text: str) -> tuple[str, str] | None:
    """'shown  <target>' -> ('shown', 'target'), else None; the shown part never spans lines.

    Works back from the last '<': the regex this replaces, `^(.*?)` then optional spaces
    then `<target>`, retried the spaces at every position (O(n²) on a long run of them).
    """
    match = _TARGET_AT_END.search(text)
    if match is None:
        return None
    shown = text[: match.start()].rstrip()
    return None if "\n" in shown else (shown, match.group(1))


def split_explicit_title(text: str) -> tuple[str | None, str]:
    """'shown <target>' -> ('shown', 'target'); 'target' -> (None, 'target')."""
    explicit = _explicit_title(text.strip())
    if explicit and explicit[0]:
        return explicit[0], explicit[1].strip()
    return None, text.strip()


def parse_toctree(lines: list[str], first_line: int) -> Toctree:
    entries: list[TocEntry] = []
    options: dict[str, str] = {}
    for offset, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(":") and not entries:
            key, _, value = stripped[1:].partition(":")
            options[key.strip()] = value.strip()
            continue
        title, target = split_explicit_title(stripped)
        entries.append(TocEntry(target, title, first_line + offset))
    depth = options.get("maxdepth", "")
    return Toctree(
        pack_entries(entries),
        caption=options.get("caption") or None,
        maxdepth=int(depth) if depth.isdigit() else None,
        hidden="hidden" in options,
    )


def scan(text: str) -> DocInfo:
    """Scan a page file. Never raises: problems are kept on the front matter."""
    document = parse_document(text)
    lines = document.body.split("\n")
    base = document.body_line
    heading_title: str | None = None
    first_paragraph: str | None = None
    paragraph: list[str] = []
    labels: list[Label] = []
    pending_labels: list[tuple[str, int]] = []
    toctrees: list[Toctree] = []
    references: list[Reference] = []

    def heading(text: str, level: int, line: int) -> None:
        nonlocal heading_title
        visible, _pinned = split_pinned_id(text)
        title = plain_inline(visible)
        if level == 1 and heading_title is None:
            heading_title = title
        for name, label_line in pending_labels:
            # The renderer gives the heading its slug id and the label its own
            # target, so links to a label survive edits to the heading text.
            labels.append(Label(name, name, title, label_line))
        pending_labels.clear()

    def end_paragraph() -> None:
        nonlocal first_paragraph
        if paragraph and first_paragraph is None:
            first_paragraph = plain_inline(" ".join(paragraph))
        paragraph.clear()

    toctree_lines: list[str] = []
    toctree_start = 0
    for number, line, kind in line_kinds(lines, document.body):
        if kind == "toctree":
            if not toctree_lines:
                toctree_start = number
            toctree_lines.append(line)
            continue
        if toctree_lines:
            toctrees.append(parse_toctree(toctree_lines, base + toctree_start))
            toctree_lines = []
        if kind != "text" or not line or line.isspace():
            end_paragraph()
            continue
        if "{" in line or "](" in line:  # every reference has one; most lines have neither
            references.extend(_references(line, base + number))
        target = LABEL_LINE.match(line)
        atx = ATX_HEADING.match(line)
        if target:
            end_paragraph()
            pending_labels.append((target.group(1), base + number))
        elif atx:
            end_paragraph()
            heading(atx.group(2).rstrip(" \t#"), len(atx.group(1)), base + number)
        elif paragraph and SETEXT_UNDERLINE.match(line):
            level = 1 if line.strip().startswith("=") else 2
            heading(" ".join(paragraph), level, base + number)
            paragraph.clear()
        elif not line.strip() or _starts_block(line):
            end_paragraph()
        elif line.startswith("    ") and not paragraph:
            pass  # indented code
        else:
            paragraph.append(line.strip())
    if toctree_lines:
        toctrees.append(parse_toctree(toctree_lines, base + toctree_start))
    end_paragraph()
    for name, label_line in pending_labels:  # a label with no heading after it
        labels.append(Label(name, name, name, label_line))

    # Only a page without a `summary` is summed up by its first paragraph: not kept
    # otherwise (a server keeps every page's DocInfo).
    first = first_paragraph if not document.front_matter.summary else None
    if first and len(first) > SUMMARY_LENGTH:
        first = first[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    if heading_title is not None and heading_title == document.front_matter.title:
        heading_title = document.front_matter.title  # one string for both, not two
    return DocInfo(
        front_matter=document.front_matter,
        heading_title=heading_title,
        first_paragraph=first,
        labels=tuple(labels),
        toctrees=tuple(toctrees),
        packed_references=pack_references(tuple(references)),
        body_line=base,
    )
