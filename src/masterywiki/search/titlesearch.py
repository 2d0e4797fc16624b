"""Searching page titles and aliases alone, from the catalog. Pure: no whoosh, no I/O.

A large wiki's first search index takes minutes to build (100,000 pages), while its
pages are all read well before that. Meanwhile a search answers from the names every
page already has in the catalog (its title and aliases) rather than only "try again":
a reader looking for a glossary term or a framework page by name finds it. The results
say they are titles only (`SearchResults.indexing`), and are not recorded as searches.
"""

from __future__ import annotations

import html
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from masterywiki.content.catalog import Catalog
from masterywiki.content.pagerecord import PageRecord
from masterywiki.content.translations import lang_of
from masterywiki.git.parse import Change
from masterywiki.search.schema import breadcrumbs, place_of, plain_words, section_of
from masterywiki.search.synonyms import OPERATORS, QUERY_TOKEN
from masterywiki.search.values import Hit, SearchResults, Suggestion

# Scores: a name is the words asked for, a name begins with them, the names hold them all.
EXACT, LEADING, ALL_WORDS = 3.0, 2.0, 1.0


def _name_words(record: PageRecord) -> tuple[tuple[str, ...], ...]:
    """Each of the page's names (its title, then its aliases) as words without accents."""
    return tuple(plain_words(n) for n in (record.title, *record.info.front_matter.aliases))


def _spaced(record: PageRecord) -> str:
    """Every word of every name, each after a space: " data backpack ..." """
    return "".join(" " + word for name in _name_words(record) for word in name)


class TitleTable:
    """The names of every page of one catalog, in one string that `str.find` searches:
    at 100,000 pages, a word is found in milliseconds, not a Python loop's 300."""

    def __init__(self, pages: list[PageRecord], spaced: list[str]) -> None:
        self.pages = pages
        self.text = "".join(names + "\n" for names in spaced)
        self.starts = array("L", [0])  # where each page's names begin, then the end
        for names in spaced:
            self.starts.append(self.starts[-1] + len(names) + 1)

    def having(self, word: str) -> Iterator[tuple[PageRecord, str]]:
        """The pages with a word of a name beginning with `word` (and all their names'
        words, spaced), in catalog order."""
        needle, find, starts = " " + word, self.text.find, self.starts
        at = find(needle)
        while at >= 0:
            index = bisect_right(starts, at) - 1
            yield self.pages[index], self.text[starts[index] : starts[index + 1] - 1]
            at = find(needle, starts[index + 1])  # on from the next page's names


class TitleNames:
    """The words of every page's names, kept from one catalog to the next: at 100,000
    pages reading them all takes about a second, and a save changes one page."""

    def __init__(self) -> None:
        self._by_name: dict[str, tuple[str, str]] = {}  # name: (blob, spaced words)
        self._table: tuple[Catalog, TitleTable] | None = None

    def of(self, catalog: Catalog) -> TitleTable:
        kept = self._table
        if kept is not None and kept[0] is catalog:
            return kept[1]
        known, found = self._by_name, {}
        for record in catalog.records():
            entry = known.get(record.name)
            if entry is None or entry[0] != record.blob:
                entry = (record.blob, _spaced(record))
            found[record.name] = entry
        self._by_name = found
        pages = list(catalog.records())
        table = TitleTable(pages, [found[record.name][1] for record in pages])
        self._table = (catalog, table)
        return table

    def forget(self) -> None:
        """Let the names go (about 15 MB at 100,000 pages), once there is an index."""
        self._by_name, self._table = {}, None


Clause = tuple[tuple[str, ...], tuple[str, ...]]  # words wanted, words not wanted


def _clauses(text: str) -> list[Clause]:
    """The query as alternatives (split at OR), each with the words a page's names must
    hold and those they must not (after NOT); quotes and AND change nothing here."""
    clauses: list[Clause] = []
    wanted: list[str] = []
    unwanted: list[str] = []
    negated = False
    for token in [*QUERY_TOKEN.findall(text), "OR"]:
        if token == "OR":
            if wanted:
                clauses.append((tuple(wanted), tuple(unwanted)))
            wanted, unwanted, negated = [], [], False
        elif token in ("NOT", "ANDNOT"):
            negated = True
        elif token not in OPERATORS:
            (unwanted if negated else wanted).extend(plain_words(token))
            negated = False
    return clauses


def _score(clause: Clause, record: PageRecord, spaced: str) -> float:
    """How well a page's names match one alternative; 0 for no match. Every word wanted
    must begin a word of a name (the last one may be unfinished, as typed)."""
    wanted, unwanted = clause
    if not all(" " + word in spaced for word in wanted):
        return 0.0
    if any(" " + word in spaced for word in unwanted):
        return 0.0
    words = _name_words(record)
    if any(name == wanted for name in words):
        return EXACT
    if any(name[: len(wanted)] == wanted for name in words):
        return LEADING
    return ALL_WORDS


def _chosen(record: PageRecord, filters: Mapping[str, Sequence[str]]) -> bool:
    """Whether a page has one of the chosen values of every facet filtered on."""
    fm = record.info.front_matter
    values = {
        "type": (record.type,),
        "section": (section_of(record.name),),
        "tag": tuple(fm.tags),
        "resource_type": (fm.resource_type or "",),
        "organization_type": (fm.organization_type or "",),
    }
    return all(set(values.get(facet, ())) & set(chosen) for facet, chosen in filters.items())


def _ranked(
    table: TitleTable,
    text: str,
    filters: Mapping[str, Sequence[str]],
) -> list[tuple[float, PageRecord]]:
    best: dict[str, tuple[float, PageRecord]] = {}
    for clause in _clauses(text):
        # The pages holding the clause's longest word (the rarest) are the candidates.
        for record, spaced in table.having(max(clause[0], key=len)):
            score = _score(clause, record, spaced)
            if score > best.get(record.name, (0.0,))[0] and _chosen(record, filters):
                best[record.name] = (score, record)
    # The best match first, then the shorter title (the closer to what was typed).
    return sorted(best.values(), key=lambda item: (-item[0], len(item[1].title), item[1].name))


def title_results(
    table: TitleTable,
    catalog: Catalog,
    text: str,
    filters: Mapping[str, tuple[str, ...]],
    page: int,
    page_size: int,
    indexing: tuple[int, int],
    changes: Mapping[str, Change],
    language: str,
) -> SearchResults:
    """A page of the pages whose title or an alias holds every word of `text`, while the
    index is being built (`indexing`: pages indexed so far, and of how many; `changes`:
    each file's last change; `language`: the wiki's own)."""
    scored = _ranked(table, text, filters)
    shown = scored[(page - 1) * page_size : page * page_size]
    hits = tuple(
        Hit(
            name=record.name,
            title=record.title,
            url=record.url,
            type=record.type,
            snippet=html.escape(record.summary or ""),
            summary=record.summary or "",
            breadcrumbs=breadcrumbs(catalog, record.name),
            tags=tuple(record.info.front_matter.tags),
            resource_type=record.info.front_matter.resource_type or "",
            organization=record.info.front_matter.organization or "",
            updated=_date(changes.get(record.file)),
            score=score,
            lang=lang_of(record, language),
        )
        for score, record in shown
    )
    return SearchResults(text, filters, len(scored), page, page_size, hits=hits, indexing=indexing)


def _date(change: Change | None) -> datetime | None:
    """As the index keeps a page's date: without its time zone."""
    return change.date.replace(tzinfo=None) if change is not None else None


def title_suggestions(
    table: TitleTable, catalog: Catalog, text: str, limit: int
) -> list[Suggestion]:
    """Search as you type while the index is being built: titles and aliases whose words
    begin with what was typed."""
    return [
        Suggestion(record.title, record.url, record.type, place_of(catalog, record.name))
        for _, record in _ranked(table, text, {})[:limit]
    ]
