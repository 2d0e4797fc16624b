"""Search values: results, hits, facets and suggestions, and the search error. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from masterywiki.errors import WikiError

PAGE_SIZE = 10
FACETS = ("type", "section", "tag", "resource_type", "organization_type")
FACET_LABELS = {
    "type": "Type",
    "section": "Section",
    "tag": "Tag",
    "resource_type": "Resource type",
    "organization_type": "Organization type",
}


class SearchUnavailable(WikiError):
    status = 503
    title = "Search is not ready"


@dataclass(frozen=True)
class Crumb:
    title: str
    url: str


@dataclass(frozen=True)
class Hit:
    name: str
    title: str
    url: str
    type: str
    snippet: str  # HTML: escaped text with <mark> around matches
    summary: str
    breadcrumbs: tuple[Crumb, ...]
    tags: tuple[str, ...]
    resource_type: str
    organization: str
    updated: datetime | None
    score: float
    lang: str = "en"  # the page's language


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class Definition:
    name: str
    title: str
    url: str
    summary: str
    aliases: tuple[str, ...]
    lang: str = "en"  # the term page's language


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str
    type: str
    context: str  # where the page sits: its parent's title, or its section


@dataclass(frozen=True)
class SearchResults:
    query: str
    filters: Mapping[str, tuple[str, ...]]
    total: int
    page: int
    page_size: int
    hits: tuple[Hit, ...] = ()
    facets: tuple[Facet, ...] = ()
    suggestion: str | None = None  # "did you mean"
    corrected: bool = False  # the hits are for `suggestion`: the query found nothing
    definition: Definition | None = None
    synonyms: tuple[str, ...] = ()  # other words that were searched for too
    # While the first index is being built, the hits match titles and aliases only
    # (see `titlesearch`): (pages indexed so far, of how many; 0, 0 when not known).
    indexing: tuple[int, int] | None = None

    @property
    def first(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.hits else 0

    @property
    def last(self) -> int:
        return self.first + len(self.hits) - 1 if self.hits else 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))
