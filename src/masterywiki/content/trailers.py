"""Trailers the wiki writes into commit messages and reads back: `Minor-change: yes`.

Pure. A minor change (a typo fix the editor marked, a move, "Mark reviewed") does not
ask readers to read a page again. It is said in the commit message, so it travels
with git to every server and survives a restore from a clone.
"""

from __future__ import annotations

MINOR_TRAILER = "Minor-change"


def minor_message(summary: str, fallback: str) -> str:
    """A commit message marked as a minor change: the summary (or `fallback`), then
    the trailer in a paragraph of its own, where git looks for trailers."""
    return f"{summary.strip() or fallback}\n\n{MINOR_TRAILER}: yes"


def is_minor(trailer_value: str) -> bool:
    """Whether a `Minor-change` trailer's value says yes."""
    return trailer_value.strip().lower() in ("yes", "true")
