"""Markdown to safe HTML: CommonMark plus the MyST/Sphinx syntax of DESIGN.md.

Pure: `render(body, resolver, file=...)` takes text and a resolver for cross-page
references and returns a `Rendered` value. Nothing here reads files or knows Flask.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from masterywiki import names
from masterywiki.docinfo import parse_toctree, split_explicit_title
from masterywiki.model import Problem
from masterywiki.slugs import SlugRegistry, slugify, split_pinned_id

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
_DIRECTIVE = re.compile(r"^\{([a-z][\w-]*)\}\s*(.*)$")


@dataclass(frozen=True)
class Target:
    """Where a cross-reference points, and what to show for it."""

    url: str
    title: str
    summary: str | None = None
    name: str | None = None  # the page name, when the target is a page


class Resolver(Protocol):
    def term(self, text: str) -> Target | None: ...
    def doc(self, target: str, from_file: str) -> Target | None: ...
    def ref(self, label: str) -> Target | None: ...


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]
    links: tuple[str, ...]  # page names this page links to
    terms: tuple[str, ...]  # page names of glossary terms it references
    text: str  # plain text, for search and summaries
    problems: tuple[Problem, ...]


@dataclass
class _State:
    resolver: Resolver
    file: str
    line_base: int
    slugs: SlugRegistry = field(default_factory=SlugRegistry)
    headings: list[Heading] = field(default_factory=list)
    links: dict[str, None] = field(default_factory=dict)
    terms: dict[str, None] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    line: int = 0  # 0-based line of the block being rendered, within the body

    def problem(self, kind: str, message: str, offset: int = 0) -> None:
        line = self.line_base + self.line + offset
        self.problems.append(Problem(line, message, kind=kind))


# -- sanitizing ---------------------------------------------------------------

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"section", "input"}
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "title", "lang", "dir", "role"},
    "a": {"href", "hreflang", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "code": {"class"},
    "input": {"checked"},
    "time": {"datetime"},
    "abbr": {"title"},
}
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes=_ALLOWED_ATTRIBUTES,
    generic_attribute_prefixes={"aria-", "data-"},
    url_schemes={"http", "https", "mailto", "tel"},
    link_rel=None,
    filter_style_properties={"text-align"},
    clean_content_tags={"script", "style"},
    # Inputs exist only for task-list checkboxes: never editable, never submitted.
    tag_attribute_values={"input": {"type": {"checkbox"}}},
    set_tag_attribute_values={"input": {"disabled": "disabled"}},
)


def sanitize(fragment: str) -> str:
    """Remove anything that could run script: tags, event handlers, javascript: URLs."""
    return _CLEANER.clean(fragment)


# -- the parser ----------------------------------------------------------------


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _state(env: EnvType) -> _State:
    state: _State = env["masterywiki"]
    return state


def _heading_ids(state: _State, tokens: list[Token]) -> None:
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
        state.headings.append(Heading(int(token.tag[1]), anchor, text or visible.strip()))


class _Renderer(RendererHTML):
    """Render rules for MyST syntax; everything else is markdown-it's own."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        state = _state(env)
        _heading_ids(state, list(tokens))
        return super().render(tokens, options, env)

    def renderToken(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        if token.map is not None:
            _state(env).line = token.map[0]
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
        _state(env).text.append(tokens[idx].content)
        return _escape(tokens[idx].content)

    def link_open(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        parts = urlsplit(href)
        if not parts.scheme and not parts.netloc and parts.path.endswith(".md"):
            state = _state(env)
            target = state.resolver.doc(parts.path, state.file)
            if target is None:
                state.problem("link", f"link to a page that does not exist: {parts.path}")
                token.attrJoin("class", "broken-link")
            else:
                if target.name:
                    state.links[target.name] = None
                fragment = f"#{parts.fragment}" if parts.fragment else ""
                token.attrSet("href", target.url + fragment)
        elif not parts.scheme and not parts.netloc and _attach(token, "href", _state(env)):
            token.attrJoin("class", "attachment")
        elif parts.scheme in ("http", "https"):
            token.attrSet("rel", "noopener noreferrer")
            token.attrJoin("class", "external")
        return self.renderToken(tokens, idx, options, env)

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        parts = urlsplit(str(token.attrGet("src") or ""))
        if not parts.scheme and not parts.netloc:
            _attach(token, "src", _state(env))
        return super().image(tokens, idx, options, env)

    def myst_target(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        label = tokens[idx].content
        return f'<span class="label-target" id="{_escape(label)}"></span>\n'

    def myst_line_comment(self, *args: Any) -> str:
        return ""

    def myst_block_break(self, *args: Any) -> str:
        return '<hr class="block-break">\n'

    def myst_role(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        state = _state(env)
        role = token.meta.get("name", "")
        shown, target_text = split_explicit_title(token.content)
        if role == "term":
            return _term_link(state, shown, target_text)
        if role == "doc":
            return _doc_link(state, shown, target_text)
        if role == "ref":
            return _ref_link(state, shown, target_text)
        state.text.append(token.content)
        if role in ("abbr", "sub", "sup", "kbd"):
            tag = "abbr" if role == "abbr" else role
            return f"<{tag}>{_escape(token.content)}</{tag}>"
        state.problem("role", f"unknown role {{{role}}}")
        return f'<code class="unknown-role">{_escape(token.content)}</code>'

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        if token.map is not None:
            _state(env).line = token.map[0]
        directive = _DIRECTIVE.match(token.info.strip())
        if directive is None:
            return super().fence(tokens, idx, options, env)
        return _directive(self, token, directive.group(1), directive.group(2), options, env)

    colon_fence = fence


def _attach(token: Token, attribute: str, state: _State) -> bool:
    """Point a link or image written as `page.files/name` at the attachment's URL.
    Whether the file exists is for `check` to say: rendering never reads git."""
    found = names.resolve_attachment(str(token.attrGet(attribute) or ""), state.file)
    if found is None:
        return False
    token.attrSet(attribute, found.url)
    return True


def _term_link(state: _State, shown: str | None, wanted: str) -> str:
    target = state.resolver.term(wanted)
    label = shown or wanted
    state.text.append(label)
    if target is None:
        state.problem("term", f"unknown glossary term: {wanted}")
        return (
            f'<span class="xref term unknown" title="Not in the glossary yet">'
            f"{_escape(label)}</span>"
        )
    if target.name:
        state.terms[target.name] = None
        state.links[target.name] = None
    summary = target.summary or target.title
    return (
        f'<a class="xref term" href="{_escape(target.url)}" data-summary="{_escape(summary)}">'
        f"{_escape(label)}</a>"
    )


def _doc_link(state: _State, shown: str | None, wanted: str) -> str:
    target = state.resolver.doc(wanted, state.file)
    return _xref(state, "doc", target, shown, wanted, "link to a page that does not exist")


def _ref_link(state: _State, shown: str | None, wanted: str) -> str:
    target = state.resolver.ref(wanted)
    return _xref(state, "ref", target, shown, wanted, "unknown label")


def _xref(
    state: _State, role: str, target: Target | None, shown: str | None, wanted: str, missing: str
) -> str:
    """A {doc} or {ref} link; a missing target is marked and reported."""
    if target is None:
        state.problem(role, f"{missing}: {wanted}")
        state.text.append(shown or wanted)
        return f'<span class="xref {role} broken-link">{_escape(shown or wanted)}</span>'
    if target.name:
        state.links[target.name] = None
    label = shown or target.title
    state.text.append(label)
    return f'<a class="xref {role}" href="{_escape(target.url)}">{_escape(label)}</a>'


def _directive(
    renderer: _Renderer, token: Token, name: str, argument: str, options: OptionsDict, env: EnvType
) -> str:
    state = _state(env)
    if name in ADMONITIONS or name == "admonition":
        title = argument if name == "admonition" and argument else ADMONITIONS.get(name, "Note")
        content = token.content
        if argument and name != "admonition":
            content = argument + "\n" + content
        body = _render_nested(content, env, (token.map or [0])[0] + 1)
        kind = name if name != "admonition" else "note"
        return (
            f'<aside class="admonition {kind}" role="note">'
            f'<p class="admonition-title">{_escape(title)}</p>\n{body}</aside>\n'
        )
    if name == "toctree":
        return _toctree(state, token)
    state.problem("directive", f"unknown directive {{{name}}}")
    return (
        f'<pre class="unknown-directive" title="Unknown directive {{{_escape(name)}}}">'
        f"<code>{_escape(token.content)}</code></pre>\n"
    )


def _render_nested(content: str, env: EnvType, line_offset: int) -> str:
    """Render directive content as markdown, sharing ids, links and problems."""
    state = _state(env)
    saved_base, saved_line = state.line_base, state.line
    state.line_base = saved_base + line_offset
    # A fresh env (sharing only our state) keeps the footnote plugin from
    # repeating the page's footnote list inside every admonition.
    nested_env: dict[str, Any] = {"masterywiki": state}
    try:
        html: str = _MD.renderer.render(_MD.parse(content, nested_env), _MD.options, nested_env)
        return html
    finally:
        state.line_base, state.line = saved_base, saved_line


def _toctree(state: _State, token: Token) -> str:
    toctree = parse_toctree(token.content.split("\n"), 0)
    if toctree.hidden:
        return ""
    items: list[str] = []
    for entry in toctree.entries:
        target = state.resolver.doc(entry.target, state.file)
        if target is None:
            message = f"toctree entry names a missing page: {entry.target}"
            state.problem("toctree", message, offset=entry.line + 1)  # +1: the fence line
            items.append(f'<li><span class="broken-link">{_escape(entry.target)}</span></li>')
            continue
        if target.name:
            state.links[target.name] = None
        title = entry.title or target.title
        summary = (
            f'<span class="toctree-summary">{_escape(target.summary)}</span>'
            if target.summary
            else ""
        )
        items.append(f'<li><a href="{_escape(target.url)}">{_escape(title)}</a>{summary}</li>')
    caption = f'<p class="caption">{_escape(toctree.caption)}</p>' if toctree.caption else ""
    label = _escape(toctree.caption or "Contents")
    return f'<nav class="toctree" aria-label="{label}">{caption}<ul>{"".join(items)}</ul></nav>\n'


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": False}, renderer_cls=_Renderer)
    md.enable(["table", "strikethrough"])
    for plugin in (
        footnote_plugin,
        deflist_plugin,
        colon_fence_plugin,
        myst_role_plugin,
        myst_block_plugin,
        tasklists_plugin,
    ):
        md.use(plugin)
    # Plugins register their own render rules; ours (methods of _Renderer) win.
    for rule in (
        "myst_role",
        "myst_target",
        "myst_line_comment",
        "myst_block_break",
        "fence",
        "colon_fence",
    ):
        renderer: Any = md.renderer
        renderer.rules[rule] = getattr(renderer, rule)
    return md


_MD = _build_parser()


def render(
    body: str, resolver: Resolver, *, file: str = "index.md", body_line: int = 1
) -> Rendered:
    """Render a page body (front matter already removed) to sanitized HTML.

    `file` is the page's path in the repository, for relative references;
    `body_line` is the file line the body starts on, so problems point into the file.
    """
    state = _State(resolver=resolver, file=file, line_base=body_line)
    env: dict[str, Any] = {"masterywiki": state}
    tokens = _MD.parse(body, env)
    raw_html = _MD.renderer.render(tokens, _MD.options, env)
    return Rendered(
        html=sanitize(raw_html),
        headings=tuple(state.headings),
        links=tuple(state.links),
        terms=tuple(state.terms),
        text=" ".join(" ".join(state.text).split()),
        problems=tuple(state.problems),
    )
