"""Translated pages: each a page of its own under a language folder
(`es/framework/grading-policy`), saying `lang: es` and
`translation_of: framework/grading-policy` in its front matter. Pure.

`Translations` indexes one catalog: which pages translate which, so a page can link
its other languages and `check` can say when a translation points nowhere, doubles
another, or was last updated before its source changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from masterywiki.content.catalog import PageRecord
from masterywiki.content.check import WARNING, Diagnostic
from masterywiki.content.kinds import source_named

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


def lang_of(record: PageRecord, default: str) -> str:
    """The page's `lang`, or the wiki's own language when it says none (or nonsense)."""
    value = record.info.front_matter.extra.get("lang")
    return value if isinstance(value, str) and LANGUAGE.fullmatch(value) else default


def source_of(record: PageRecord) -> str | None:
    """The page `translation_of` names (as written: `/a/b.md` is `a/b`), or None."""
    return source_named(record) or None


class Translations:
    """Which pages are versions of which, over one catalog's pages."""

    def __init__(self, records: Iterable[PageRecord], default: str) -> None:
        self.default = default
        self.pages = {record.name: record for record in records}
        self.by_source: dict[str, dict[str, list[str]]] = {}  # source -> lang -> pages
        for record in self.pages.values():
            source = source_of(record)
            if source is not None:
                lang = lang_of(record, default)
                self.by_source.setdefault(source, {}).setdefault(lang, []).append(record.name)

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
