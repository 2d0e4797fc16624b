"""Markdown to safe HTML: CommonMark plus the MyST/Sphinx syntax of DESIGN.md.

Pure: `render(body, resolver, file=...)` takes text and a resolver for cross-page
references and returns a `Rendered` value. Nothing here reads files or knows Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin

from masterywiki.content import directives, linerender, mathrules, mdrules, names, renderbudget
from masterywiki.content.docinfo import split_explicit_title
from masterywiki.content.model import Problem
from masterywiki.content.rawhtml import MAX_FORMATTING, MAX_OPEN, sanitize
from masterywiki.content.renderstate import Heading, RenderState, Resolver, Target, escape, state_of
from masterywiki.content.slugs import slugify, split_pinned_id

__all__ = ["Heading", "Rendered", "Resolver", "Target", "render", "sanitize"]


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]
    links: tuple[str, ...]  # page names this page links to
    terms: tuple[str, ...]  # page names of glossary terms it references
    text: str  # plain text, for search and summaries
    problems: tuple[Problem, ...]


# -- the parser ----------------------------------------------------------------


def _heading_ids(state: RenderState, tokens: list[Token]) -> None:
    """Give each heading a stable id: its `{#pinned}` id or a slug of its text."""
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        visible, pinned = split_pinned_id(inline.content)
        if pinned is not None and inline.children:
            last = inline.children[-1]
            if last.type == "text":
                last.content, _ = split_pinned_id(last.content)
                last.content = last.content.rstrip()
        text = "".join(
            c.content
            for c in inline.children or []
            if c.type in ("text", "code_inline", "myst_role")
        ).strip()
        anchor = state.slugs.claim(pinned or slugify(visible))
        token.attrSet("id", anchor)
        line = state.line_base + token.map[0] if token.map else 0
        state.headings.append(Heading(int(token.tag[1]), anchor, text or visible.strip(), line))


TABLE_BOX = linerender.TABLE_BOX  # a wide table's scrolling box, written by both


class _Renderer(RendererHTML):
    """Render rules for MyST syntax; everything else is markdown-it's own."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        state = state_of(env)
        _heading_ids(state, list(tokens))
        return super().render(tokens, options, env)

    def table_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        # A wide table scrolls sideways in a box of its own that the keyboard can reach.
        return TABLE_BOX + self.renderToken(tokens, idx, options, env)

    def table_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return self.renderToken(tokens, idx, options, env) + "</div>\n"

    def renderToken(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        if token.map is not None:
            state_of(env).line = token.map[0]
        return super().renderToken(tokens, idx, options, env)

    def heading_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        opening = tokens[idx - 2]
        anchor = opening.attrGet("id")
        link = (
            f'<a class="headerlink" href="#{anchor}" '
            f'aria-label="Permalink to this section" title="Permalink to this section"></a>'
        )
        return f"{link}</{tokens[idx].tag}>\n"

    def text(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        state_of(env).text.append(tokens[idx].content)
        return escape(tokens[idx].content)

    def link_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        parts = urlsplit(href)
        if not parts.scheme and not parts.netloc and parts.path.endswith(".md"):
            state = state_of(env)
            target = state.resolver.doc(parts.path, state.file)
            if target is None:
                state.problem("link", f"link to a page that does not exist: {parts.path}")
                token.attrJoin("class", "broken-link")
            else:
                if target.name:
                    state.links[target.name] = None
                fragment = f"#{parts.fragment}" if parts.fragment else ""
                token.attrSet("href", target.url + fragment)
        elif not parts.scheme and not parts.netloc and _attach(token, "href", state_of(env)):
            token.attrJoin("class", "attachment")
        elif parts.scheme in ("http", "https"):
            token.attrSet("rel", "noopener noreferrer")
            token.attrJoin("class", "external")
        return self.renderToken(tokens, idx, options, env)

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        parts = urlsplit(str(token.attrGet("src") or ""))
        if not parts.scheme and not parts.netloc:
            _attach(token, "src", state_of(env))
        return super().image(tokens, idx, options, env)

    def myst_target(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        label = tokens[idx].content
        return f'<span class="label-target" id="{escape(label)}"></span>\n'

    def myst_line_comment(self, *args: Any) -> str:
        return ""

    def myst_block_break(self, *args: Any) -> str:
        return '<hr class="block-break">\n'

    def myst_role(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        state = state_of(env)
        role = token.meta.get("name", "")
        shown, target_text = split_explicit_title(token.content)
        if role == "term":
            return _term_link(state, shown, target_text)
        if role == "doc":
            return _doc_link(state, shown, target_text)
        if role == "ref":
            return _ref_link(state, shown, target_text)
        state.text.append(token.content)
        if role == "math":
            return mathrules.inline_html(token.content)
        if role in ("abbr", "sub", "sup", "kbd"):
            tag = "abbr" if role == "abbr" else role
            return f"<{tag}>{escape(token.content)}</{tag}>"
        state.problem("role", f"unknown role {{{role}}}")
        return f'<code class="unknown-role">{escape(token.content)}</code>'

    def math_inline(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        state_of(env).text.append(tokens[idx].content)
        return mathrules.inline_html(tokens[idx].content)

    def math_inline_double(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        state_of(env).text.append(tokens[idx].content)
        return mathrules.display_html(tokens[idx].content, inline=True)

    def math_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        state_of(env).text.append(tokens[idx].content)
        return mathrules.display_html(tokens[idx].content)

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if token.map is not None:
            state_of(env).line = token.map[0]
        directive = directives.DIRECTIVE.match(token.info.strip())
        if directive is None:
            return super().fence(tokens, idx, options, env)
        return directives.directive(
            self, token, directive.group(1), directive.group(2), options, env
        )

    colon_fence = fence

    def html_block(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        return state_of(env).raw.clean(tokens[idx].content)

    html_inline = html_block

    def td_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        state_of(env).raw.enter_cell()
        return self.renderToken(tokens, idx, options, env)

    def td_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        state_of(env).raw.leave_cell()
        return self.renderToken(tokens, idx, options, env)

    th_open, th_close = td_open, td_close

    def unrendered(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        """What is left when the page's budget is spent, as typed (see renderbudget)."""
        state_of(env).text.append(tokens[idx].content)
        return f'<pre class="unrendered">{escape(tokens[idx].content)}</pre>\n'


def _attach(token: Token, attribute: str, state: RenderState) -> bool:
    """Point a link or image written as `page.files/name` at the attachment's URL.
    Whether the file exists is for `check` to say: rendering never reads git."""
    found = names.resolve_attachment(str(token.attrGet(attribute) or ""), state.file)
    if found is None:
        return False
    token.attrSet(attribute, found.url)
    return True


def _term_link(state: RenderState, shown: str | None, wanted: str) -> str:
    target = state.resolver.term(wanted)
    label = shown or wanted
    state.text.append(label)
    if target is None:
        state.problem("term", f"unknown glossary term: {wanted}")
        return (
            f'<span class="xref term unknown" title="Not in the glossary yet">'
            f"{escape(label)}</span>"
        )
    if target.name:
        state.terms[target.name] = None
        state.links[target.name] = None
    summary = target.summary or target.title
    return (
        f'<a class="xref term" href="{escape(target.url)}" data-summary="{escape(summary)}">'
        f"{escape(label)}</a>"
    )


def _doc_link(state: RenderState, shown: str | None, wanted: str) -> str:
    target = state.resolver.doc(wanted, state.file)
    return _xref(state, "doc", target, shown, wanted, "link to a page that does not exist")


def _ref_link(state: RenderState, shown: str | None, wanted: str) -> str:
    target = state.resolver.ref(wanted)
    return _xref(state, "ref", target, shown, wanted, "unknown label")


def _xref(
    state: RenderState,
    role: str,
    target: Target | None,
    shown: str | None,
    wanted: str,
    missing: str,
) -> str:
    """A {doc} or {ref} link; a missing target is marked and reported."""
    if target is None:
        state.problem(role, f"{missing}: {wanted}")
        state.text.append(shown or wanted)
        return f'<span class="xref {role} broken-link">{escape(shown or wanted)}</span>'
    if target.name:
        state.links[target.name] = None
    label = shown or target.title
    state.text.append(label)
    return f'<a class="xref {role}" href="{escape(target.url)}">{escape(label)}</a>'


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False}, renderer_cls=_Renderer)
    renderbudget.use(md)
    md.enable(["table", "strikethrough"])
    for plugin in (
        footnote_plugin,
        deflist_plugin,
        colon_fence_plugin,
        myst_block_plugin,
    ):
        md.use(plugin)
    mdrules.use(md)  # MyST roles and task lists, in linear time
    mathrules.use(md)  # MyST dollarmath, in linear time
    for name in ("fence", "colon_fence"):
        fence = md.block.ruler.__rules__[md.block.ruler.__find__(name)]
        md.block.ruler.at(name, directives.parse_admonitions(fence.fn), {"alt": fence.alt})
    renderbudget.guard(md)  # last, so it goes before every block and inline rule
    # Plugins register their own render rules; ours (methods of _Renderer) win.
    for rule in (
        "myst_role",
        "myst_target",
        "myst_line_comment",
        "myst_block_break",
        "fence",
        "colon_fence",
        "math_inline",
        "math_inline_double",
        "math_block",
    ):
        renderer: Any = md.renderer
        renderer.rules[rule] = getattr(renderer, rule)
    return md


_MD = _build_parser()


def render(
    body: str,
    resolver: Resolver,
    *,
    file: str = "index.md",
    body_line: int = 1,
    line_scan: bool = True,
) -> Rendered:
    """Render a page body (front matter already removed) to sanitized HTML.

    `file` is the page's path in the repository, for relative references;
    `body_line` is the file line the body starts on, so problems point into the file.
    `line_scan=False` always uses markdown-it (tests compare the two ways).
    """
    # markdown-it reads "\r" as a line break too; normalized first, it counts as one here.
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    # Most pages are plain markdown, which a line scan renders ten times faster.
    plain = linerender.render_plain(body, resolver, file, body_line) if line_scan else None
    if plain is not None:
        return Rendered(
            html=plain.html,  # as the sanitizer would write it
            headings=tuple(plain.headings),
            links=tuple(plain.links),
            terms=(),
            text=" ".join(" ".join(plain.text).split()),
            problems=(),
        )
    state = RenderState(resolver=resolver, file=file, line_base=body_line)
    state.budget.line_base = body_line
    env: dict[str, Any] = {"masterywiki": state, renderbudget.KEY: state.budget}
    body, rest = renderbudget.split_lines(body)
    tokens = _MD.parse(body, env)
    raw_html = _MD.renderer.render(tokens, _MD.options, env)
    if rest:
        state.budget.stop(renderbudget.MAX_LINES)
        state.text.append(rest)
        raw_html += f'<pre class="unrendered">{escape(rest)}</pre>\n'
    if state.budget.cut is not None:
        message = (
            "the page is too long or intricate to render in full: from here on it is plain text"
        )
        state.problems.append(Problem(state.budget.cut, message, kind="size"))
    if state.raw.limited:
        message = (
            f"{state.raw.limited} HTML tags shown as text: raw HTML may keep {MAX_OPEN} "
            f"elements open, {MAX_FORMATTING} of them formatting ones (b, i, em, ...)"
        )
        state.problems.append(Problem(body_line, message, kind="html"))
    return Rendered(
        html=sanitize(raw_html),
        headings=tuple(state.headings),
        links=tuple(state.links),
        terms=tuple(state.terms),
        text=" ".join(" ".join(state.text).split()),
        problems=tuple(state.problems),
    )
