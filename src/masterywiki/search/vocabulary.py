"""What a query is read with: the synonyms of each language (the glossary's names and
the `synonyms*.txt` files) and the term names, at one commit."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from masterywiki.content.model import decode
from masterywiki.content.translations import lang_of
from masterywiki.errors import WikiError
from masterywiki.repository.wiki import Snapshot, Wiki
from masterywiki.search import queries
from masterywiki.search.languages import base_language
from masterywiki.search.schema import normalize, plain_words
from masterywiki.search.synonyms import by_language, synonyms_language


def vocabulary_of(wiki: Wiki, snapshot: Snapshot, language: str) -> queries.Vocabulary:
    """The vocabulary of `snapshot`; `language` is the wiki's own."""
    files = {
        lang: blob
        for path, blob in snapshot.files.items()
        if "/" not in path and (lang := synonyms_language(path)) is not None
    }
    translations = wiki.translations()  # indexed once per catalog, shared
    groups: list[Sequence[str]] = []
    terms: queries.Terms = {}
    # Terms in the wiki's own language first: their names win a tie.
    glossary = snapshot.catalog.glossary()
    glossary.sort(key=lambda r: lang_of(r, language) != language)
    for record in glossary:
        group = (record.title, *record.info.front_matter.aliases)
        groups.append(group)
        for entry in group:
            terms.setdefault(normalize(entry), record.name)
            terms.setdefault(plain_words(entry), record.name)  # typed without accents
    texts = {}
    for lang, blob in files.items():
        with contextlib.suppress(WikiError):
            texts[lang] = decode(wiki.storage.read_blob(blob))
    synonyms = by_language(groups, texts, base_language(language))
    return queries.Vocabulary(language, synonyms, terms, translations.version_in)
