"""A work budget for rendering one page, so any page within the size limit renders quickly.

markdown-it-py spends 5-50 µs on each block, line and token, so even in linear time a
1 MiB page of 350,000 one-word paragraphs, 150,000 table rows or 250,000 `*a*` took
10-30 s. So a page has a budget of LIMIT units, roughly 5 µs of work each, and parsing
spends it, in page order: a unit for each step of the inline parser, each marker of a
run such as `***`, and each line of a paragraph; more for each block started, each line
of a list, each table cell, tag of an HTML block and toctree entry (see the weights
below); an admonition's content is parsed, and pays, where it stands. Once the budget is
spent, the rest of the page is shown as plain text (a block's remaining lines in a <pre>,
a paragraph's remaining words as typed) and the page gets a problem, so `masterywiki
check` reports it. The starter wiki's pages together (270 KiB) use a third of the budget;
LIMIT units take about 0.6 s of CPU.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

LIMIT = 150_000
MAX_LINES = 40_000  # lines past these are not parsed at all: each line costs ~1 µs to index
BLOCK = 7  # a block started: its tokens, and its share of rendering and sanitizing
LIST_LINE = 5  # a line of a list, on top of the blocks in it (items cost ~75 µs in all)
DEFLIST_LINE = 10  # a line of a definition list, likewise (~100 µs a term and definition)
CELL = 3  # a table cell, empty ones too
TEXT_LINE = 2  # a line of a paragraph or heading: each is checked for the start of a block
HEADING = 4  # on top of its block: its id, and a permalink to it
TAG = 1  # a tag in an HTML block
TOC_ENTRY = 3  # a line of a toctree: an entry to look up and link
# Inline rules whose tokens cost more than a step (units on top of it): links resolve and
# nest, footnotes add a block at the end of the page, roles look up terms and pages, and
# nh3 is slow on entities; math is searched for its closing dollar.
INLINE = {"link": 4, "image": 4, "footnote_inline": 8, "footnote_ref": 2, "myst_role": 2,
          "html_inline": 2, "autolink": 2, "backticks": 1, "entity": 1,
          "math_inline": 1}  # fmt: skip
KEY = "masterywiki.budget"
BlockRule = Callable[[StateBlock, int, int, bool], bool]
InlineRule = Callable[[StateInline, bool], bool]
_RUN = {marker: re.compile(re.escape(marker) + "+") for marker in "*_~"}
_TOCTREE = re.compile(r"\{toctree\}")
_FIRST_LINES = re.compile(rf"(?:[^\n]*\n){{{MAX_LINES}}}")


@dataclass
class Budget:
    left: int = LIMIT
    # What the block parser leaves to the inline parser, which runs after it over the whole
    # page: without it, a page of 30,000 headings left none, and its first paragraph's
    # links and emphasis showed as typed.
    floor: int = LIMIT // 3
    line_base: int = 1  # the file line of line 0 of the text being parsed
    line: int = 0  # the line (of that text) the inline parser is in
    cut: int | None = None  # the first file line shown as plain text

    def spend(self, units: int = 1) -> bool:
        """Take `units` from the budget: False once it is spent."""
        self.left -= units
        return self.left >= self.floor

    @property
    def room(self) -> int:
        return self.left - self.floor

    def stop(self, line: int) -> None:
        """Note that plain text begins at `line` (the inline parser runs after the block
        parser, so the first line is not always the first noted)."""
        self.note(self.line_base + line)

    def note(self, cut: int | None) -> None:
        if cut is not None:
            self.cut = cut if self.cut is None else min(self.cut, cut)


def split_lines(body: str) -> tuple[str, str]:
    """The body's first MAX_LINES lines to parse, and the rest, to show as plain text."""
    if body.count("\n") < MAX_LINES:
        return body, ""
    found = _FIRST_LINES.match(body)
    cut = found.end() if found else len(body)
    return body[:cut], body[cut:]


def of(env: Any) -> Budget:
    budget: Budget = env[KEY]
    return budget


def _block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """First of the block rules: once the budget is spent, the rest is one plain block."""
    budget = of(state.env)
    if budget.spend(BLOCK):
        return False
    budget.stop(start)
    token = state.push("unrendered", "pre", 0)
    token.content = state.getLines(start, end, state.blkIndent, True)
    token.map = [start, end]
    token.block = True
    state.line = end
    return True


def _per_line(rule: BlockRule, weight: int) -> BlockRule:
    """Lists and definition lists make tokens for every line: each may take only the
    lines the budget pays for, a block in each included (the rest then falls to `_block`)."""

    def limited(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if silent:
            return rule(state, start, end, silent)
        budget = of(state.env)
        lines = max(budget.room // (weight + BLOCK + TEXT_LINE + 1), 1)  # and text in it
        found = rule(state, start, min(end, start + lines), silent)
        if found:
            budget.spend((state.line - start) * weight)
        return found

    return limited


def _per_text_line(rule: BlockRule, weight: int, extra: int = 0) -> BlockRule:
    """Setext headings and paragraphs check each line for the start of another block:
    they may take only the lines the budget pays for. (markdown-it's paragraph reads up to
    `state.lineMax`, not to the end line it is given, so that is what is lowered.)"""

    def limited(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if silent:
            return rule(state, start, end, silent)
        budget = of(state.env)
        line_max = state.lineMax
        state.lineMax = min(line_max, start + max(budget.room // max(weight, 1), 1))
        try:
            found = rule(state, start, min(end, state.lineMax), silent)
        finally:
            state.lineMax = line_max
        if found:
            budget.spend((state.line - start) * weight + extra)
        return found

    return limited


def _as_typed(state: StateBlock, token: Token, start: int) -> None:
    """Show a block the budget cannot pay for as it was typed."""
    of(state.env).stop(start)
    token.type, token.tag = "unrendered", "pre"
    token.content = state.getLines(start, state.line, state.blkIndent, True)


def _per_tag(rule: BlockRule) -> BlockRule:
    """An HTML block costs a unit for each '<' in it (each is read as html5ever will)."""

    def charged(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        found = rule(state, start, end, silent)
        if found and not silent:
            token = state.tokens[-1]
            if not of(state.env).spend(token.content.count("<") * TAG):
                _as_typed(state, token, start)
        return found

    return charged


def _per_entry(rule: BlockRule) -> BlockRule:
    """A toctree is paid for by the line (an admonition pays as its content is parsed)."""

    def charged(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        found = rule(state, start, end, silent)
        if found and not silent:
            token = state.tokens[-1]
            toctree = _TOCTREE.match(token.info.strip())
            if toctree and not of(state.env).spend(token.content.count("\n") * TOC_ENTRY):
                _as_typed(state, token, start)
        return found

    return charged


def _per_cell(rule: BlockRule) -> BlockRule:
    """A table costs a unit per cell, empty and filled-in ones alike; it may take only the
    rows the budget pays for, and a header wider than the budget is left to the paragraph."""

    def limited(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        budget = of(state.env)
        header = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
        columns = header.count("|") + 1  # at least as many cells as each row will have
        rows = budget.room // (columns * CELL) - 2  # beside the header and the delimiter row
        if rows < 0:  # not a table, so not the end of a paragraph either (markdown-it reads
            return False  # each line of it a character at a time to tell)
        if silent:
            return rule(state, start, end, silent)
        found = rule(state, start, min(end, start + 2 + rows), silent)
        if found:
            budget.spend((state.line - start) * columns * CELL)
        return found

    return limited


def _inline(state: StateInline, silent: bool) -> bool:
    """First of the inline rules: once the budget is spent, the rest is text."""
    if of(state.env).spend():
        return False
    return _rest_as_text(state, silent)


def _rest_as_text(state: StateInline, silent: bool) -> bool:
    budget = of(state.env)
    budget.stop(budget.line)
    if not silent:
        state.append_pending(state.src[state.pos : state.posMax])
    state.pos = state.posMax
    return True


def _charged(rule: InlineRule, units: int) -> InlineRule:
    def charged(state: StateInline, silent: bool) -> bool:
        found = rule(state, silent)
        if found and not silent:
            of(state.env).spend(units)
        return found

    return charged


def _per_marker(rule: InlineRule) -> InlineRule:
    """Emphasis and strikethrough make a token for every `*`, `_` or `~` of a run, and
    pair them up afterwards: a run costs a unit a marker, paid before it is read."""

    def limited(state: StateInline, silent: bool) -> bool:
        run = _RUN.get(state.src[state.pos])
        if run is None or silent:
            return rule(state, silent)
        found = run.match(state.src, state.pos)
        if found and not of(state.env).spend(found.end() - found.start()):
            return _rest_as_text(state, silent)
        return rule(state, silent)

    return limited


class _Inline(ParserInline):
    """Also charges the steps of link-label scanning: `[a [a [a ...` scans to the end of
    the paragraph from every `[`, mostly over positions already cached, which no rule
    sees (O(n²) steps that the rules alone would not count)."""

    def skipToken(self, state: StateInline) -> None:
        if of(state.env).spend():
            super().skipToken(state)
        else:
            state.pos = state.posMax


def _inline_blocks(state: StateCore) -> None:
    """markdown-it's core `inline` rule, noting the line each inline block starts on."""
    budget = of(state.env)
    budget.floor = 0  # the inline parser (and rendering) may spend the rest
    for token in state.tokens:
        if token.type == "inline":
            if token.map:
                budget.line = token.map[0]
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


def use(md: MarkdownIt) -> None:
    """Budget `md`'s parsing; call before adding plugins (their inline rules stay)."""
    inline = _Inline()
    inline.ruler, inline.ruler2 = md.inline.ruler, md.inline.ruler2
    md.inline = inline
    md.core.ruler.at("inline", _inline_blocks)


def guard(md: MarkdownIt) -> None:
    """Put the budget in front of the block and inline rules; call after the plugins."""
    md.block.ruler.before("table", "budget", _block)
    md.inline.ruler.before("text", "budget", _inline)
    block = md.block.ruler
    wrappers: dict[str, Callable[[BlockRule], BlockRule]] = {
        "table": _per_cell,
        "list": lambda rule: _per_line(rule, LIST_LINE),
        "deflist": lambda rule: _per_line(rule, DEFLIST_LINE),
        "paragraph": lambda rule: _per_text_line(rule, TEXT_LINE),
        "lheading": lambda rule: _per_text_line(rule, TEXT_LINE, HEADING),
        "heading": lambda rule: _per_text_line(rule, 0, HEADING),
        "html_block": _per_tag,
        "fence": _per_entry,
        "colon_fence": _per_entry,
    }
    for name, wrap in wrappers.items():
        rule = block.__rules__[block.__find__(name)]
        block.at(name, wrap(rule.fn), {"alt": rule.alt})
    inline = md.inline.ruler
    for name in ("emphasis", "strikethrough"):
        found = inline.__rules__[inline.__find__(name)]
        inline.at(name, _per_marker(found.fn))
    for name, units in INLINE.items():
        found = inline.__rules__[inline.__find__(name)]
        inline.at(name, _charged(found.fn, units))
