"""Blueprints, one per area; `services()` is how a view reaches the wiki."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, request

from masterywiki.errors import WikiError

if TYPE_CHECKING:
    from masterywiki.web.services import Services

# Far past the end of any listing; it keeps git's --skip and SQL offsets small.
MAX_PAGE = 100_000


class InvalidPageNumber(WikiError):
    status = 400
    title = "Invalid page number"


def services() -> Services:
    found: Services = current_app.extensions["masterywiki"]
    return found


def page_number() -> int:
    """The `?page=` of a paged listing (1 when missing or empty), for every paged view.

    Only ASCII digits count: `str.isdigit` also accepts '²' (which `int` refuses) and
    '٣' (which `int` reads as 3), and thousands of digits are more than `int` parses.
    Raises InvalidPageNumber for anything else, or a number outside 1..MAX_PAGE.
    """
    raw = request.args.get("page", "")
    if not raw:
        return 1
    digits = raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_PAGE))
    if not digits or not 1 <= int(raw) <= MAX_PAGE:
        raise InvalidPageNumber(
            f"The page number must be a whole number from 1 to {MAX_PAGE:,}"
            f" (got '{raw[:20]}{'…' if len(raw) > 20 else ''}')."
        )
    return int(raw)
