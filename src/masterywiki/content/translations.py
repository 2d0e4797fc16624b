"""Translated pages: each a page of its own under a language folder
(`es/framework/grading-policy`), saying `lang: es` and
`translation_of: framework/grading-policy` in its front matter. Pure.

`Translations` indexes one catalog: which pages translate which, so a page can link
its other languages and `check` can say when a translation points nowhere, doubles
another, or was last updated before its source changed. `InLanguage` shows what a
reader sees in their language: sidebar entries and breadcrumbs that have a version in it
(each a dictionary look-up: the cost of the entries shown), and glossary terms on a page
resolved to their translation into the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.check import WARNING, Diagnostic
from masterywiki.content.kinds import source_named
from masterywiki.content.model import FrontMatter
from masterywiki.content.renderstate import Target
from masterywiki.content.sidebar import NavNode

LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-zA-Z0-9]{2,8})?")
# Each language's name in itself: how a reader finds theirs in a list.
NAMES = {
    "ar": "العربية",
    "de": "Deutsch",
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ht": "Kreyòl ayisyen",
    "ko": "한국어",
    "pt": "Português",
    "ru": "Русский",
    "so": "Soomaali",
    "vi": "Tiếng Việt",
    "zh": "中文",
}


def language_name(code: str) -> str:
    return NAMES.get(code, NAMES.get(code.split("-")[0], code))


@dataclass(frozen=True)
class Version:
    """One language's version of a page."""

    name: str  # the page
    lang: str
    title: str
    url: str

    @property
    def language(self) -> str:
        return language_name(self.lang)


def same_language(page_lang: str, wanted: str) -> bool:
    """Whether a page in `page_lang` is in the language `wanted` ('es' serves 'es-MX')."""
    return page_lang == wanted or page_lang == wanted.split("-")[0]


def lang_of(record: PageRecord, default: str) -> str:
    """The page's `lang`, or the wiki's own language when it says none (or nonsense)."""
    return lang_in(record.info.front_matter, default)


def lang_in(front_matter: FrontMatter, default: str) -> str:
    """The `lang` front matter says, or `default` when it says none (or nonsense)."""
    value = front_matter.extra.get("lang")
    return value if isinstance(value, str) and LANGUAGE.fullmatch(value) else default


def source_of(record: PageRecord) -> str | None:
    """The page `translation_of` names (as written: `/a/b.md` is `a/b`), or None."""
    return source_named(record) or None


class Translations:
    """Which pages are versions of which, over one catalog's pages."""

    def __init__(self, records: Iterable[PageRecord], default: str) -> None:
        self.default = default
        self.version = ""  # the catalog version it indexes, for whoever caches it
        self.pages = {record.name: record for record in records}
        self.by_source: dict[str, dict[str, list[str]]] = {}  # source -> lang -> pages
        self.sources: dict[str, str] = {}  # translation -> the page it translates
        self._langs: dict[str, str] = {}  # page -> its language, as they are asked for
        for record in self.pages.values():
            source = source_of(record)
            if source is not None:
                lang = self._langs[record.name] = lang_of(record, default)
                self.by_source.setdefault(source, {}).setdefault(lang, []).append(record.name)
                self.sources[record.name] = source

    def lang(self, name: str) -> str:
        """The language of page `name` (which must exist)."""
        found = self._langs.get(name)
        if found is None:
            found = self._langs[name] = lang_of(self.pages[name], self.default)
        return found

    def _version(self, name: str) -> Version:
        record = self.pages[name]
        return Version(name, lang_of(record, self.default), record.title, record.url)

    def versions(self, name: str) -> list[Version]:
        """Every language's version of page `name`, itself included, the source first;
        empty when the page has no translation and is none."""
        record = self.pages.get(name)
        if record is None:
            return []
        source = source_of(record) or name
        if source not in self.by_source or source not in self.pages:
            return []
        found = [self._version(source)]
        for lang in sorted(self.by_source[source]):
            found += [self._version(page) for page in sorted(self.by_source[source][lang])]
        return found

    def source(self, record: PageRecord) -> str | None:
        """The page `record` translates, when the wiki has it."""
        source = source_of(record)
        return source if source is not None and source in self.pages else None

    def version_in(self, name: str, lang: str) -> str | None:
        """The page that is page `name` in `lang` (`name` itself when it is in `lang`; a
        translation into `es` serves a reader of `es-MX` too), or None."""
        if name not in self.pages:
            return None
        if same_language(self.lang(name), lang):
            return name
        source = self.sources.get(name, name)
        if source in self.pages and same_language(self.lang(source), lang):
            return source
        languages = self.by_source.get(source, {})
        found = languages.get(lang) or next(
            (pages for code, pages in sorted(languages.items()) if same_language(code, lang)), None
        )
        return min(found) if found else None

    def other_version(self, name: str, lang: str) -> str | None:
        """The page other than `name` that is page `name` in `lang`, or None (when `name`
        is in `lang` itself, or has no version in it): one dictionary look-up for a page
        that neither has nor is a translation, which most pages are."""
        if name not in self.sources and name not in self.by_source:
            return None
        found = self.version_in(name, lang)
        return found if found != name else None

    def findings(self, changes: Mapping[str, tuple[str, datetime]]) -> list[Diagnostic]:
        """What `check` says: a `translation_of` that names no page, two translations of
        one page into one language, and a translation last changed before its source.
        `changes` maps a page's file to its last change (commit, date)."""
        found = []
        for source, languages in sorted(self.by_source.items()):
            target = self.pages.get(source)
            for lang, pages in sorted(languages.items()):
                for page in pages:
                    record = self.pages[page]
                    line = 2 if record.info.body_line > 1 else 1
                    if target is None:
                        message = f"translation_of names no page: '{source}'"
                        found.append(Diagnostic(record.file, line, WARNING, "translation", message))
                        continue
                    if len(pages) > 1:
                        others = ", ".join(p for p in pages if p != page)
                        message = f"another {lang} translation of '{source}' exists: {others}"
                        found.append(Diagnostic(record.file, line, WARNING, "translation", message))
                    mine, theirs = changes.get(record.file), changes.get(target.file)
                    if mine is not None and theirs is not None and theirs[1] > mine[1]:
                        message = (
                            f"translation may be out of date: '{source}' changed after it"
                            f" ({mine[0][:10]}..{theirs[0][:10]})"
                        )
                        found.append(Diagnostic(record.file, line, WARNING, "translation", message))
        return found


class InLanguage:
    """What a reader of `lang` sees: pages that have a version in `lang` shown by it.

    A `markup.Resolver` too: a glossary term named on a page in `lang` (by its title or
    alias in any language) links the term's version in `lang` when there is one.
    """

    def __init__(self, catalog: Catalog, translations: Translations, lang: str) -> None:
        self.catalog = catalog
        self.translations = translations
        self.lang = lang

    def record(self, record: PageRecord) -> PageRecord:
        """The page's version in the reader's language, or the page itself."""
        name = self.translations.other_version(record.name, self.lang)
        found = self.catalog.get(name) if name is not None else None
        return found or record

    def is_original(self, record: PageRecord) -> bool:
        """Whether the page is no translation of another page of the wiki."""
        return self.translations.source(record) is None

    def glossary(self) -> list[PageRecord]:
        """Each glossary term once (not its translations), by its version in the reader's
        language where it has one, A-Z."""
        terms = [self.record(r) for r in self.catalog.glossary() if self.is_original(r)]
        return sorted(terms, key=lambda r: r.title.casefold())

    def breadcrumbs(self, records: Sequence[PageRecord]) -> list[PageRecord]:
        return [self.record(r) for r in records]

    def sidebar(self, nodes: Sequence[NavNode]) -> tuple[NavNode, ...]:
        """The entries (and the opened entries' children) with their version's title and
        URL where one exists; the others as they are."""
        out = []
        for node in nodes:
            children = self.sidebar(node.children) if node.children else ()
            name = self.translations.other_version(node.name, self.lang)
            found = self.catalog.get(name) if name is not None else None
            if found is not None:
                node = replace(node, title=found.title, url=found.url, children=children)
            elif children:
                node = replace(node, children=children)
            out.append(node)
        return tuple(out)

    # -- markup.Resolver ---------------------------------------------------------------

    def term(self, text: str) -> Target | None:
        target = self.catalog.term(text)
        if target is None or not target.name:
            return target
        name = self.translations.other_version(target.name, self.lang)
        record = self.catalog.get(name) if name is not None else None
        if record is None:
            return target
        return Target(url=record.url, title=record.title, summary=record.summary, name=record.name)

    def doc(self, target: str, from_file: str) -> Target | None:
        return self.catalog.doc(target, from_file)

    def ref(self, label: str) -> Target | None:
        return self.catalog.ref(label)
