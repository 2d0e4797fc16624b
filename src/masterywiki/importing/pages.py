"""The page side of an import: front matter, where old references point, index pages.

Pure helpers for plan.py: `with_front_matter` keeps a page's own front matter
and adds its title and old address; `Targets` answers the link rewriter (and takes
referenced images along as attachments); `IndexTexts` creates index pages and
appends toctrees to the ones that exist.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field

import yaml

from masterywiki.content import filetypes, names
from masterywiki.content.docinfo import classify, scan
from masterywiki.content.model import parse_document
from masterywiki.content.slugs import SlugRegistry, slugify, split_pinned_id
from masterywiki.errors import InvalidPagePath

Sources = Mapping[str, bytes]


@dataclass(frozen=True)
class Existing:
    """What the wiki holds: page name -> file, every file, redirected old names, the
    texts of the target section's page and its ancestors (see `section_chain`), and
    the old addresses of pages imported before."""

    pages: Mapping[str, str] = field(default_factory=dict)
    files: frozenset[str] = frozenset()
    redirects: frozenset[str] = frozenset()
    texts: Mapping[str, str] = field(default_factory=dict)
    legacy: frozenset[str] = frozenset()  # names.legacy_key of old addresses in use


# note(kind, path, message, severity)
Note = Callable[[str, str, str, str], None]
MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mdown", ".mkd")
HOME_STEMS = ("index", "readme", "home")  # a folder's own page, in order of preference
_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")
_LABEL = re.compile(r"^ {0,3}\(([^()\s]+)\)=\s*$")
_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SEGMENT = 60
SITE_CONFIG = frozenset({"mkdocs.yml", "mkdocs.yaml", "_config.yml", "book.toml"})
GOLLUM_PARTS = frozenset({"_sidebar", "_footer", "_header"})


def is_markdown(path: str) -> bool:
    return path.casefold().endswith(MARKDOWN_EXTENSIONS)


def segment(text: str, fallback: str = "page") -> str:
    """One page-name segment: 'Café Notes_2' -> 'cafe-notes-2' (letters transliterated)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _NOT_ALNUM.sub("-", text.lower().replace("'", "")).strip("-")
    return text[:MAX_SEGMENT].rstrip("-") or fallback


def natural(text: str) -> list[int | str]:
    """Sort key putting 'Week 2' before 'Week 10'."""
    key: list[int | str] = [
        int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", text)
    ]
    return [*key, text]  # ties (same but for case) in a fixed order


def strip_extension(path: str) -> str:
    return path.rpartition(".")[0] if is_markdown(path) else path


def file_stem(path: str) -> str:
    return posixpath.basename(strip_extension(path))


def skip_reason(path: str) -> str | None:
    parts = path.split("/")
    if any(p.startswith(".") for p in parts):
        return "hidden file or folder"
    if len(parts) == 1 and parts[0].casefold() in SITE_CONFIG:
        return "site configuration, not content"
    if is_markdown(path) and file_stem(path).casefold() in GOLLUM_PARTS:
        return "a Gollum sidebar, header or footer: the wiki builds its own navigation"
    return None


def home_stem_rank(stem: str) -> int | None:
    """0 for 'index', 1 for 'README', 2 for 'Home'; None for other pages."""
    folded = stem.casefold()
    return HOME_STEMS.index(folded) if folded in HOME_STEMS else None


def page_title(stem: str) -> str:
    """A title from a file name, capitals kept: 'Week-1' -> 'Week 1', 'faq' -> 'Faq'."""
    words = stem if " " in stem else stem.replace("-", " ").replace("_", " ")
    words = " ".join(words.split()) or stem
    return words[:1].upper() + words[1:] if words.islower() else words


def _dump(values: Mapping[str, object]) -> str:
    return yaml.safe_dump(dict(values), sort_keys=False, allow_unicode=True, width=10_000)


def _without_key(header: list[str], key: str) -> list[str]:
    """The front matter lines without `key` and its indented (or list) continuation."""
    kept: list[str] = []
    skipping = False
    for line in header:
        if _TOP_KEY.match(line):
            skipping = line.split(":", 1)[0].strip() == key
        if not skipping:
            kept.append(line)
    return kept


def _kept_block(raw: list[str], reason: str) -> str:
    fence = "~~~~" if any(line.lstrip().startswith("```") for line in raw) else "```"
    return (
        ":::{note}\nThis page's front matter could not be read when it was imported "
        f"({reason}); it is kept below as it was.\n:::\n\n"
        + f"{fence}yaml\n" + "\n".join(raw) + f"\n{fence}\n\n"
    )  # fmt: skip


def with_front_matter(
    text: str,
    fallback_title: str,
    old_name: str | None,
    rewrite: Callable[[str, int], str],
    note: Callable[[str, str, str], None],
    given_title: str | None = None,
) -> str:
    """The page text to write: its own front matter kept, `title` added when missing
    (`given_title`, else the first heading, else `fallback_title`), `old_name` added to
    `redirect_from`, and the body passed through `rewrite(body, first_line)`. Front
    matter that does not parse is kept in the body as a code block, so the page shows
    it and nothing is lost. `note(kind, message, severity)`."""
    document = parse_document(text)
    front_matter = document.front_matter
    lines = text.split("\n")
    closed = document.body_line > 1
    body = rewrite(document.body, document.body_line)
    header: list[str] = lines[1 : document.body_line - 2] if closed else []
    if front_matter.problems:
        problem = front_matter.problems[0]
        reason = f"line {problem.line}: {problem.message}"
        where = "kept in the page as a code block" if closed else "left at the top of the page"
        note("front-matter", f"front matter could not be read ({reason}); {where}", "warning")
        if closed:
            body = _kept_block(header, reason) + body
        header, front_matter = [], parse_document("").front_matter
    added: dict[str, object] = {}
    if front_matter.title is None:
        added["title"] = given_title or scan(text).heading_title or fallback_title
        header = _without_key(header, "title")  # an empty 'title:' line
    if old_name is not None and old_name not in front_matter.redirect_from:
        added["redirect_from"] = [*front_matter.redirect_from, old_name]
        header = _without_key(header, "redirect_from")
    if added:
        described = ", ".join(f"{key} {value!r}" for key, value in added.items())
        note("front-matter", f"added {described}", "info")
    elif not header:
        return body
    return (
        "---\n"
        + "".join(line + "\n" for line in header)
        + (_dump(added) if added else "")
        + "---\n"
        + body
    )


def _anchors(text: str) -> set[str]:
    """The heading ids and labels a page's links may point at (as the renderer makes them)."""
    document = parse_document(text)
    registry = SlugRegistry()
    found: set[str] = set()
    for _index, line, kind in classify(document.body.split("\n")):
        if kind != "text":
            continue
        if (heading := _ATX.match(line)) is not None:
            visible, pinned = split_pinned_id(heading.group(1))
            found.add(registry.claim(pinned or slugify(visible)))
        elif (label := _LABEL.match(line)) is not None:
            found.add(label.group(1))
    return found


def _key(path: str) -> str:
    return "/".join(segment(part, "") for part in path.split("/"))


class Targets:
    """Resolves references written in the source (see links.Targets): by exact
    path, then case-insensitively, then by normalised name; wiki links also from the
    source root and by a unique page name anywhere. Non-page files that pages link
    to become attachments of the first page that does."""

    def __init__(
        self,
        pages: Mapping[str, str],  # source page path -> new file
        folders: Mapping[str, str],  # source folder -> its index file
        texts: Mapping[str, str],  # source page path -> text
        others: Mapping[str, bytes],  # source path -> bytes of files that are not pages
        existing: Existing,
        note: Note,
    ) -> None:
        self.others, self.existing, self.note = others, existing, note
        self.source_of = {new: source for source, new in pages.items()}
        self.texts = texts
        self.files: dict[str, bytes] = {}  # attachments: repository path -> bytes
        self.attached: dict[str, str | None] = {}  # source path -> repository path, None if refused
        self._anchors: dict[str, set[str]] = {}
        self._tables: tuple[dict[str, list[str]], ...] = ({}, {}, {}, {}, {})
        for source, new in [*pages.items(), *folders.items()]:
            path = strip_extension(source)
            exact, fold, key, base_fold, base_key = self._tables
            exact.setdefault(path, []).append(new)
            for table, value in ((fold, path.casefold()), (key, _key(path))):
                table.setdefault(value, []).append(new)
            base = posixpath.basename(path)
            for table, value in ((base_fold, base.casefold()), (base_key, _key(base))):
                table.setdefault(value, []).append(new)
        self._other_fold: dict[str, list[str]] = {}
        for path in others:
            self._other_fold.setdefault(path.casefold(), []).append(path)

    def _find(self, path: str, tables: tuple[dict[str, list[str]], ...]) -> str | None:
        exact, fold, key = tables
        for table, value in ((exact, path), (fold, path.casefold()), (key, _key(path))):
            found = list(dict.fromkeys(table.get(value, ())))
            if len(found) == 1:
                return found[0]
        return None

    def _candidates(self, target: str, source: str, wiki: bool) -> list[str]:
        target = target.strip()
        if target.startswith("/"):
            bases = [target.lstrip("/")]
        else:
            bases = [posixpath.join(posixpath.dirname(source), target)] + [target] * wiki
        found = []
        for base in bases:
            path = posixpath.normpath(base) if base else ""
            if path != ".." and not path.startswith("../"):
                found.append("" if path == "." else path)
        return found

    def page(self, target: str, source: str, *, wiki: bool) -> str | None:
        if not target.strip():
            return None
        raw = target.strip()
        stem = strip_extension(raw.rstrip("/")) or ("/" if raw.startswith("/") else ".")
        for path in self._candidates(stem, source, wiki):
            if path in self.others:
                return None
            if (found := self._find(path, self._tables[:3])) is not None:
                return found
        if wiki and "/" not in stem:
            return self._find(stem, (self._tables[3], self._tables[3], self._tables[4]))
        return None

    def _other(self, target: str, source: str) -> str | None:
        for path in self._candidates(target, source, wiki=True):
            if path in self.others:
                return path
            found = self._other_fold.get(path.casefold(), [])
            if len(found) == 1:
                return found[0]
        return None

    def attachment(self, target: str, source: str, page_file: str) -> str | None:
        path = self._other(target, source)
        if path is None:
            return None
        if path not in self.attached:
            self.attached[path] = self._attach(path, page_file)
        return self.attached[path]

    def _attach(self, path: str, page_file: str) -> str | None:
        data = self.others[path]
        try:
            name = names.attachment_name_for(posixpath.basename(path))
            filetypes.check_upload(name, data)
        except (InvalidPagePath, filetypes.UnsupportedFile) as error:
            self.note("skipped", path, f"cannot be attached: {error.message}", "warning")
            return None
        folder = names.attachments_folder(page_file)
        stem, _, extension = name.rpartition(".")
        new, n = f"{folder}/{name}", 1
        while new in self.files or new in self.existing.files:
            n += 1
            new = f"{folder}/{stem}-{n}.{extension}"
        self.files[new] = data
        self.note("attachment", path, f"attached to {page_file} as {new}", "info")
        return new

    def has_anchor(self, file: str, anchor: str) -> bool:
        source = self.source_of.get(file)
        if source is None:
            return False
        if source not in self._anchors:
            self._anchors[source] = _anchors(self.texts[source])
        return anchor in self._anchors[source]


def toctree(entries: list[str]) -> str:
    return "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(entries) + "\n```\n"


class IndexTexts:
    """Index pages for imported folders: created, or extended with a toctree of the
    children they do not list yet (planned home pages and the wiki's own pages)."""

    def __init__(self, existing: Existing, files: MutableMapping[str, bytes]) -> None:
        self.existing, self.files = existing, files

    def extend(self, folder: str, children: list[str], title: str) -> list[tuple[str, str, str]]:
        """Make the index page of `folder` list `children` (files); returns report notes."""
        own = posixpath.join(folder, "index" + names.PAGE_SUFFIX) if folder else "index.md"
        name = folder or names.ROOT
        if own in self.files:
            file, text = own, self.files[own].decode()
        elif name in self.existing.pages:
            file, found = self.existing.pages[name], self.existing.texts.get(name)
            if found is None:
                return [("toctree", file, "cannot be extended: its text was not read")]
            text = found
        else:
            entries = [_entry(child, own) for child in children]
            heading = title.replace("\n", " ")
            self.files[own] = (
                f"---\n{_dump({'title': heading})}---\n\n# {heading}\n\n{toctree(entries)}"
            ).encode()
            return [("index", own, f"created, listing {', '.join(entries) or 'nothing'}")]
        listed = {
            names.resolve_reference(entry.target, file)
            for tree in scan(text).toctrees
            for entry in tree.entries
        }
        missing = [c for c in children if names.name_for_file(c) not in listed and c != file]
        if not missing:
            return []
        entries = [_entry(child, file) for child in missing]
        self.files[file] = (text.rstrip("\n") + "\n\n" + toctree(entries)).encode()
        return [("toctree", file, f"toctree added, listing {', '.join(entries)}")]


def _entry(child: str, index_file: str) -> str:
    folder = posixpath.dirname(index_file) or "."
    return posixpath.relpath(child, folder).removesuffix(names.PAGE_SUFFIX)
