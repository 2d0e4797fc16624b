"""Answering one query on an open index: parsing, results, facets, did-you-mean, hints.

Query text supports words, "phrases", prefix*, AND/OR/NOT and field:value. Before
parsing, words and phrases that name a glossary term (its title or an alias) or a group
in the repository's `synonyms.txt` (`synonyms.es.txt` for Spanish) are expanded to all
their synonyms. In a wiki with pages in several languages, the query is read in each of
them, and the pages in the reader's language come first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from whoosh import qparser, query  # type: ignore[import-untyped]

from masterywiki.content import names
from masterywiki.content.catalog import Catalog
from masterywiki.content.translations import lang_of
from masterywiki.search.docs import LANG, Docs
from masterywiki.search.languages import base_language
from masterywiki.search.schema import (
    FIELD_BOOSTS,
    breadcrumbs,
    normalize,
    place_of,
    plain_words,
    schema_for,
)
from masterywiki.search.snippets import Marker
from masterywiki.search.synonyms import OPERATORS, QUERY_TOKEN, Synonyms
from masterywiki.search.values import (
    FACET_LABELS,
    FACETS,
    Definition,
    Facet,
    FacetValue,
    Hit,
    SearchResults,
    Suggestion,
)
from masterywiki.support.lru import LRU

NAME_BOOST = 30.0  # the query is exactly a page's title or alias
_PLAIN_QUERY = re.compile(r"^[\w\s'\u2019-]+$")
Terms = dict[tuple[str, ...], str]  # normalized term title or alias -> term page name
Reading = tuple[str, Any]  # a language, and the query as read in it
PARSED = 2048  # queries kept parsed, per catalog version


@dataclass(frozen=True)
class Vocabulary:
    """What a search knows of the wiki's words, per catalog version, and the queries it
    read with them (readers repeat searches: a query read in two languages is two parses)."""

    language: str  # the wiki's own
    synonyms: Mapping[str, Synonyms]  # per language; "" for a language with no file
    terms: Terms
    translation: Callable[[str, str], str | None]  # (page, language) -> its version in it
    parsed: LRU[tuple[Any, list[str], list[Reading]]] = field(
        default_factory=lambda: LRU(PARSED), compare=False
    )

    def synonyms_in(self, lang: str) -> Synonyms:
        return self.synonyms.get(lang) or self.synonyms[""]


def parse(schema: Any, text: str, synonyms: Synonyms) -> tuple[Any, list[str]]:
    """The whoosh query for a query string, and the synonyms it was expanded with."""
    parsed, used = _parse_words(schema, text, synonyms)
    return _with_names(parsed, text), used


def parse_in(
    languages: Sequence[str], text: str, vocabulary: Vocabulary
) -> tuple[Any, list[str], list[Reading]]:
    """The query read in each of `languages` (with its stems, stop words and synonyms),
    each reading matching the pages in its language: a page matches when the query
    matches it as read in the page's own language. Returns the whole query, the synonyms
    used, and each reading (to rank each language's pages by their own reading)."""
    key = (tuple(languages), text)
    found = vocabulary.parsed.get(key)
    if found is None:
        found = _parse_in(languages, text, vocabulary)
        vocabulary.parsed.put(key, found)
    return found


def _parse_in(
    languages: Sequence[str], text: str, vocabulary: Vocabulary
) -> tuple[Any, list[str], list[Reading]]:
    if len(languages) == 1:
        lang = languages[0]
        parsed, found = parse(schema_for(lang), text, vocabulary.synonyms_in(lang))
        return parsed, found, [(lang, parsed)]
    readings: list[Reading] = []
    used: list[str] = []
    for lang in languages:
        parsed, found = parse(schema_for(lang), text, vocabulary.synonyms_in(lang))
        readings.append((lang, parsed))
        used += [word for word in found if word not in used]
    whole = query.Or([query.And([query.Term(LANG, lang), q]) for lang, q in readings])
    return whole, used, readings


def _parse_words(schema: Any, text: str, synonyms: Synonyms) -> tuple[Any, list[str]]:
    """The query, its words read with `schema`'s analysis, and the synonyms used."""
    expanded, used = synonyms.expand(text)
    parser = qparser.MultifieldParser(list(FIELD_BOOSTS), schema, fieldboosts=FIELD_BOOSTS)
    parser.add_plugin(qparser.FuzzyTermPlugin())
    parser.replace_plugin(_searchable_fields(schema))
    try:
        parsed = parser.parse(expanded)
    except (IndexError, TypeError, ValueError):
        # whoosh's parser trips over some runs of operators ("a NOT NOT b"): read the
        # words as plain words rather than answer with an error.
        parser.remove_plugin_class(qparser.OperatorsPlugin)
        parser.remove_plugin_class(qparser.GroupPlugin)
        parsed = parser.parse(expanded)
    return _without_stop_words(parsed, schema), used


def _searchable_fields(schema: Any) -> Any:
    """`field:word` only for the fields that have terms: naming another (the stored
    text, the date) made whoosh raise, and the search fail. Such a name is read as words."""
    names = "|".join(sorted(name for name, field in schema.items() if field.format is not None))
    return qparser.FieldsPlugin(expr=rf"(?P<text>{names}):")


def _without_stop_words(parsed: Any, schema: Any) -> Any:
    """The query without the tag terms of stop words: analysed fields drop a stop word,
    but tags keep every word, so "las calificaciones" asked for a tag `las` as well."""
    found = schema["body"].analyzer.language_analysis

    def stop(q: Any) -> bool:
        tag = isinstance(q, query.Term) and q.fieldname == "tags"
        return tag and found.prepare(str(q.text)) in found.stops

    if not any(stop(leaf) for leaf in parsed.leaves()):
        return parsed  # no stop word: the query as it was parsed
    return parsed.accept(lambda q: query.NullQuery if stop(q) else q).normalize()


def _with_names(parsed: Any, text: str) -> Any:
    """Pages whose title or alias is exactly the query first."""
    words = plain_words(text)
    if words and _PLAIN_QUERY.match(text.strip('"')):
        exact = query.Term("names", " ".join(words), boost=NAME_BOOST)
        return query.AndMaybe(parsed, exact)
    return parsed


class Answer:
    """One search over one open index generation."""

    def __init__(
        self,
        searcher: Any,
        docs: Docs,
        catalog: Catalog,
        vocabulary: Vocabulary,
        reader: str | None = None,
    ) -> None:
        """`reader`: the reader's language, whose pages come first (default: the wiki's)."""
        self.searcher = searcher
        self.docs = docs
        self.catalog = catalog
        self.vocabulary = vocabulary
        self.terms = vocabulary.terms
        self.reader = base_language(reader or vocabulary.language)
        self.asked = reader is not None  # a definition is shown in a language asked for
        present = docs.languages() or [base_language(vocabulary.language)]
        # The reader's language first: its synonyms are listed first.
        self.languages = sorted(present, key=lambda lang: lang != self.reader)

    def results(
        self, text: str, chosen: dict[str, tuple[str, ...]], page: int, page_size: int
    ) -> SearchResults:
        suggestion = self._correction(text) if text else None
        definition = self._definition(text) or (
            self._definition(suggestion) if suggestion else None
        )
        found = self._run(text, chosen, page, page_size)
        corrected = False
        if not found[0] and suggestion:
            found = self._run(suggestion, chosen, page, page_size)
            corrected = bool(found[0])
        total, hits, facets, used = found
        return SearchResults(
            query=text,
            filters=chosen,
            total=total,
            page=page,
            page_size=page_size,
            hits=hits,
            facets=facets,
            suggestion=suggestion,
            corrected=corrected,
            definition=definition,
            synonyms=tuple(used),
        )

    def _run(
        self, text: str, chosen: dict[str, tuple[str, ...]], page: int, page_size: int
    ) -> tuple[int, tuple[Hit, ...], tuple[Facet, ...], list[str]]:
        docs = self.docs
        if text:
            parsed, used, readings = parse_in(self.languages, text, self.vocabulary)
            base = 0 if parsed is query.NullQuery else docs.matching(parsed)
        else:
            parsed, used, readings = query.Every(), [], [(self.reader, query.Every())]
            base = docs.live
        allowed = {f: docs.allowed(f, v) for f, v in chosen.items()}
        matched = base
        for bits in allowed.values():
            matched &= bits
        facets = self._facets(base, allowed, chosen)
        total = matched.bit_count()
        start = (page - 1) * page_size
        if start >= total:
            return total, (), facets, used
        ranked = self._rank(readings, matched, start + page_size)[start:]
        words = [t for f, t, _ in docs.leaves(parsed) if f in ("body", "summary", "title")]
        marker = Marker(words, self.languages)
        hits = tuple(self._hit(d, score, marker) for d, score in ranked)
        return total, hits, facets, used

    def _rank(self, readings: list[Reading], matched: int, wanted: int) -> list[tuple[int, float]]:
        """The best `wanted` of `matched`: each language's pages ranked by the query as
        read in their language, those in the reader's language first."""
        if len(readings) == 1:
            return self.docs.rank(readings[0][1], matched, wanted)
        found = []
        for lang, parsed in readings:
            pages = matched & self.docs.term(LANG, lang)
            if pages:
                first = lang == self.reader
                found += [(first, score, d) for d, score in self.docs.rank(parsed, pages, wanted)]
        found.sort(key=lambda item: (not item[0], -item[1], item[2]))
        return [(d, score) for _, score, d in found[:wanted]]

    def _facets(
        self, base: int, allowed: dict[str, int], chosen: dict[str, tuple[str, ...]]
    ) -> tuple[Facet, ...]:
        """Counts per facet value, each facet counted with the other facets' filters applied,
        so a count says how many results choosing that value (too) would give."""
        facets = []
        for facet in FACETS:
            scope = base
            for other, bits in allowed.items():
                if other != facet or facet == "tag":
                    scope &= bits
            counts = self.docs.counts(facet, scope)
            selected = chosen.get(facet, ())
            values = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
            shown = [FacetValue(v, n, v in selected) for v, n in values]
            shown += [FacetValue(v, 0, True) for v in selected if v not in counts]
            if shown:
                facets.append(Facet(facet, FACET_LABELS[facet], tuple(shown)))
        return tuple(facets)

    def _hit(self, docnum: int, score: float, marker: Marker) -> Hit:
        stored = self.searcher.stored_fields(docnum)
        name = str(stored["path"])
        summary = str(stored.get("summary") or "")
        body = str(stored.get("text") or "")
        title = str(stored.get("title") or name)
        if body.startswith(title):  # the page's own heading: the title is shown already
            body = body[len(title) :].lstrip()
        snippet = marker.snippet(body) or marker.snippet(summary) or marker.plain(summary or body)
        record = self.catalog.get(name)
        fm = record.info.front_matter if record else None
        return Hit(
            name=name,
            title=title,
            url=names.url_for_name(name),
            type=str(stored.get("type") or "page"),
            snippet=snippet,
            summary=summary,
            breadcrumbs=breadcrumbs(self.catalog, name),
            tags=tuple(fm.tags) if fm else (),
            resource_type=str(stored.get("resource_type") or ""),
            organization=str(stored.get("organization") or ""),
            updated=cast(datetime | None, stored.get("updated")),
            score=round(score, 4),
            lang=str(stored.get("lang") or self.vocabulary.language),
        )

    # -- did you mean, definitions --------------------------------------------------

    def _known(self, word: str) -> bool:
        if self.searcher.doc_frequency("spell", word):
            return True
        for lang in self.languages:
            stems = [t.text for t in schema_for(lang)["body"].analyzer(word)]
            # No stems: a stop word, never "misspelled".
            if not stems or all(self.docs.known("body", s) for s in stems):
                return True
        return False

    def _correction(self, text: str) -> str | None:
        """The query with unknown words replaced by the closest known ones, or None."""
        changed = False
        out: list[str] = []
        searcher = self.searcher
        reader = searcher.reader()
        for token in QUERY_TOKEN.findall(text):
            word = token.casefold()
            if token in OPERATORS or not re.fullmatch(r"[^\W\d_]{3,}", word) or self._known(word):
                out.append(token)
                continue
            best: tuple[int, int, str] | None = None
            for distance in (1, 2) if len(word) > 4 else (1,):
                for candidate in reader.terms_within("spell", word, distance, prefix=1):
                    rank = (distance, -searcher.doc_frequency("spell", candidate), candidate)
                    best = rank if best is None or rank < best else best
                if best is not None:
                    break
            if best is None:
                out.append(token)
            else:
                out.append(best[2])
                changed = True
        return " ".join(out) if changed else None

    def _definition(self, text: str) -> Definition | None:
        name = self.terms.get(normalize(text.strip('"'))) or self.terms.get(
            plain_words(text.strip('"'))
        )
        if name is not None and self.asked:  # in the reader's language, if it has it
            name = self.vocabulary.translation(name, self.reader) or name
        record = self.catalog.get(name) if name else None
        if record is None:
            return None
        return Definition(
            name=record.name,
            title=record.title,
            url=record.url,
            summary=record.summary or "",
            aliases=tuple(record.info.front_matter.aliases),
            lang=lang_of(record, self.vocabulary.language),
        )


def suggestions(searcher: Any, catalog: Catalog, words: list[str], limit: int) -> list[Suggestion]:
    """Pages whose title or alias starts with `words` (the last one possibly unfinished)."""
    parts = [query.Term("complete", w) for w in words[:-1]]
    parts.append(query.Prefix("complete", words[-1]))
    wanted = query.And(parts)
    exact = query.Term("names", " ".join(words), boost=NAME_BOOST)
    results = searcher.search(query.AndMaybe(wanted, exact), limit=limit)
    found = []
    for hit in results:
        name = str(hit["path"])
        place = place_of(catalog, name)
        found.append(
            Suggestion(str(hit["title"]), names.url_for_name(name), str(hit["type"]), place)
        )
    return found
