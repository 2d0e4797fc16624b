"""The linear-time rules make exactly the tokens of the rules they replace."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from masterywiki.content import mdrules
from tests.timing import FACTOR, LINEAR_GROWTH, growth


def parser(linear: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["table", "strikethrough"])
    for plugin in (footnote_plugin, deflist_plugin, colon_fence_plugin, myst_block_plugin):
        md.use(plugin)
    if linear:
        mdrules.use(md)
    else:
        md.use(myst_role_plugin)
        md.use(tasklists_plugin)
    return md


PLUGINS, LINEAR = parser(False), parser(True)
LINES = [
    "a", "b {x}`y` c", "{ab}``x`y``", "{r}`", "`", "---", "===", "   ---", ": b", ":   c",
    "> q", "> ---", ">", "- x", "- [ ] t", "- [x] done", "* [X]\tz", "1. o", "2. p",
    "    code", "", "", "| a | b |", "|---|---|", "```", "% comment", "%", "(label)=",
    "+++", "## h", "<div>", "[^1]: f", "[r]: /u", "  - n", "  : d", "*em* [l](u)",
]  # fmt: skip


def tokens(md: MarkdownIt, text: str) -> list[Any]:
    def flat(found: list[Token]) -> list[Any]:
        return [
            (t.type, t.tag, t.content, t.attrs, t.meta, t.map, t.markup, flat(t.children or []))
            for t in found
        ]

    return flat(md.parse(text))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=12).map("\n".join))
def test_same_tokens_as_the_plugin_rules(text: str) -> None:
    assert tokens(LINEAR, text) == tokens(PLUGINS, text)


def test_each_rule_takes_linear_time() -> None:
    # Growth from a quarter of these to all, with the plugins' rules: 15x for the braces
    # (each copied the rest of the paragraph), 17x for the comments, 14x for the task list.
    for unit, repeats in (("{a", 524_288), ("% c\n", 260_000), ("- [ ] x\n", 8_000)):
        ratio = growth(lambda n, unit=unit: LINEAR.parse(unit * n), repeats // FACTOR)
        assert ratio < LINEAR_GROWTH, unit
