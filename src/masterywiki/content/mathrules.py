"""Math in pages: MyST `dollarmath` (`$…$` inline, `$$…$$` display) and the `{math}` role
and directive, kept as TeX text in the page for the browser's KaTeX to typeset.

The rules follow mdit-py-plugins' `dollarmath_plugin` as MyST configures it, with two
changes of shape so that every page renders in linear time:

- the closing `$` of inline math is found by a binary search in the positions of the
  unescaped dollars of the paragraph (the plugin scanned on from each `$`, over every
  escaped `\\$`: `$a\\$ $a\\$ …` took O(n²));
- a display block may span at most MAX_DISPLAY_LINES lines, and its lines are paid for
  from the page's render budget as they are read (an unclosed `$$` scanned to the end
  of the page from every such line).

Like pandoc, a `$` followed by a space does not open math, and one preceded by a space
or followed by a digit does not close it, so prices ("$5 and $10") stay text. `$$…$$`
inside a paragraph (a formula written on the lines right after a sentence, with no
blank line between) is display math whatever spaces and line breaks pad it.
"""

from __future__ import annotations

from bisect import bisect_left

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from masterywiki.content import renderbudget
from masterywiki.content.renderstate import escape

MAX_DISPLAY_LINES = 100
_SPACE = " \t\n\r\f\v"


def inline_html(tex: str) -> str:
    """Inline math as the page carries it: the TeX as text, typeset by the browser."""
    return f'<span class="math math-inline">{escape(tex.strip())}</span>'


def display_html(tex: str, *, inline: bool = False) -> str:
    """Display math; `inline` for `$$…$$` inside a paragraph, where a <div> may not go."""
    if inline:
        return f'<span class="math math-display">{escape(tex.strip())}</span>'
    return f'<div class="math math-display">{escape(tex.strip())}</div>\n'


class _Dollars:
    """Where the unescaped `$` of one inline source are, and the `$$` pairs among them."""

    def __init__(self, src: str) -> None:
        self.single: list[int] = []
        at = src.find("$")
        while at >= 0:
            slashes = 0
            while at - slashes > 0 and src[at - slashes - 1] == "\\":
                slashes += 1
            if slashes % 2 == 0:
                self.single.append(at)
            at = src.find("$", at + 1)
        unescaped = set(self.single)
        self.double = [at for at in self.single if at + 1 in unescaped]

    def after(self, double: bool, start: int) -> int | None:
        """The first `$` (or `$$`) at `start` or later."""
        found = self.double if double else self.single
        index = bisect_left(found, start)
        return found[index] if index < len(found) else None


def _dollars(state: StateInline) -> _Dollars:
    found: _Dollars | None = getattr(state, "_masterywiki_dollars", None)
    if found is None:
        found = _Dollars(state.src)
        state._masterywiki_dollars = found  # type: ignore[attr-defined]
    return found


def math_inline(state: StateInline, silent: bool) -> bool:
    """`$tex$`, or `$$tex$$` for display math inside a paragraph."""
    src, start = state.src, state.pos
    if src[start] != "$":
        return False
    dollars = _dollars(state)
    if dollars.after(False, start) != start:
        return False  # escaped: the escape rule shows it as a `$`
    double = dollars.after(True, start) == start
    opening = 2 if double else 1
    if start + opening >= state.posMax:
        return False
    if not double and src[start + 1] in _SPACE:
        return False
    close = dollars.after(double, start + opening + 1)
    if close is None or close + opening > state.posMax:
        return False
    end = close + opening
    if double:  # `$$` is never a price: spaces and line breaks may pad the formula
        if not src[start + 2 : close].strip():
            return False
    elif src[close - 1] in _SPACE or (end < len(src) and src[end].isdigit()):
        return False
    if not silent:
        token = state.push("math_inline_double" if double else "math_inline", "math", 0)
        token.content = src[start + opening : close]
        token.markup = "$" * opening
    state.pos = end
    return True


def math_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """`$$` on its own line up to a line ending with `$$` (or both on one line)."""
    if state.is_code_block(start):
        return False
    begin = state.bMarks[start] + state.tShift[start]
    first = state.src[begin : state.eMarks[start]].rstrip()
    if not first.startswith("$$"):
        return False
    if len(first) >= 4 and first.endswith("$$"):
        last, parts = start, [first[2:-2]]
    else:
        if "$$" in first[2:]:  # `$$a$$ b`: inline math in a paragraph, not a block
            return False
        budget = renderbudget.of(state.env)
        parts, last = [first[2:]], start + 1
        limit = min(end, start + MAX_DISPLAY_LINES)
        while True:
            if last >= limit or state.isEmpty(last) or state.sCount[last] < state.blkIndent:
                return False
            if not budget.spend():
                return False
            line = state.src[state.bMarks[last] + state.tShift[last] : state.eMarks[last]]
            line = line.rstrip()
            if line.endswith("$$"):
                parts.append(line[:-2])
                break
            parts.append(line)
            last += 1
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = "\n".join(parts)
    token.markup = "$$"
    token.map = [start, last + 1]
    state.line = last + 1
    return True


def use(md: MarkdownIt) -> None:
    """Add the rules; the renderer (markup's) turns their tokens into HTML."""
    md.inline.ruler.before("escape", "math_inline", math_inline)
    md.block.ruler.before("fence", "math_block", math_block)
