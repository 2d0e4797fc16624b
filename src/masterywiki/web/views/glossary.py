"""The glossary A-Z."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template

from masterywiki.web.languages import reader_language
from masterywiki.web.views import services

bp = Blueprint("glossary", __name__)


@bp.get("/-/glossary")
def index() -> str:
    """Each term once, in the reader's language (`?lang=`) where it has a version in it."""
    found = services()
    terms = found.wiki.in_language(reader_language() or found.settings.language).glossary()

    def letter(title: str) -> str:
        first = title[:1].upper()
        return first if first.isalpha() else "#"

    groups = [(k, list(v)) for k, v in groupby(terms, key=lambda r: letter(r.title))]
    return render_template("glossary.html", groups=groups, count=len(terms))
