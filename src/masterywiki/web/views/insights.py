"""Search insights for editors: top searches, searches that found nothing or that no
reader followed, each a link to write the missing page or term."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from masterywiki.content import names
from masterywiki.content.catalog import Catalog
from masterywiki.content.slugs import slugify
from masterywiki.errors import WikiError
from masterywiki.search.records import Insights, QueryCount, TermFinder
from masterywiki.web.languages import N_
from masterywiki.web.views import services
from masterywiki.web.views.auth import require_role
from masterywiki.web.views.search import search_records, search_service

bp = Blueprint("insights", __name__)
TERMS_EXTENSION = "masterywiki.insights_terms"
DAY_CHOICES = (7, 30, 90, 365)
DEFAULT_DAYS, MAX_DAYS = 30, 3650
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
GLOSSARY_FOLDER = "glossary"  # where new terms go when the wiki has none yet
MAX_SLUG = 80


class InvalidInsightsQuery(WikiError):
    status = 400
    title = "Invalid period or limit"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _whole_number(name: str, default: int, high: int) -> int:
    """`?name=` as a whole number from 1 to `high` (`default` when missing or empty).
    Raises InvalidInsightsQuery for anything else: no silent clamping."""
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))) or not (
        1 <= int(raw) <= high
    ):
        shown = raw[:20] + ("…" if len(raw) > 20 else "")
        raise InvalidInsightsQuery(
            f"'{name}' must be a whole number from 1 to {high:,} (got '{shown}')."
        )
    return int(raw)


def _term_finder() -> TermFinder:
    found = current_app.extensions.get(TERMS_EXTENSION)
    if found is None:  # one per app: its cache outlives requests
        found = current_app.extensions[TERMS_EXTENSION] = TermFinder(search_service())
    assert isinstance(found, TermFinder)
    return found


def _insights() -> Insights:
    days = _whole_number("days", DEFAULT_DAYS, MAX_DAYS)
    limit = _whole_number("limit", DEFAULT_LIMIT, MAX_LIMIT)
    return search_records().insights(days, limit, _term_finder())


def period_choices(keep_days: int) -> list[int]:
    """The periods offered: the usual ones shorter than the records are kept, then the
    whole time they are kept."""
    return [d for d in DAY_CHOICES if d < keep_days] + [keep_days]


@dataclass(frozen=True)
class Offer:
    """A link to write what a query lacks, or to the page already at that address."""

    label: str
    url: str
    exists: bool = False


class Offers:
    """'Create a page' and 'Create a glossary term' links that open /-/new prefilled."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        folders = Counter(r.name.rpartition("/")[0] for r in catalog.glossary())
        self.glossary = folders.most_common(1)[0][0] if folders else GLOSSARY_FOLDER

    def __call__(self, row: QueryCount) -> list[Offer]:
        slug = slugify(row.query)[:MAX_SLUG].rstrip("-")
        if slug == "section" and "section" not in row.normalized.split():
            slug = ""  # slugify's stand-in for a text without Latin letters or digits
        title = row.query[:1].upper() + row.query[1:]
        term_path = f"{self.glossary}/{slug}" if self.glossary and slug else slug
        return [
            self._offer(N_("Create a page"), slug, {"title": title}),
            self._offer(
                N_("Create a glossary term"), term_path, {"title": title, "template": "term"}
            ),
        ]

    def _offer(self, label: str, path: str, prefill: dict[str, str]) -> Offer:
        if not path or not names.is_valid(path):  # no address to suggest: the form asks
            return Offer(label, "/-/new?" + urlencode(prefill))
        existing = self.catalog.get(path)
        if existing is not None:  # written already: look at it rather than overwrite it
            label = N_("Open the term") if existing.type == "term" else N_("Open the page")
            return Offer(label, existing.url, exists=True)
        return Offer(label, "/-/new?" + urlencode({"path": path, **prefill}, safe="/"))


@bp.get("/-/insights")
@require_role("editor")
def insights_page() -> str:
    keep_days = services().settings.search_record_days
    return render_template(
        "insights.html",
        insights=_insights(),
        choices=period_choices(keep_days),
        keep_days=keep_days,
        offers=Offers(services().wiki.snapshot.catalog),
        search_url=lambda q: "/-/search?" + urlencode({"q": q}),
    )


@bp.get("/-/api/v1/insights")
@require_role("editor")
def insights_json() -> Response:
    return jsonify(as_json(_insights()))


def _item(row: QueryCount) -> dict[str, Any]:
    return asdict(row)


def as_json(found: Insights) -> dict[str, Any]:
    return {
        "days": found.days,
        "since": datetime.fromtimestamp(found.since, UTC).isoformat(),
        "searches": found.searches,
        "top": [_item(r) for r in found.top],
        "no_results": [_item(r) for r in found.no_results],
        "not_opened": [_item(r) for r in found.not_opened],
        "found_under": [
            {
                "term": under.term.title,
                "path": under.term.name,
                "url": under.term.url,
                "count": under.count,
                "queries": [_item(r) for r in under.queries],
            }
            for under in found.found_under
        ],
    }
