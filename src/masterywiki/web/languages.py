"""The reader's language, in one place.

Until the interface negotiates a language (`?lang=`, a cookie, the account's setting,
Accept-Language), the reader's language is `?lang=` when the request gives one, else the
language of the page being read, else the wiki's own. Everything that shows pages, terms
or search results in the reader's language asks `reader_language()`, so pointing it at
the negotiated language changes them all at once.
"""

from __future__ import annotations

from flask import request

from masterywiki.content.translations import LANGUAGE


def requested_language() -> str | None:
    """`?lang=` when it is a language code (`es`, `pt-BR`); anything else is ignored, as
    a language nobody offers would be."""
    wanted = request.args.get("lang", "")
    return wanted if wanted and LANGUAGE.fullmatch(wanted) else None


def reader_language(page_lang: str | None = None) -> str | None:
    """The reader's language: `?lang=`, else `page_lang` (the page being read), else None
    (the wiki's own language)."""
    return requested_language() or page_lang
