"""What rendering one page gathers as it goes, shared by markup and its directives."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Protocol

from masterywiki.content.model import Problem
from masterywiki.content.rawhtml import RawHtml
from masterywiki.content.renderbudget import Budget
from masterywiki.content.slugs import SlugRegistry


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
    line: int = 0  # the heading's 1-based line in the file (0: not known)


@dataclass
class RenderState:
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
    budget: Budget = field(default_factory=Budget)  # the page's (see renderbudget)
    raw: RawHtml = field(default_factory=RawHtml)  # the raw HTML elements left open
    depth: int = 0  # admonitions around the text being rendered

    def problem(self, kind: str, message: str, offset: int = 0) -> None:
        line = self.line_base + self.line + offset
        self.problems.append(Problem(line, message, kind=kind))


def state_of(env: Any) -> RenderState:
    state: RenderState = env["masterywiki"]
    return state


def escape(text: str) -> str:
    return html.escape(text, quote=True)
