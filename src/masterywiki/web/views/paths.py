"""Onboarding paths: the progress block on a path, "step N of M" on its steps, and
`/-/paths`, the list of paths with this reader's progress.

Pages are cached per commit and shared, so the block is the marker
`<!-- masterywiki:progress PAGE -->`, filled per response; filling it for a
logged-in reader also records that they opened the page (no JavaScript needed,
and the cache stays on).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, request

from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.onboarding.paths import (
    Progress,
    StepIndex,
    is_path,
    latest_openings,
    names_of,
    paths_in,
    progress,
    step_index,
    steps_of,
)
from masterywiki.onboarding.progress import Openings
from masterywiki.onboarding.versions import Versions
from masterywiki.support.lru import LRU
from masterywiki.web.views import markers, services
from masterywiki.web.views.auth import current_user, login_url

bp = Blueprint("paths", __name__)
EXTENSION = "masterywiki.onboarding.openings"
VERSIONS = "masterywiki.onboarding.versions"  # shared with views/acknowledgements.py
INDEX = "masterywiki.onboarding.step_index"  # which paths each page is a step of, per commit


def init_app(app: Flask) -> None:
    found = app.extensions["masterywiki"]
    app.extensions[EXTENSION] = Openings(found.database)
    app.extensions[VERSIONS] = Versions(found.wiki.storage)
    app.extensions[INDEX] = LRU[StepIndex](4)
    markers.register(app, "progress", _block_for)
    app.register_blueprint(bp)


def openings() -> Openings:
    found: Openings = current_app.extensions[EXTENSION]
    return found


def versions() -> Versions:
    found: Versions = current_app.extensions[VERSIONS]
    return found


def version_of(record: PageRecord) -> str:
    return versions().of(record, services().wiki.snapshot)


def steps_index() -> StepIndex:
    snapshot = services().wiki.snapshot
    cache: LRU[StepIndex] = current_app.extensions[INDEX]
    found = cache.get(snapshot.commit)
    if found is None:
        found = step_index(snapshot.catalog)
        cache.put(snapshot.commit, found)
    return found


def progress_of(username: str, catalog: Catalog, path: PageRecord) -> Progress:
    steps = steps_of(catalog, path)
    opened = openings().of_reader(username, names_of(catalog, steps))
    current = {step.name: version_of(step) for step in steps}
    return progress(catalog, path, latest_openings(opened, catalog.redirects), current)


def _block_for(name: str) -> str:
    snapshot = services().wiki.snapshot
    record = snapshot.catalog.get(name)
    if record is None:  # the page went away since it was cached
        return ""
    user = current_user()
    if user is not None:
        openings().record(user.username, record.name, version_of(record))
    if is_path(record):
        found = progress_of(user.username, snapshot.catalog, record) if user else None
        return render_template(
            "_path_progress.html", path=record, progress=found, user=user,
            steps=steps_of(snapshot.catalog, record), login=login_url(request.path),
        )  # fmt: skip
    through = steps_index().get(record.name) if user is not None else None
    if user is None or not through:  # "step N of M" is for readers who keep progress
        return ""
    shown = [(path, number, total, progress_of(user.username, snapshot.catalog, path))
             for path, number, total in through]  # fmt: skip
    return render_template("_path_step.html", paths=shown, page=record)


@bp.get("/-/paths")
def list_paths() -> str:
    catalog = services().wiki.refresh().catalog
    user = current_user()
    rows = [
        (path, progress_of(user.username, catalog, path) if user else None,
         len(steps_of(catalog, path)))
        for path in paths_in(catalog)
    ]  # fmt: skip
    return render_template("paths.html", rows=rows, user=user, login=login_url("/-/paths"))
