"""MyST directives in fenced blocks: admonitions (whose content is markdown), toctrees,
math and mermaid diagrams."""

from __future__ import annotations

import re
from typing import Any

from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from masterywiki.content import mathrules, renderbudget
from masterywiki.content.docinfo import parse_toctree
from masterywiki.content.renderstate import RenderState, escape, state_of

ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}
DIRECTIVE = re.compile(r"^\{([a-z][\w-]*)\}\s*(.*)$")
# Nested admonitions are parsed recursively, and Python's stack is finite: 1,700 levels
# crashed with RecursionError.
MAX_ADMONITION_DEPTH = 8


def directive(
    renderer: RendererHTML,
    token: Token,
    name: str,
    argument: str,
    options: OptionsDict,
    env: EnvType,
) -> str:
    state = state_of(env)
    if name in ADMONITIONS or name == "admonition":
        if "tokens" not in token.meta:  # see parse_admonitions
            message = f"admonitions nest more than {MAX_ADMONITION_DEPTH} deep: this one is text"
            state.problem("directive", message)
            return f'<pre class="unrendered">{escape(token.content)}</pre>\n'
        title = argument if name == "admonition" and argument else ADMONITIONS.get(name, "Note")
        body = _render_nested(renderer, token, options, env)
        kind = name if name != "admonition" else "note"
        return (
            f'<aside class="admonition {kind}" role="note">'
            f'<p class="admonition-title">{escape(title)}</p>\n{body}</aside>\n'
        )
    if name == "toctree":
        return toctree(state, token)
    if name == "math":
        state.text.append(token.content)
        return mathrules.display_html(token.content)
    if name == "mermaid":
        return mermaid(state, token.content)
    state.problem("directive", f"unknown directive {{{name}}}")
    return (
        f'<pre class="unknown-directive" title="Unknown directive {{{escape(name)}}}">'
        f"<code>{escape(token.content)}</code></pre>\n"
    )


def parse_admonitions(rule: renderbudget.BlockRule) -> renderbudget.BlockRule:
    """Parse an admonition's content as the fence around it is found: in page order and
    on the page's budget, so an admonition near the top is never what is left unrendered.
    Its own env keeps the footnote plugin from repeating the page's footnotes in it."""

    def parse(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        found = rule(state, start, end, silent)
        token = state.tokens[-1] if found and not silent else None
        directive = DIRECTIVE.match(token.info.strip()) if token else None
        if token is None or directive is None:
            return found
        name, argument = directive.group(1), directive.group(2)
        page = state_of(state.env)
        admonition = name in ADMONITIONS or name == "admonition"
        if not admonition or page.depth >= MAX_ADMONITION_DEPTH:
            return found
        content = token.content
        if argument and name != "admonition":
            content = argument + "\n" + content
        budget = renderbudget.of(state.env)
        saved = budget.line_base, budget.floor
        budget.line_base += start + 1
        page.depth += 1
        nested_env: dict[str, Any] = {"masterywiki": page, renderbudget.KEY: budget}
        try:
            token.meta["tokens"] = state.md.parse(content, nested_env)
            token.meta["env"] = nested_env
        finally:
            page.depth -= 1
            budget.line_base, budget.floor = saved
        return found

    return parse


def _render_nested(renderer: RendererHTML, token: Token, options: OptionsDict, env: EnvType) -> str:
    """Render an admonition's content, parsed with the page, sharing ids, links and problems."""
    state = state_of(env)
    saved_base, saved_line = state.line_base, state.line
    state.line_base = saved_base + (token.map or [0])[0] + 1
    try:
        html: str = renderer.render(token.meta["tokens"], options, token.meta["env"])
        return html
    finally:
        state.line_base, state.line = saved_base, saved_line


def toctree(state: RenderState, token: Token) -> str:
    toctree = parse_toctree(token.content.split("\n"), 0)
    if toctree.hidden:
        return ""
    items: list[str] = []
    for entry in toctree.entries:
        target = state.resolver.doc(entry.target, state.file)
        if target is None:
            message = f"toctree entry names a missing page: {entry.target}"
            state.problem("toctree", message, offset=entry.line + 1)  # +1: the fence line
            items.append(f'<li><span class="broken-link">{escape(entry.target)}</span></li>')
            continue
        if target.name:
            state.links[target.name] = None
        title = entry.title or target.title
        summary = (
            f'<span class="toctree-summary">{escape(target.summary)}</span>'
            if target.summary
            else ""
        )
        items.append(f'<li><a href="{escape(target.url)}">{escape(title)}</a>{summary}</li>')
    caption = f'<p class="caption">{escape(toctree.caption)}</p>' if toctree.caption else ""
    label = escape(toctree.caption or "Contents")
    return f'<nav class="toctree" aria-label="{label}">{caption}<ul>{"".join(items)}</ul></nav>\n'


def mermaid(state: RenderState, source: str) -> str:
    """A diagram stays its source, as text: what search indexes, what shows with scripts
    off, and what the browser's mermaid (static/diagrams.js) draws from."""
    state.text.append(source)
    return f'<figure class="diagram"><pre class="mermaid">{escape(source.strip())}</pre></figure>\n'
