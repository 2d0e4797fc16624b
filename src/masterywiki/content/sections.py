"""One section of a page: its heading and everything up to the next heading of the same
or a higher level. Pure: from the rendered headings (which know their lines, and know
a `#` in a code block is no heading) and the page's text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from masterywiki.content.renderstate import Heading


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    start: int  # 0-based index of the heading's line in the file
    end: int  # 0-based index of the first line after the section


def find_section(headings: Sequence[Heading], heading_id: str, line_count: int) -> Section | None:
    """The section headed by `heading_id` in a file of `line_count` lines, or None."""
    for index, heading in enumerate(headings):
        if heading.id != heading_id or heading.line <= 0:
            continue
        end = line_count
        for later in headings[index + 1 :]:
            if later.line > heading.line and later.level <= heading.level:
                end = later.line - 1
                break
        return Section(heading.id, heading.text, heading.line - 1, end)
    return None


def cut(text: str, section: Section) -> str:
    """The section's own lines."""
    return "".join(text.splitlines(keepends=True)[section.start : section.end])


def splice(text: str, section: Section, replacement: str) -> str:
    """`text` with the section's lines replaced by `replacement` (which keeps a blank
    line before the next section when the section had one)."""
    lines = text.splitlines(keepends=True)
    new = replacement if replacement.endswith("\n") or not replacement else replacement + "\n"
    after = lines[section.end :]
    if after and new and not new.endswith("\n\n") and cut(text, section).endswith("\n\n"):
        new += "\n"
    return "".join(lines[: section.start]) + new + "".join(after)
