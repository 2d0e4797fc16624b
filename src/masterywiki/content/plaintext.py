"""A page's words and headings for search, read from its markdown by a line scan. Pure.

Rendering a page (markdown-it, cross-references, sanitizing) takes milliseconds; a
search index of 100,000 pages needs only the words a reader sees and the headings, which
this scan finds in a fraction of that time, with the same line classes as `docinfo`.
"""

from __future__ import annotations

import re

from masterywiki.content.docinfo import (
    ATX_HEADING,
    LABEL_LINE,
    SETEXT_UNDERLINE,
    line_kinds,
    plain_inline,
)
from masterywiki.content.slugs import split_pinned_id

_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BLOCK_MARKS = re.compile(r"^\s*(?:>\s*)*(?:[-*+]\s+|\d+[.)]\s+|:\s+)?(?:\[[ xX]\]\s+)?")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_FOOTNOTE = re.compile(r"\[\^[^\]]*\]:?")
_LITERAL = re.compile(r"(\{[a-z]+\}`[^`]*`|`[^`]*`)")  # a role, or a code span
# What any markup of a line starts with: a line with none of these is its own text.
_MARKUP_CHARS = re.compile(r"[{`\[*_<|]")


def _visible(line: str) -> str:
    """A line's text as shown: markup, raw HTML tags, footnote marks and table bars left
    out; roles and code spans (where `<` is text) read whole."""
    shown = []
    # Most lines have no code span, tag or footnote: their regexes are skipped then.
    for i, part in enumerate(_LITERAL.split(line) if "`" in line else (line,)):
        if not i % 2:
            if "<" in part:
                part = _HTML_TAG.sub(" ", part)
            if "[^" in part:
                part = _FOOTNOTE.sub(" ", part)
            part = part.replace("|", " ")
        text = part[1:-1] if part.startswith("`") else plain_inline(part)
        edges = (" " if part[:1].isspace() else "", " " if part[-1:].isspace() else "")
        shown.append(edges[0] + text + edges[1])  # parts stay words apart only where they were
    return "".join(shown)


def plain_text(body: str) -> tuple[str, list[str]]:
    """The body's words as one line of text, and its headings' texts in order."""
    words: list[str] = []
    headings: list[str] = []
    for _, line, kind in line_kinds(body.splitlines(), body):
        if kind in ("fence", "toctree"):
            continue
        if kind == "code":
            words.append(line)
            continue
        # Most lines are prose: starting with a letter, a line is no heading, label, table
        # rule or list item, so only its inline markup is left to read.
        if line[:1].isalpha():
            words.append(_visible(line) if _MARKUP_CHARS.search(line) else " ".join(line.split()))
            continue
        if not line or line.isspace():  # as many as the paragraphs
            words.append("")
            continue
        if SETEXT_UNDERLINE.match(line) and words and words[-1]:  # the line before was a heading
            headings.append(words[-1])
            continue
        if LABEL_LINE.match(line) or _TABLE_RULE.match(line):
            continue
        heading = ATX_HEADING.match(line)
        if heading:
            text = plain_inline(split_pinned_id(heading.group(2).strip().rstrip("#").strip())[0])
            headings.append(text)
            words.append(text)
            continue
        line = _BLOCK_MARKS.sub("", line, count=1)
        words.append(_visible(line) if _MARKUP_CHARS.search(line) else " ".join(line.split()))
    return " ".join(" ".join(words).split()), headings
