"""Full-text search: the only package that imports whoosh. No Flask here.

Modules, bottom to top: `values` (results and errors), `schema` (fields and analysis),
`synonyms`, `store` (state file and write lock), `tables` (per-segment tables beside
whoosh's files), `docs` (matching, ranking and facets as bitmaps), `snippets`,
`building` (full builds and updates), `queries` (one query on an open index) and
`service` (freshness, locking, recovery). Importing this package has no side effects.
"""

from masterywiki.search.schema import (
    INDEX_FORMAT,
    StemmingWords,
    document,
    make_schema,
    normalize,
    section_of,
)
from masterywiki.search.service import SearchService
from masterywiki.search.store import State
from masterywiki.search.store import WriteLock as _WriteLock
from masterywiki.search.synonyms import SYNONYMS_FILE, Synonyms, parse_synonyms
from masterywiki.search.values import (
    FACET_LABELS,
    FACETS,
    PAGE_SIZE,
    Crumb,
    Definition,
    Facet,
    FacetValue,
    Hit,
    SearchResults,
    SearchUnavailable,
    Suggestion,
)

__all__ = [
    "FACETS",
    "FACET_LABELS",
    "INDEX_FORMAT",
    "PAGE_SIZE",
    "SYNONYMS_FILE",
    "Crumb",
    "Definition",
    "Facet",
    "FacetValue",
    "Hit",
    "SearchResults",
    "SearchService",
    "SearchUnavailable",
    "State",
    "StemmingWords",
    "Suggestion",
    "Synonyms",
    "_WriteLock",
    "document",
    "make_schema",
    "normalize",
    "parse_synonyms",
    "section_of",
]
