"""The index's fields and analysis: which text of a page goes where, and how it is split.

The body is stored in whoosh (for snippets) but indexed by `tables`, not by whoosh: its
field stays in the schema only so that the query parser analyzes body words the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache, partial
from typing import Any

from whoosh import columns, fields, formats  # type: ignore[import-untyped]
from whoosh.analysis import (  # type: ignore[import-untyped]
    Analyzer,
    CharsetFilter,
    IDAnalyzer,
    KeywordAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
)
from whoosh.support.charset import accent_map  # type: ignore[import-untyped]
from whoosh.system import pack_uint  # type: ignore[import-untyped]

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.plaintext import plain_text
from masterywiki.content.translations import lang_of
from masterywiki.repository.wiki import Snapshot, Wiki
from masterywiki.search.languages import (
    ENGLISH,
    MARK,
    analysis,
    base_language,
    fold,
    marked,
    unmark,
)
from masterywiki.search.values import Crumb

# 2: the body in per-segment tables; 3: each page analysed in its language; 4: the date a
# page last changed stored, not indexed (whoosh made 8 terms of each date, for range
# queries no search makes: an eighth of a full build's time)
INDEX_FORMAT = 4
# Query-time field weights: a title or alias match outranks a body match.
FIELD_BOOSTS = {
    "title": 6.0,
    "aliases": 5.0,
    "headings": 2.0,
    "summary": 1.5,
    "tags": 1.5,
    "organization": 1.0,
    "body": 1.0,
}
_WORD = re.compile(r"\w+")
# What whoosh's field.index() gives for a value: (term, frequency, weight, posting value).
Items = list[tuple[bytes, int, float, bytes]]


class StemmingWords(Analyzer):  # type: ignore[misc]
    """Whoosh's StemmingAnalyzer (words, lowercase, stop words, stems) in one pass, in the
    analyzer's language (English: Porter stems) or in the language a value is marked with
    (`languages.marked`): one analyzer in the schema indexes every page in its language.

    The same tokens as the chain of four generators, about twice as fast, which is most
    of the time a full reindex spends in whoosh.
    """

    is_morph = True

    def __init__(self, lang: str = ENGLISH) -> None:
        self.pattern = r"[\w\*]+(\.?[\w\*]+)*"
        self.minsize = 2
        self.lang = lang
        self._setup()

    def _setup(self) -> None:
        self._finditer = re.compile(self.pattern).finditer
        self._findall = re.compile(_whole_matches(self.pattern)).findall
        self.language_analysis = analysis(self.lang)
        self._memos: dict[str, _WordMemo] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "minsize": self.minsize, "lang": self.lang}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"lang": ENGLISH, **state})
        self._setup()

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StemmingWords)
            and other.pattern == self.pattern
            and other.lang == self.lang
        )

    def __hash__(self) -> int:
        return hash((self.pattern, self.lang))

    def has_morph(self) -> bool:
        return True

    def words(self, value: str, lang: str | None = None) -> list[str]:
        """The stems of `value` in order, stop words left out: what the body index holds.
        In `lang` if given, else in the analyzer's language."""
        found_analysis = self.language_analysis if lang is None else analysis(lang)
        memo = self._memos.get(found_analysis.lang)
        if memo is None:
            memo = self._memos[found_analysis.lang] = _WordMemo(found_analysis, self.minsize)
        # One dict look-up per word as written: a corpus repeats a few words very often.
        return [stem for stem in map(memo.__getitem__, self._findall(value)) if stem is not None]

    def index_items(self, value: str, encode: Callable[[list[int]], bytes]) -> Items:
        """What a TEXT field's Positions format makes of `value` through this analyzer
        (`encode` being the format's), without a token object per word: the same terms,
        frequencies, weights and positions (the first kept word's own, then one apart)."""
        found_analysis = self.language_analysis
        if value[:1] == MARK:
            lang, value, _ = unmark(value)
            found_analysis = analysis(lang) if lang else found_analysis
        memo = self._memos.get(found_analysis.lang)
        if memo is None:
            memo = self._memos[found_analysis.lang] = _WordMemo(found_analysis, self.minsize)
        places: dict[str, list[int]] = {}
        pos = -1
        for index_, stem in enumerate(map(memo.__getitem__, self._findall(value))):
            if stem is None:
                continue
            pos = index_ if pos < 0 else pos + 1
            found = places.get(stem)
            if found is None:
                places[stem] = [pos]
            else:
                found.append(pos)
        return [(t.encode(), len(p), float(len(p)), encode(p)) for t, p in places.items()]

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Any]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        found_analysis = self.language_analysis
        if value[:1] == MARK:
            lang, value, offset = unmark(value)
            start_char += offset
            found_analysis = analysis(lang) if lang else found_analysis
        stems, stem, stops = found_analysis._stems, found_analysis.stem, found_analysis.stops
        prepare = found_analysis.prepare if found_analysis.folds else str.lower
        minsize = self.minsize
        matches: Iterable[Any] = self._finditer(value) if tokenize else [_Whole(value)]
        pos = -1
        for index_, match in enumerate(matches):
            word = prepare(match.group(0))
            stopped = len(word) < minsize or word in stops
            if stopped and removestops:
                continue
            token.stopped = stopped
            if keeporiginal:
                token.original = word
            if stopped:
                token.text = word
            else:
                text = stems.get(word)
                token.text = stem(word) if text is None else text
                # As whoosh's StopFilter: the first kept word keeps its position, the
                # next ones follow it; stopped words keep their own.
                pos = start_pos + index_ if pos < 0 else pos + 1
            token.boost = 1.0
            if positions:
                token.pos = start_pos + index_ if stopped else pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def _whole_matches(pattern: str) -> str:
    """A word pattern's whole matches, for `findall`: its group made non-capturing, and
    whoosh's `W+(\\.?W+)*` written `W+(?:\\.W+)*`, which matches the same (after a greedy
    `W+` the group can only go on with a dot) a fifth faster."""
    return pattern.replace("(", "(?:").replace("(?:\\.?", "(?:\\.")


class _WordMemo(dict[str, str | None]):
    """A word as written -> its stem in one language, or None for a stop word or a word
    too short; computed on first sight."""

    LIMIT = 500_000  # words kept: bounded, as a long-lived process meets many odd words

    def __init__(self, language_analysis: Any, minsize: int) -> None:
        super().__init__()
        self.stem, self.stops = language_analysis.stem, language_analysis.stops
        self.prepare = language_analysis.prepare if language_analysis.folds else str.lower
        self.minsize = minsize

    def __missing__(self, written: str) -> str | None:
        if len(self) >= self.LIMIT:
            self.clear()
        word = self.prepare(written)
        stem = None if len(word) < self.minsize or word in self.stops else self.stem(word)
        self[written] = stem
        return stem


class _Whole:
    """A stand-in for a regex match covering the whole value (`tokenize=False`)."""

    def __init__(self, value: str) -> None:
        self.value = value

    def group(self, _index: int) -> str:
        return self.value

    def start(self) -> int:
        return 0

    def end(self) -> int:
        return len(self.value)


class _PlainWords(dict[str, str | None]):
    """For the spelling and completion fields (Frequency format, no stems): a word as
    written -> its indexed form (lowercased, maybe without accents), None if stopped."""

    def __init__(self, folded: bool) -> None:
        super().__init__()
        self.folded = folded
        # RegexTokenizer's default words, as whole matches (its group made non-capturing).
        self._findall = re.compile(_whole_matches(RegexTokenizer().expression.pattern)).findall
        self._stops = StopFilter().stops
        self._freqs: dict[int, bytes] = {}

    def __missing__(self, written: str) -> str | None:
        if len(self) >= _WordMemo.LIMIT:
            self.clear()
        word = written.lower()
        if self.folded:
            word = word.translate(accent_map)
        self[written] = found = None if len(word) < 2 or word in self._stops else word
        return found

    def items_of(self, value: str) -> Items:
        counts: dict[str, int] = {}
        for word in map(self.__getitem__, self._findall(value)):
            if word is not None:
                counts[word] = counts.get(word, 0) + 1
        freqs = self._freqs
        return [
            (w.encode(), n, float(n), freqs.get(n) or freqs.setdefault(n, pack_uint(n)))
            for w, n in counts.items()
        ]


def fast_indexers(schema: Any) -> dict[str, Callable[[str], Items]]:
    """For the fields of `schema` set up as this module sets them up: a function giving
    what whoosh's `field.index(value)` gives (in another order), for a full build, which
    spent half its whoosh time in token objects. Fields not listed are left to whoosh."""
    found: dict[str, Callable[[str], Items]] = {}
    plain, folded, keywords = (
        _plain_analyzer(),
        _folded_analyzer(),
        KeywordAnalyzer(lowercase=True, commas=True),
    )
    for name, field in schema.items():
        format_ = field.format
        if format_ is None or field.vector or field.separate_spelling():
            continue
        if format_.field_boost != 1.0:
            continue
        analyzer, kind, form = field.analyzer, type(field), type(format_)
        if kind is fields.TEXT and form is formats.Positions:
            if isinstance(analyzer, StemmingWords):
                found[name] = partial(analyzer.index_items, encode=format_.encode)
        elif kind is fields.TEXT and form is formats.Frequency:
            if analyzer in (plain, folded):
                found[name] = _PlainWords(analyzer == folded).items_of
        elif kind is fields.ID and form is formats.Existence:
            if analyzer == IDAnalyzer():
                found[name] = _whole_value
        elif kind is fields.KEYWORD and form is formats.Frequency and analyzer == keywords:
            found[name] = _comma_keywords
    return found


def _whole_value(value: str) -> Items:
    """An ID field's value as its one term (Existence format)."""
    return [(value.encode(), 1, 1.0, b"")]


_COMMA_ITEMS = re.compile(r"[^,]+").findall  # whoosh's CommaSeparatedTokenizer


def _comma_keywords(value: str) -> Items:
    """A KEYWORD(commas=True, lowercase=True) value's terms: between commas, stripped
    (an empty one kept, as whoosh does), lowercased, counted (Frequency format)."""
    counts: dict[str, int] = {}
    for item in _COMMA_ITEMS(value):
        word = item.strip().lower()
        counts[word] = counts.get(word, 0) + 1
    return [(w.encode(), n, float(n), pack_uint(n)) for w, n in counts.items()]


def _plain_analyzer() -> Any:
    """Words as written (lowercased, no stemming): for spelling and prefix suggestions."""
    return RegexTokenizer() | LowercaseFilter() | StopFilter(minsize=2)


def _folded_analyzer() -> Any:
    """Words as written, without accents: for search-as-you-type, where readers leave
    accents out ('calificacion' offers 'Calificación')."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter(minsize=2)


def make_schema(lang: str = ENGLISH) -> Any:
    """The index's fields. The index is written with the English schema (each page's
    values marked with its language); a query is parsed with each language's schema."""
    stem = StemmingWords(lang)

    def text(stored: bool = False) -> Any:
        return fields.TEXT(analyzer=stem, stored=stored, multitoken_query="phrase")

    return fields.Schema(
        path=fields.ID(stored=True, unique=True),
        title=text(stored=True),
        aliases=text(),
        names=fields.KEYWORD(commas=True, lowercase=True),
        headings=text(),
        summary=text(stored=True),
        body=text(),  # never given a value: see the module's docstring
        text=fields.STORED(),  # the body's text
        organization=text(stored=True),
        tags=fields.KEYWORD(commas=True, lowercase=True, scorable=True),
        tag_list=fields.COLUMN(columns.VarBytesColumn()),
        type=fields.ID(stored=True, sortable=True),
        section=fields.ID(stored=True, sortable=True),
        resource_type=fields.ID(stored=True, sortable=True),
        organization_type=fields.ID(stored=True, sortable=True),
        updated=fields.STORED(),  # shown with a result, never searched
        lang=fields.ID(stored=True, sortable=True),
        spell=fields.TEXT(analyzer=_plain_analyzer(), phrase=False),
        complete=fields.TEXT(analyzer=_folded_analyzer(), phrase=False),
    )


@cache
def schema_for(lang: str) -> Any:
    """The schema a query is parsed with in `lang` (shared: schemas never change)."""
    return make_schema(base_language(lang))


def normalize(text: str) -> tuple[str, ...]:
    """The words of a name, for comparing names: 'Data-Backpack ' -> ('data', 'backpack')."""
    return tuple(_WORD.findall(text.casefold()))


def plain_words(text: str) -> tuple[str, ...]:
    """The words of a name without accents, for matching what readers type:
    'Evaluación' -> ('evaluacion',)."""
    return normalize(fold(text))


def section_of(name: str) -> str:
    """The first segment of a page's path ('framework' for framework/grading-policy)."""
    return "" if name == names.ROOT else name.split("/", 1)[0]


def breadcrumbs(catalog: Catalog, name: str) -> tuple[Crumb, ...]:
    """Where a result sits: its ancestors in the toctree, the root first."""
    return tuple(Crumb(r.title, r.url) for r in catalog.ancestors(name))


def place_of(catalog: Catalog, name: str) -> str:
    """Where a suggestion sits, in a word: its parent's title, or else its section."""
    parents = catalog.ancestors(name)
    return parents[-1].title if parents else section_of(name)


def document(
    record: PageRecord,
    text: str,
    headings: Sequence[str],
    snapshot: Snapshot,
    lang: str = ENGLISH,
) -> dict[str, Any]:
    """The index fields of one page (the body's text under "text"), its words to be
    analysed in `lang`, the page's language."""
    fm = record.info.front_matter
    change = snapshot.changes.get(record.file)
    summary = record.summary or ""
    tags = tuple(fm.tags)
    found = {
        "path": record.name,
        "title": marked(lang, record.title),
        "aliases": marked(lang, "\n".join(fm.aliases)),
        "names": ",".join(" ".join(plain_words(n)) for n in (record.title, *fm.aliases)),
        "headings": marked(lang, "\n".join(headings)),
        "summary": marked(lang, summary),
        "text": text,
        "organization": marked(lang, fm.organization or ""),
        "tags": ",".join(t.replace(",", " ") for t in tags),
        "tag_list": "\x1f".join(tags).encode(),
        "type": record.type,
        "section": section_of(record.name),
        # None, not "": a page without one then adds no empty term to the index.
        "resource_type": fm.resource_type or None,
        "organization_type": fm.organization_type or None,
        "updated": change.date.replace(tzinfo=None) if change else None,
        "lang": lang,
        "spell": " ".join([record.title, *fm.aliases, *headings, summary, *tags]),
        "complete": " ".join([record.title, *fm.aliases]),
    }
    if base_language(lang) != ENGLISH:  # marked values: stored as written
        found.update(_stored_title=record.title, _stored_summary=summary)
        found["_stored_organization"] = fm.organization or ""
    return found


def page_document(
    wiki: Wiki,
    snapshot: Snapshot,
    record: PageRecord,
    language: str = ENGLISH,
    source: str | None = None,
) -> dict[str, Any]:
    """The index fields of a page; `language` is the wiki's own (of pages saying none);
    `source` its text if read already (a full build reads pages from git in batches).

    The words come from a line scan, not a render: 1 ms a page against 10, which was
    most of what indexing 100,000 pages took."""
    if source is None:
        source = wiki.source(record)
    skip = record.info.body_line - 1  # the front matter's lines
    text, headings = plain_text(source.split("\n", skip)[-1] if skip else source)
    lang = base_language(lang_of(record, language))
    return document(record, text, headings, snapshot, lang)
