"""Page shapes that once took rendering or the catalog's scan O(n²) time (or crashed it).

Each is a function of the wanted size in bytes; `WORST` names the slowest shape of each
family, which the tests always run, and `SHAPES` holds them all.
"""

from __future__ import annotations

from collections.abc import Callable


def rep(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def _lines(make: Callable[[int], str], size: int) -> str:
    out, total, i = [], 0, 0
    while total < size:
        out.append(make(i))
        total += len(out[-1])
        i += 1
    return "".join(out)


def _nested_admonitions(size: int) -> str:
    """Admonitions inside admonitions, each fence one backtick longer than the one inside."""
    depth = 1
    while 2 * depth * depth < size:
        depth += 1
    opening = ["`" * (3 + d) + "{note}\n" for d in reversed(range(depth))]
    return "".join(opening) + "x\n" + "".join("`" * (3 + d) + "\n" for d in range(depth))


def _backtick_runs(size: int) -> str:
    return _lines(lambda i: "e" + "`" * (i + 1), size)


SHAPES: dict[str, Callable[[int], str]] = {
    # headings: the same text, and texts that collide with the generated suffixes
    "headings same": lambda s: rep("## h\n", s),
    "headings colliding": lambda s: rep("## h\n## h-1\n## h\n", s),
    "headings, suffixes first": lambda s: (
        _lines(lambda i: f"## h-{i + 1}\n", s // 2) + rep("## h\n", s // 2)
    ),
    "setext headings": lambda s: rep("h\n-\n", s),
    "pinned ids": lambda s: rep("## x {#a}\n", s),
    "empty headings": lambda s: rep("##\n", s),
    "heading of '# '": lambda s: "## " + rep("# ", s) + "x\n",
    "heading of spaces": lambda s: "## a" + " " * s + "x\n",
    "heading of '<a'": lambda s: "## " + rep("<a", s) + "\n",
    # tables
    "table rows": lambda s: "|a|b|\n|-|-|\n" + rep("|x|y|\n", s),
    "table columns": lambda s: rep("|a", s // 4) + "|\n" + rep("|-", s // 4) + "|\n" + "|x|\n",
    "table of empty cells": lambda s: "|a" * 2000 + "|\n" + "|-" * 2000 + "|\n" + rep("x\n", s),
    "delimiter rows": lambda s: "a\n" + rep("|" + "-|" * 5000 + "\n", s),
    # nesting
    "blockquote '>>>'": lambda s: ">" * s + " x\n",
    "nested lists": lambda s: _lines(lambda i: "  " * i + "- a\n", s),
    "list '- - - -'": lambda s: rep("- ", s) + "a\n",
    "quoted '* * * a'": lambda s: "> " * 8 + rep("* ", s - 20) + "a\n",
    "nested admonitions": _nested_admonitions,
    # emphasis and links
    "emphasis '*a **b'": lambda s: rep("*a **b ", s),
    "emphasis '_a __b'": lambda s: rep("_a __b ", s),
    "emphasis closers": lambda s: rep("a* ", s),
    "emphasis 'a**b c*'": lambda s: rep("a**b c* ", s),
    "emphasis run": lambda s: "*" * (s // 2) + "a" + "*" * (s // 2),
    "strikethrough": lambda s: rep("~~a ~b ", s),
    "link openers '[a'": lambda s: rep("[a ", s),
    "nested brackets": lambda s: "[" * (s // 2) + "a" + "]" * (s // 2),
    "unclosed links": lambda s: rep("[a](b", s),
    "link, emphasis '[ a_'": lambda s: rep("[ a_", s),
    "image openers": lambda s: rep("![", s),
    "links": lambda s: _lines(lambda i: f"[a](http://x.org/{i}) ", s),
    "links to pages": lambda s: _lines(lambda i: f"[a](p{i}.md) ", s),
    "reference definitions": lambda s: (
        _lines(lambda i: f"[r{i}]: /u{i}\n", s // 2) + _lines(lambda i: f"[r{i}] ", s // 2)
    ),
    "backtick runs": _backtick_runs,
    "code spans": lambda s: rep("`a` ", s),
    # footnotes
    "footnotes": lambda s: (
        _lines(lambda i: f"a[^{i}] ", s // 2) + "\n\n" + _lines(lambda i: f"[^{i}]: n\n", s // 2)
    ),
    "references to one footnote": lambda s: "[^1]: n\n\n" + rep("a[^1] ", s),
    "inline footnotes": lambda s: rep("^[a] ", s),
    # MyST
    "terms": lambda s: rep("{term}`grade composition` ", s),
    "unknown roles": lambda s: rep("{foo}`x` ", s),
    "roles with spaces": lambda s: "{doc}`a" + " " * s + "<b>x`\n",
    "role openers '{a'": lambda s: rep("{a", s),
    "admonitions": lambda s: rep("```{note}\nx\n```\n", s),
    "colon admonitions": lambda s: rep(":::{tip}\nx\n:::\n", s),
    "toctree entries": lambda s: "```{toctree}\n" + _lines(lambda i: f"p{i}\n", s) + "```\n",
    "toctrees": lambda s: rep("```{toctree}\nframework\n```\n", s),
    "toctree entry of spaces": lambda s: "```{toctree}\na" + " " * s + "<b>x\n```\n",
    "line comments": lambda s: rep("% c\n", s),
    # math and diagrams (content/mathrules.py)
    "inline math": lambda s: rep("$x^2$ ", s),
    "math openers '$a\\$'": lambda s: rep("$a\\$ ", s),
    "display math openers '$$a'": lambda s: rep("$$a $ ", s),
    "display math blocks": lambda s: rep("$$\nx\n$$\n", s),
    "unclosed display math": lambda s: rep("$$ a\n# h\n", s),
    "unclosed display math in a list": lambda s: rep("- $$ a\n", s),
    "diagrams": lambda s: rep("```{mermaid}\nA-->B\n```\n", s),
    "targets": lambda s: rep("(a)=\n", s),
    # blocks in bulk
    "one-word paragraphs": lambda s: rep("a\n\n", s),
    "one paragraph of lines": lambda s: rep("a\n", s) + "-\n",
    "hard breaks": lambda s: rep("a  \n", s),
    "list items": lambda s: rep("- a\n", s),
    "task list": lambda s: rep("- [ ] x\n", s),
    "definition lists": lambda s: rep("a\n: b\n", s),
    "blank lines": lambda s: "\n" * s,
    "a line of '<'": lambda s: "<" * s,
    "a line of '#'": lambda s: "#" * s,
    "entities": lambda s: rep("&amp; ", s),
    "ampersands": lambda s: rep("R&D ", s),
    "code with ampersands": lambda s: "```\n" + rep("a && b\n", s) + "```\n",
    # raw HTML
    "unclosed <div>": lambda s: rep("<div>", s),
    "unclosed <div> blocks": lambda s: rep("<div>\n\n", s),
    "unclosed <b title=n>, then paragraphs": lambda s: (
        _lines(lambda i: f'<b title="{i}">', s // 2) + rep("<p>x", s // 2)
    ),
    "unclosed <b> across paragraphs": lambda s: rep('<b title="x">a\n\n', s),
    "<b><div></b>": lambda s: rep("<b><div></b>", s),
    "<div> closed in a table cell": lambda s: rep("<div>\n\n| a |\n|-|\n| </div> |\n\n", s),
    "<li><ul>": lambda s: rep("<li><ul>", s),
    "ampersands in an HTML block": lambda s: "<div>\n" + rep("& ", s),
    "unclosed quotes in an HTML block": lambda s: "<div>\n" + rep('<a b="', s),
    # for scale: a page as people write them
    "prose": lambda s: rep(
        "Students show *mastery* of each [learning target](framework.md) before moving on; "
        "teachers record `evidence` and give feedback.\n"
        "Reassessment is always allowed, and grades reflect the **most recent** evidence.\n\n",
        s,
    ),
}

# The slowest shape of each family, before and after: these run on every test run.
WORST = [
    "headings colliding",
    "heading of spaces",
    "table of empty cells",
    "nested admonitions",
    "emphasis '*a **b'",
    "link openers '[a'",
    "task list",
    "definition lists",
    "line comments",
    "inline math",
    "unclosed <b title=n>, then paragraphs",
    "ampersands",
    "prose",
]
