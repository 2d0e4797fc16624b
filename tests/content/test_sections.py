"""One section of a page, found from its rendered headings: cut out and spliced back."""

from __future__ import annotations

from masterywiki.content.catalog import Catalog
from masterywiki.content.markup import render
from masterywiki.content.model import parse_document
from masterywiki.content.sections import Section, cut, find_section, splice

PAGE = """---
title: Sections
---

# Sections

Intro.

## First

One.

```md
## Not a heading: code
```

### Inside first

Deeper.

## Second {#pinned}

Two.
"""


def section(heading_id: str) -> Section | None:
    document = parse_document(PAGE)
    rendered = render(document.body, Catalog({}), body_line=document.body_line)
    return find_section(rendered.headings, heading_id, len(PAGE.splitlines()))


def test_a_section_runs_to_the_next_heading_of_its_level_or_higher() -> None:
    first = section("first")
    assert first is not None and first.title == "First"
    assert cut(PAGE, first) == (
        "## First\n\nOne.\n\n```md\n## Not a heading: code\n```\n\n### Inside first\n\nDeeper.\n\n"
    )
    inside = section("inside-first")
    assert inside is not None and cut(PAGE, inside) == "### Inside first\n\nDeeper.\n\n"
    last = section("pinned")
    assert last is not None and cut(PAGE, last) == "## Second {#pinned}\n\nTwo.\n"
    assert section("not-a-heading-code") is None
    assert section("nowhere") is None


def test_splicing_changes_the_section_alone() -> None:
    first = section("first")
    assert first is not None
    spliced = splice(PAGE, first, "## First, renamed\n\nOne, edited.")
    assert spliced == PAGE.replace(cut(PAGE, first), "## First, renamed\n\nOne, edited.\n\n")
    last = section("pinned")
    assert last is not None
    assert splice(PAGE, last, "## Second {#pinned}\n\nTwo, edited.\n").endswith(
        "Deeper.\n\n## Second {#pinned}\n\nTwo, edited.\n"
    )
    assert splice(PAGE, first, "") == PAGE.replace(cut(PAGE, first), "")
