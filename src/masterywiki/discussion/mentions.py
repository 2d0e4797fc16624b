"""`@username` in comment text: finding the names and marking them up. Pure.

A mention is `@` and a username (`a-z 0-9 . _ -`, as accounts have them) that does
not follow a letter, digit or one of `@ . / + -`, so an email address or a URL is
not one; a final `.` is the end of a sentence, not part of the name. Comments'
markdown calls these on its text only, so `@name` in code or in a link stays as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape

MENTION = re.compile(r"(?<![\w@./+-])@([A-Za-z0-9][A-Za-z0-9._-]{0,39})")
MAX_MENTIONS = 20  # names looked up and told per comment; the rest stay plain text


def _name(found: re.Match[str]) -> str:
    return found.group(1).rstrip(".").lower()


def names_in(text: str) -> list[str]:
    """The usernames mentioned in a run of plain text, in order, repeats included."""
    return [_name(found) for found in MENTION.finditer(text)]


def unique(names: Iterable[str]) -> tuple[str, ...]:
    """The first MAX_MENTIONS distinct names, in order."""
    return tuple(dict.fromkeys(names))[:MAX_MENTIONS]


def mark_up(text: str, people: Mapping[str, str]) -> str:
    """`text` as HTML, each mention of a known account (in `people`, username -> name to
    show) made a `<span class="mention">`; other `@words` stay as they are."""
    out: list[str] = []
    at = 0
    for found in MENTION.finditer(text):
        name = _name(found)
        if name not in people:
            continue
        end = found.start() + 1 + len(name)
        out.append(escape(text[at : found.start()], quote=False))
        title = people[name] if people[name] != name else f"@{name}"
        out.append(
            f'<span class="mention" title="{escape(title)}" data-username="{escape(name)}">'
            f"{escape(text[found.start() : end], quote=False)}</span>"
        )
        at = end
    out.append(escape(text[at:], quote=False))
    return "".join(out)
