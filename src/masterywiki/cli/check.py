"""`masterywiki check`: Sphinx-style nitpicky checks, one finding per line."""

from __future__ import annotations

import gc
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from masterywiki import settings as settings_module
from masterywiki.cli.group import (
    _content_options,
    _format_option,
    _one_line_errors,
    _processes_option,
    main,
)
from masterywiki.content.check import (
    ERROR,
    Diagnostic,
    as_json,
    diagnose,
    from_problems,
    prescan_page,
    render_all,
)
from masterywiki.content.translations import Translations
from masterywiki.db.database import Database
from masterywiki.discussion.comments import parse as parse_comments
from masterywiki.onboarding.findings import onboarding_findings
from masterywiki.repository import checkstate, wikisnapshot
from masterywiki.repository.edits import COMMENTS_SUFFIX
from masterywiki.repository.instance import open_repository
from masterywiki.repository.wiki import Snapshot, Wiki
from masterywiki.stewardship.dashboard import follow_moves, rows_of
from masterywiki.stewardship.feedback import Feedback
from masterywiki.stewardship.reviews import site_period
from masterywiki.stewardship.stale import care_findings, stale_findings
from masterywiki.support.forked import default_processes


@main.command()
@_content_options
@_format_option("One `path:line: severity: message` per line, or a JSON list.")
@_processes_option("rendering")
@click.option("--stale", is_flag=True,
              help="Also warn of overdue pages and pages readers report as outdated.")  # fmt: skip
@click.option("--full", is_flag=True,
              help="Render every page, not only what changed since the last check.")  # fmt: skip
@_one_line_errors
def check(
    repo: Path | None,
    instance: Path,
    output: str,
    processes: int | None,
    stale: bool,
    full: bool,
) -> None:
    """Check every page: broken links and anchors, unknown terms, labels and pages,
    duplicate labels and aliases, bad front matter, redirect problems, pages in no
    toctree. Exits with status 1 when there is an error.

    Each page's results are kept in the instance; the next check renders only the
    pages that changed and those whose links, terms or labels now answer otherwise."""
    loaded = settings_module.load({"repo": repo, "instance": instance})
    storage, _created = open_repository(loaded)
    wiki = Wiki(storage, cache_dir=loaded.cache_dir, language=loaded.language)
    wiki.scan_processes = processes or default_processes()
    wiki.scan_also = prescan_page  # a page read afresh is scanned for check there and then
    with checkstate.no_collection():  # reading 100,000 pages makes millions of objects
        snapshot = wikisnapshot.refreshed(wiki, loaded.cache_dir, use_kept=not full)
    catalog = snapshot.catalog
    kept = None if full else checkstate.load(loaded.cache_dir)
    # The wiki's objects live to the end: the collector need not scan them again and
    # again (at 100,000 pages each full collection went over millions of objects).
    gc.freeze()
    with click.progressbar(length=len(catalog), label="Checking pages", file=sys.stderr) as bar:
        results, redone = render_all(
            wiki.storage.read_blobs,
            catalog,
            bar.update,
            processes or default_processes(),
            kept,
            wiki.also_scanned,
        )
    wiki.also_scanned.clear()
    if redone or kept is None or len(kept.pages) != len(results.pages):
        checkstate.save(loaded.cache_dir, results)
    extra = _extra_findings(wiki) + care_findings(catalog.pages.values())
    extra += onboarding_findings(catalog)
    last = {path: (change.commit, change.date) for path, change in snapshot.changes.items()}
    extra += Translations(catalog.records(), loaded.language).findings(last)
    if stale:
        extra += _stale_findings(loaded, snapshot)
    findings = diagnose(catalog, results.pages, snapshot.files, extra=extra)
    if output == "json":
        click.echo(as_json(findings))
    else:
        for finding in findings:
            click.echo(str(finding))
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = len(findings) - errors
    click.echo(
        f"{len(catalog)} pages checked ({redone} rendered, the rest unchanged): "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}.",
        err=True,
    )
    storage.close()
    if errors:
        sys.exit(1)


def _extra_findings(wiki: Wiki) -> list[Diagnostic]:
    """Unreadable lines in comment files (each still shows its good comments)."""
    files = wiki.snapshot.files
    paths = sorted(p for p in files if p.endswith(COMMENTS_SUFFIX))
    blobs = wiki.storage.read_blobs(files[p] for p in paths)
    found: list[Diagnostic] = []
    for path in paths:
        _comments, problems = parse_comments(blobs.get(files[path], b""))
        found += from_problems(path, problems)
    return found


def _stale_findings(loaded: settings_module.Settings, snapshot: Snapshot) -> list[Diagnostic]:
    """Overdue pages, and pages with open "outdated" reports (read from the database)."""
    default = site_period(loaded.review_every)
    records = list(snapshot.catalog.pages.values())
    rows = rows_of(records, datetime.now(UTC).date(), default, snapshot.changes)
    database = Database.for_instance(loaded.instance, loaded.database_url)
    try:
        outdated = follow_moves(Feedback(database).open_outdated(), snapshot.catalog.redirects)
    finally:
        database.close()
    return stale_findings(rows, {r.name: r.file for r in records}, outdated)
