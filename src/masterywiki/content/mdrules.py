"""Linear-time stand-ins for three mdit-py-plugins rules that are quadratic on some pages.

Each makes the same tokens as the plugin rule it replaces (`myst_role_plugin`, the
line comments of `myst_block_plugin`, and `tasklists_plugin` with its defaults), so
pages render exactly as before:

- the MyST role rule copied the rest of the paragraph (`src[pos:]`) every time the
  inline parser stopped at a character such as `*`, `[` or `{`: 1 MiB of `*a **b `
  took 18 s;
- the line-comment rule grew its token with `content += line`, copying all lines so
  far for each `% comment` line: 1 MiB of them took 2.6 s;
- the task-list rule walked back to the list's opening token for every `[ ]` item:
  64 KiB of `- [ ] x` took 5.4 s.

`thematic_break` puts a regex in front of markdown-it's own rule, which reads a line a
character at a time in Python to see if it is a thematic break (`- - -`), once for each
nesting level and as a possible end of each paragraph: `- - - ... a` cost 0.1 s a MiB
a test, 0.7 s in all.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

_ROLE_NAME = re.compile(r"\{([a-zA-Z0-9_\-+:]+)\}")
_BREAK = {marker: re.compile(rf"\{marker}[\{marker} \t]*+") for marker in "*-_"}
_TODO = re.compile(r"\[[ xX]\][ \t\n\v\f\r]+")
_BOX = '<input class="task-list-item-checkbox" {}disabled="disabled" type="checkbox">'


class _Backticks:
    """Where the runs of backticks in one inline source are, to find a role's closing
    ticks without a search that scans to the end and fails (once per role)."""

    def __init__(self, src: str) -> None:
        runs = [(m.start(), m.end()) for m in re.finditer("`+", src)]
        self.starts = [start for start, _ in runs]
        self.ends = [end for _, end in runs]
        # longest[i]: the longest run from run i on, so a hopeless search costs O(log n).
        self.longest = [0] * (len(runs) + 1)
        for i in range(len(runs) - 1, -1, -1):
            self.longest[i] = max(self.ends[i] - self.starts[i], self.longest[i + 1])

    def find(self, src: str, ticks: int, start: int) -> int:
        """The first index >= start where `ticks` backticks in a row begin, or -1."""
        i = bisect_left(self.ends, start + 1)  # the first run that ends after `start`
        if i == len(self.ends):
            return -1
        head = max(self.starts[i], start)
        if self.ends[i] - head >= ticks:
            return head
        if self.longest[i + 1] < ticks:
            return -1
        return src.find("`" * ticks, self.ends[i])


def _backticks(state: StateInline) -> _Backticks:
    found = getattr(state, "_masterywiki_backticks", None)
    if found is None:
        found = _Backticks(state.src)
        state._masterywiki_backticks = found  # type: ignore[attr-defined]
    return found


def myst_role(state: StateInline, silent: bool) -> bool:
    """{name}`content`, the closing ticks as many as the opening ones."""
    src = state.src
    if src[state.pos] != "{":
        return False
    name = _ROLE_NAME.match(src, state.pos)
    if name is None:
        return False
    start = pos = name.end()
    while pos < len(src) and src[pos] == "`":
        pos += 1
    ticks = pos - start
    if not ticks or pos >= len(src):
        return False
    close = _backticks(state).find(src, ticks, pos + 1)
    if close < 0:
        return False
    if not silent:
        token = state.push("myst_role", "", 0)
        token.meta = {"name": name.group(1)}
        token.content = src[pos:close].replace("\n", " ")
    state.pos = close + ticks
    return True


def line_comment(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Consecutive `% comment` lines, one token for them all."""
    if state.is_code_block(start):
        return False
    pos = state.bMarks[start] + state.tShift[start]
    if state.src[pos] != "%":
        return False
    if silent:
        return True
    lines = [state.src[pos + 1 : state.eMarks[start]].rstrip()]
    line = start + 1
    while line < end:
        pos = state.bMarks[line] + state.tShift[line]
        if state.src[pos] != "%":
            break
        lines.append(state.src[pos + 1 : state.eMarks[line]].rstrip())
        line += 1
    token = state.push("myst_line_comment", "", 0)
    token.attrSet("class", "myst-line-comment")
    token.content = "\n".join(lines)
    token.markup = "%"
    token.map = [start, line]
    state.line = line
    return True


def tasklists(state: StateCore) -> None:
    """`- [ ] item` and `- [x] item` become disabled checkboxes, as GitHub shows them."""
    tokens = state.tokens
    last_at_level: dict[int, int] = {}  # level -> index of the latest token at that level
    for i, token in enumerate(tokens):
        if (
            2 <= i < len(tokens) - 1
            and token.type == "inline"
            and tokens[i - 1].type == "paragraph_open"
            and tokens[i - 2].type == "list_item_open"
            and _TODO.match(token.content)
        ):
            _checkbox(token)
            item = tokens[i - 2]
            item.attrSet("class", "task-list-item")
            tokens[last_at_level.get(item.level - 1, -1)].attrSet("class", "contains-task-list")
        last_at_level[token.level] = i


def _checkbox(token: Token) -> None:
    box = Token("html_inline", "", 0)
    if token.content.startswith("[ ] "):
        box.content = _BOX.format("")
    elif token.content.startswith(("[x] ", "[X] ")):
        box.content = _BOX.format('checked="checked" ')
    # else (`[ ]` and a tab, say) the plugin leaves the box empty, and so do we
    children = token.children or []
    children.insert(0, box)
    children[1].content = children[1].content[3:]
    token.children = children
    token.content = token.content[3:]


def thematic_break(
    rule: Callable[[StateBlock, int, int, bool], bool],
) -> Callable[[StateBlock, int, int, bool], bool]:
    """`rule`, asked only about lines of one marker, spaces and tabs."""

    def checked(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        pos, stop = state.bMarks[start] + state.tShift[start], state.eMarks[start]
        line = _BREAK.get(state.src[pos : pos + 1])
        if line is None or not line.fullmatch(state.src, pos, stop):
            return False
        return rule(state, start, end, silent)

    return checked


def use(md: MarkdownIt) -> None:
    """Add the rules where the plugins put theirs (render rules are markup's); call after
    `myst_block_plugin`, whose line-comment rule this replaces."""
    md.inline.ruler.before("backticks", "myst_role", myst_role)
    md.core.ruler.after("inline", "github-tasklists", tasklists)
    block = md.block.ruler
    alt = block.__rules__[block.__find__("myst_line_comment")].alt
    block.at("myst_line_comment", line_comment, {"alt": alt})
    hr = block.__rules__[block.__find__("hr")]
    block.at("hr", thematic_break(hr.fn), {"alt": hr.alt})
