"""What `masterywiki check` says about onboarding: an `acknowledge` that is not true
or false (the page would silently ask nobody), and a path with no steps. Pure."""

from __future__ import annotations

from masterywiki.content.catalog import Catalog
from masterywiki.content.check import WARNING, Diagnostic
from masterywiki.onboarding.acknowledge import KEY
from masterywiki.onboarding.paths import paths_in, steps_of


def onboarding_findings(catalog: Catalog) -> list[Diagnostic]:
    found = []
    for record in catalog.records():
        value = record.info.front_matter.extra.get(KEY)
        if value is not None and not isinstance(value, bool):
            line = 2 if record.info.body_line > 1 else 1
            message = f"'{KEY}' must be true or false (it is {str(value)[:40]!r})"
            found.append(Diagnostic(record.file, line, WARNING, "front-matter", message))
    for path in paths_in(catalog):
        if not steps_of(catalog, path):
            message = "this onboarding path has no steps: list them in a {toctree}"
            found.append(Diagnostic(path.file, 1, WARNING, "path", message))
    return sorted(found)
