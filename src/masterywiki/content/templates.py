"""Page templates: pages under `_templates/` in the content repository that new pages
start from. Pure: the listing comes from the file names, the text from the template.

A template's front matter may say what it is for (`template: ...`), which the new
page leaves out; `{{title}}` becomes the new page's title (quoted for YAML in the front
matter when it has to be).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from masterywiki.errors import WikiError

FOLDER = "_templates"
PLACEHOLDER = "{{title}}"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_PLAIN_TITLE = re.compile(r"[\w][\w .,'()&/-]*")


class TemplateNotFound(WikiError):
    status = 404
    title = "Template not found"


@dataclass(frozen=True)
class Template:
    name: str  # `term` for `_templates/term.md`
    file: str
    description: str


def file_of(name: str) -> str | None:
    """The file of template `name`, or None when `name` cannot be one."""
    return f"{FOLDER}/{name}.md" if _NAME.fullmatch(name) else None


def listed(files: Iterable[str]) -> list[Template]:
    """The templates among `files` (paths of the repository), sorted by name; their
    descriptions are the caller's to read (`description_of`)."""
    found = []
    for path in files:
        folder, _, file_name = path.rpartition("/")
        if folder != FOLDER or not file_name.endswith(".md"):
            continue
        name = file_name[: -len(".md")]
        if _NAME.fullmatch(name):
            found.append(Template(name, path, ""))
    return sorted(found, key=lambda t: t.name)


def description_of(text: str) -> str:
    match = re.search(r"^template:[ \t]*(.+)$", _front_matter(text), re.M)
    return match.group(1).strip() if match else ""


def yaml_title(title: str) -> str:
    """`title` as a YAML value: quoted only when YAML would read it otherwise."""
    plain = _PLAIN_TITLE.fullmatch(title) and ": " not in title
    return title if plain else json.dumps(title, ensure_ascii=False)


def fill(text: str, title: str) -> str:
    """A new page's text from a template: its `template:` line left out and the
    title put in."""
    front = _front_matter(text)
    if front:
        kept = [
            line for line in front.splitlines(keepends=True) if not line.startswith("template:")
        ]
        rest = text[len("---\n") + len(front) :]  # the closing `---` and the body
        return (
            "---\n"
            + "".join(kept).replace(PLACEHOLDER, yaml_title(title))
            + rest.replace(PLACEHOLDER, title)
        )
    return text.replace(PLACEHOLDER, title)


def _front_matter(text: str) -> str:
    """The front matter's lines, after the opening `---` and before the closing one."""
    if not text.startswith("---\n"):
        return ""
    end = text.find("\n---\n", 3)
    return text[4 : end + 1] if end >= 0 else ""
