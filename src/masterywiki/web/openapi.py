"""The OpenAPI 3.1 description of the JSON API (served at /-/api/v1/openapi.json).

Kept as data beside the API so tests can validate real responses against it.
"""

from __future__ import annotations

from typing import Any

_STRING_OR_NULL = {"type": ["string", "null"]}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_LINK = {
    "type": "object",
    "required": ["path", "title", "url"],
    "properties": {
        "path": {"type": "string"},
        "title": {"type": "string"},
        "url": {"type": "string"},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}


def _objects(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """An array of objects with these properties."""
    return {
        "type": "array",
        "items": {"type": "object", "required": required, "properties": properties},
    }


SCHEMAS: dict[str, Any] = {
    "Link": _LINK,
    "UserList": {
        "type": "object",
        "required": ["users"],
        "properties": {
            "users": _objects(
                ["username", "name"], {"username": {"type": "string"}, "name": {"type": "string"}}
            )
        },
    },
    "Error": _ERROR,
    "Page": {
        "type": "object",
        "required": ["path", "url", "title", "type", "html", "headings", "tags"],
        "properties": {
            "path": {"type": "string", "description": "Page path, e.g. framework/grading-policy"},
            "url": {"type": "string"},
            "title": {"type": "string"},
            "summary": _STRING_OR_NULL,
            "type": {"enum": ["page", "term", "resource", "event", "path"]},
            "tags": _STRINGS,
            "aliases": _STRINGS,
            "resource_type": _STRING_OR_NULL,
            "organization": _STRING_OR_NULL,
            "organization_type": _STRING_OR_NULL,
            "source": _STRING_OR_NULL,
            "html": {"type": "string", "description": "Rendered, sanitized HTML body"},
            "headings": _objects(
                ["level", "id", "text"],
                {
                    "level": {"type": "integer"},
                    "id": {"type": "string"},
                    "text": {"type": "string"},
                },
            ),
            "links": _STRINGS,
            "protected": {"type": "boolean", "description": "Only admins may change it"},
            "attachments": _objects(
                ["name", "url", "type", "size"],
                {
                    "name": {"type": "string", "description": "e.g. grading-flow.png"},
                    "url": {"type": "string"},
                    "type": {"type": "string", "description": "Media type it is served as"},
                    "size": {"type": "integer", "description": "Bytes"},
                },
            ),
            "breadcrumbs": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
            "related": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
            "last_change": {
                "type": ["object", "null"],
                "properties": {
                    "commit": {"type": "string"},
                    "author": {"type": "string"},
                    "date": {"type": "string", "format": "date-time"},
                    "summary": {"type": "string"},
                },
            },
            "source_url": {"type": "string"},
        },
    },
    "Term": {
        "type": "object",
        "required": ["slug", "term", "path", "url", "aliases", "definition_html"],
        "properties": {
            "slug": {"type": "string"},
            "term": {"type": "string"},
            "path": {"type": "string"},
            "url": {"type": "string"},
            "summary": _STRING_OR_NULL,
            "aliases": _STRINGS,
            "definition_html": {"type": "string"},
            "resources": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
            "embed_url": {"type": "string"},
            "lang": {"type": "string", "description": "The language shown, e.g. es"},
            "translation_missing": {
                "type": "boolean",
                "description": "The language asked for (lang) has no version: the original",
            },
        },
    },
    "TermList": {
        "type": "object",
        "required": ["terms"],
        "properties": {
            "terms": _objects(
                ["slug", "term", "url"],
                {
                    "slug": {"type": "string"},
                    "term": {"type": "string"},
                    "url": {"type": "string"},
                    "summary": _STRING_OR_NULL,
                    "aliases": _STRINGS,
                    "lang": {"type": "string"},
                },
            )
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["query", "total", "page", "results", "facets"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "page_size": {"type": "integer"},
            "pages": {"type": "integer"},
            "suggestion": _STRING_OR_NULL,
            "results": _objects(
                ["path", "title", "url"],
                {
                    "path": {"type": "string"},
                    "title": {"type": "string"},
                    "url": {"type": "string"},
                    "type": {"type": "string"},
                    "lang": {"type": "string", "description": "The page's language"},
                },
            ),
            "facets": {"type": "object"},
            "indexing": {
                "description": "While the first index is being built: the results match"
                " page titles and aliases only; how many pages are indexed so far. Null"
                " once the index is whole.",
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["pages_indexed", "pages"],
                        "properties": {
                            "pages_indexed": {"type": "integer"},
                            "pages": {"type": "integer"},
                        },
                    },
                ],
            },
        },
    },
    "ReviewList": _objects(
        ["path", "title", "url", "owner", "reviewed", "review_by", "state", "reports"],
        {
            "path": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string"},
            "owner": _STRINGS,
            "reviewed": _STRING_OR_NULL,
            "review_by": _STRING_OR_NULL,
            "state": {"enum": ["overdue", "due", "ok", "unscheduled"]},
            "reports": {"type": "integer"},
        },
    ),
    "TitleList": {
        "type": "object",
        "required": ["pages"],
        "properties": {
            "pages": _objects(
                ["path", "title", "url"],
                {
                    "path": {"type": "string"},
                    "title": {"type": "string"},
                    "url": {"type": "string"},
                },
            )
        },
    },
    "Proposal": {
        "type": "object",
        "required": ["id", "path", "author", "summary", "state", "created", "base"],
        "properties": {
            "id": {"type": "integer"},
            "path": {"type": "string", "description": "the page now (it follows moves)"},
            "proposed_at": {"type": "string", "description": "the page when it was suggested"},
            "author": {"type": "string", "description": "the proposer's username"},
            "summary": {"type": "string"},
            "state": {"enum": ["open", "merged", "declined", "withdrawn"]},
            "created": {"type": "string", "format": "date-time"},
            "updated": {"type": "string", "format": "date-time"},
            "base": {"type": "string", "description": "the commit it started from"},
            "new_page": {"type": "boolean"},
            "closed_by": _STRING_OR_NULL,
            "merged_as": _STRING_OR_NULL,
            "url": {"type": "string"},
            "content": {"type": "string", "description": "the suggested text (one only)"},
            "note": _STRING_OR_NULL,
        },
    },
    "ProposalList": {
        "type": "object",
        "required": ["total", "page", "proposals"],
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "proposals": {"type": "array", "items": {"$ref": "#/components/schemas/Proposal"}},
        },
    },
    "Insights": {
        "type": "object",
        "required": ["top", "no_results", "not_opened"],
        "properties": {
            name: _objects(
                ["query", "count"], {"query": {"type": "string"}, "count": {"type": "integer"}}
            )
            for name in ("top", "no_results", "not_opened")
        }
        | {"days": {"type": "integer"}, "searches": {"type": "integer"}},
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "The reader's language, e.g. es: its versions of pages and terms first",
    "schema": {"type": "string"},
}


def _errors(*codes: int) -> dict[str, Any]:
    words = {301: "Moved: follow Location", 400: "Invalid path", 404: "Not found", 410: "Deleted"}
    return {
        str(c): {"description": words[c], **({} if c == 301 else _json("Error"))} for c in codes
    }


def _filter(name: str, text: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": text,
        "schema": {"type": "string"},
    }


def document(site_name: str) -> dict[str, Any]:
    """The OpenAPI document."""
    path_param = {
        "name": "path",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9/-]*$"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{site_name} API",
            "version": "1",
            "description": "Read pages, glossary terms, search results, page reviews and"
            " search insights as JSON.",
        },
        "paths": {
            "/-/api/v1/pages/{path}": {
                "get": {
                    "summary": "A page, rendered, with its front matter and navigation",
                    "parameters": [path_param],
                    "responses": {
                        "200": {"description": "The page", **_json("Page")},
                        **_errors(301, 400, 404, 410),
                    },
                }
            },
            "/-/api/v1/terms": {
                "get": {
                    "summary": "Every glossary term, each once, in the reader's language",
                    "parameters": [LANG],
                    "responses": {"200": {"description": "The terms", **_json("TermList")}},
                }
            },
            "/-/api/v1/terms/{slug}": {
                "get": {
                    "summary": "A glossary term by slug, title or alias",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        LANG,
                    ],
                    "responses": {
                        "200": {"description": "The term", **_json("Term")},
                        **_errors(404),
                    },
                }
            },
            "/-/api/v1/search": {
                "get": {
                    "summary": "Full-text search with synonyms and facets",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                        },
                        _filter("type", "page, term, resource or event"),
                        _filter("tag", "a tag"),
                        _filter("section", "first path segment, e.g. framework"),
                        _filter("resource_type", "e.g. rubric"),
                        _filter("organization_type", "e.g. district"),
                        LANG,
                        {
                            "name": "page",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1},
                        },
                    ],
                    "responses": {"200": {"description": "Results", **_json("SearchResults")}},
                }
            },
            "/-/api/v1/review": {
                "get": {
                    "summary": "Pages with their owners, review dates and open reports",
                    "parameters": [
                        _filter("owner", "a username, or - for pages with no owner"),
                        _filter("section", "first path segment, e.g. framework"),
                        _filter("state", "overdue, due, ok or unscheduled"),
                    ],
                    "responses": {
                        "200": {"description": "Most urgent first", **_json("ReviewList")},
                        **_errors(400),
                    },
                }
            },
            "/-/api/v1/insights": {
                "get": {
                    "summary": "Searches: the top ones, those that found nothing, those not opened",
                    "description": "Editors and admins only.",
                    "parameters": [
                        _filter("days", "the period, 1 to 3650 (default 30)"),
                        _filter("limit", "queries per list, 1 to 100"),
                    ],
                    "responses": {
                        "200": {"description": "Three lists", **_json("Insights")},
                        **_errors(400),
                    },
                }
            },
            "/-/api/v1/users": {
                "get": {
                    "summary": "Accounts whose username or name starts with q (at most 10)",
                    "description": "Logged-in users only: what the comment box offers after @.",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1, "maxLength": 41},
                        },
                    ],
                    "responses": {
                        "200": {"description": "Accounts, by username", **_json("UserList")},
                        **_errors(400),
                    },
                }
            },
            "/-/api/v1/titles": {
                "get": {
                    "summary": "Pages whose title or address holds q, titles starting with it"
                    " first (20 at most): the editor's page-link suggestions",
                    "parameters": [_filter("q", "part of a title or an address")],
                    "responses": {"200": {"description": "Pages", **_json("TitleList")}},
                }
            },
            "/-/api/v1/proposals": {
                "get": {
                    "summary": "Suggested edits, newest first, 50 a page",
                    "parameters": [
                        _filter("state", "open (default), merged, declined, withdrawn or all"),
                        _filter("page_path", "only suggestions to this page"),
                        _filter("author", "only suggestions by this username"),
                        _filter("page", "the page of results, from 1"),
                    ],
                    "responses": {
                        "200": {"description": "Suggestions", **_json("ProposalList")},
                        **_errors(400),
                    },
                }
            },
            "/-/api/v1/proposals/{id}": {
                "get": {
                    "summary": "One suggested edit, with its text",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        },
                    ],
                    "responses": {
                        "200": {"description": "The suggestion", **_json("Proposal")},
                        **_errors(404),
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
