"""The glossary A-Z."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template

from masterywiki.web.views import services

bp = Blueprint("glossary", __name__)


@bp.get("/-/glossary")
def index() -> str:
    terms = services().wiki.snapshot.catalog.glossary()

    def letter(title: str) -> str:
        first = title[:1].upper()
        return first if first.isalpha() else "#"

    groups = [(k, list(v)) for k, v in groupby(terms, key=lambda r: letter(r.title))]
    return render_template("glossary.html", groups=groups, count=len(terms))
