"""Onboarding paths: a page with `type: path` whose toctree lists the steps, in order.

Pure: the catalog, each step's version and what a reader opened in, each step's
state out. A step is *done* when the reader opened its current version (the newest
commit that changed what readers read: a move or a minor change is none, see
`versions.py`), *changed* when they opened an earlier one, *new* when never opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord

PATH_TYPE = "path"
STATES = ("done", "changed", "new")


@dataclass(frozen=True)
class Opened:
    """A reader's latest opening of a page, under the name it had then."""

    page: str
    version: str
    at: float


@dataclass(frozen=True)
class Step:
    record: PageRecord
    number: int  # 1-based
    state: str  # one of STATES
    opened: float | None  # when the reader last opened it, under any of its names


@dataclass(frozen=True)
class Progress:
    path: PageRecord
    steps: tuple[Step, ...]

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.state == "done")

    @property
    def next(self) -> Step | None:
        """The first step not done yet: what to read next."""
        return next((step for step in self.steps if step.state != "done"), None)

    @property
    def complete(self) -> bool:
        return bool(self.steps) and self.done == len(self.steps)


def is_path(record: PageRecord) -> bool:
    return record.type == PATH_TYPE


def steps_of(catalog: Catalog, path: PageRecord) -> list[PageRecord]:
    """The pages the path's toctrees list, in order, each once; entries that name no
    page (a typo, a deleted page) are left out here and reported by `check`.
    Unlike the sidebar, a step may live anywhere else in the navigation too."""
    found: dict[str, PageRecord] = {}
    for toctree in path.info.toctrees:
        for entry in toctree.entries:
            name = names.resolve_reference(entry.target, path.file)
            name = catalog.redirects.get(name, name) if name is not None else None
            record = catalog.get(name) if name is not None else None
            if record is not None and record.name != path.name:
                found.setdefault(record.name, record)
    return list(found.values())


def paths_in(catalog: Catalog) -> list[PageRecord]:
    """Every onboarding path, by title."""
    found = [record for record in catalog.records() if is_path(record)]
    return sorted(found, key=lambda record: (record.title.casefold(), record.name))


StepIndex = dict[str, list[tuple[PageRecord, int, int]]]


def step_index(catalog: Catalog) -> StepIndex:
    """{page name: [(path, step number, number of steps)]} for every page that is a
    step of a path: built once per catalog, so a page view looks its paths up."""
    found: StepIndex = {}
    for path in paths_in(catalog):
        steps = steps_of(catalog, path)
        for number, record in enumerate(steps, start=1):
            found.setdefault(record.name, []).append((path, number, len(steps)))
    return found


def paths_through(catalog: Catalog, name: str) -> list[tuple[PageRecord, int, int]]:
    """(path, step number, number of steps) for each path that has page `name` as a step."""
    return step_index(catalog).get(name, [])


def latest_openings(opened: Iterable[Opened], redirects: Mapping[str, str]) -> dict[str, Opened]:
    """{current page name: the reader's latest opening}, following moves: an opening
    kept under a page's old name counts for the page it became."""
    found: dict[str, Opened] = {}
    for row in opened:
        now = redirects.get(row.page, row.page)
        if now not in found or row.at > found[now].at:
            found[now] = row
    return found


def progress(
    catalog: Catalog, path: PageRecord, opened: Mapping[str, Opened], versions: Mapping[str, str]
) -> Progress:
    """The reader's progress on `path`, from `latest_openings` of its steps and the
    steps' current `versions` ({page name: version})."""
    steps = []
    for number, record in enumerate(steps_of(catalog, path), start=1):
        seen = opened.get(record.name)
        current = versions.get(record.name)
        state = "new" if seen is None else "done" if seen.version == current else "changed"
        steps.append(Step(record, number, state, seen.at if seen else None))
    return Progress(path, tuple(steps))


def names_of(catalog: Catalog, records: Iterable[PageRecord]) -> list[str]:
    """The pages' names and every old name that redirects to them (rows kept under
    an old name still belong to the page)."""
    wanted = {record.name for record in records}
    olds = [old for old, new in catalog.redirects.items() if new in wanted]
    return sorted(wanted) + sorted(olds)
