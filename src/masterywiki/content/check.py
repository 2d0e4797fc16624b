"""Nitpicky checks over the whole wiki, like Sphinx's `-n`: typed diagnostics.

`diagnose()` is pure: it takes the catalog, every page's render result and the
repository's file list, and returns findings sorted by file and line. The CLI
(`masterywiki check`) renders the pages and prints `path:line: severity: message`.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.checkcache import Answer, Kept, PageCheck, Recorder, merged, to_redo
from masterywiki.content.checkscan import prescan, replay, scan_check
from masterywiki.content.docinfo import references_of
from masterywiki.content.markup import render
from masterywiki.content.model import Problem, decode
from masterywiki.content.renderstate import Heading
from masterywiki.content.templates import FOLDER as TEMPLATES
from masterywiki.errors import InvalidPagePath, WikiError
from masterywiki.support.forked import ForkedWorkFailed, run_forked

ERROR, WARNING = "error", "warning"
_CLOSING = re.compile(r"\n(?:---|\.\.\.)[^\S\n]*(?=\n|$)")


class CheckFailed(WikiError):
    """The checks could not run to the end (a rendering worker failed)."""


# Render problems by kind: a broken reference is an error, unknown syntax a warning.
RENDER_SEVERITY = {
    "term": ERROR,
    "doc": ERROR,
    "ref": ERROR,
    "link": ERROR,
    "toctree": ERROR,
    "role": WARNING,
    "directive": WARNING,
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    severity: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


class Result(Protocol):
    """What `diagnose` reads of a page's render result (a Rendered, or a kept PageCheck)."""

    @property
    def problems(self) -> tuple[Problem, ...]: ...
    @property
    def headings(self) -> tuple[Heading, ...]: ...


def _anchors(record: PageRecord, rendered: Result) -> set[str]:
    found = {h.id for h in rendered.headings}
    found |= {label.name for label in record.info.labels}
    return found


def _front_matter_line(record: PageRecord) -> int:
    return 2 if record.info.body_line > 1 else 1


def diagnose(
    catalog: Catalog,
    rendered: Mapping[str, Result],
    files: Iterable[str],
    extra: Iterable[Diagnostic] = (),
) -> list[Diagnostic]:
    """Every finding about the wiki, sorted by path and line."""
    found: list[Diagnostic] = list(extra)
    found += _page_findings(catalog, rendered)
    found += _anchor_findings(catalog, rendered)
    found += _label_and_term_findings(catalog)
    found += _redirect_findings(catalog)
    files = set(files)
    found += _file_findings(catalog, files)
    found += _attachment_findings(catalog, files)
    found += sync_conflict_findings(catalog)
    return sorted(set(found))


def _page_findings(catalog: Catalog, rendered: Mapping[str, Result]) -> list[Diagnostic]:
    found = []
    for record in catalog.records():
        for problem in record.info.problems:
            found.append(
                Diagnostic(record.file, problem.line, ERROR, problem.kind, problem.message)
            )
        result = rendered.get(record.name)
        for problem in result.problems if result else ():
            severity = RENDER_SEVERITY.get(problem.kind, WARNING)
            found.append(
                Diagnostic(record.file, problem.line, severity, problem.kind, problem.message)
            )
        if record.name != names.ROOT and not catalog.in_nav(record.name):
            found.append(
                Diagnostic(
                    record.file,
                    1,
                    WARNING,
                    "toctree",
                    "page is not in any toctree, so no menu leads to it",
                )
            )
    return found


def _anchor_findings(catalog: Catalog, rendered: Mapping[str, Result]) -> list[Diagnostic]:
    found = []
    for record in catalog.records():
        for reference in references_of(record.info.packed_references, "link", True):
            target = catalog.doc(reference.target, record.file)
            if target is None or target.name is None or target.name not in rendered:
                continue  # a missing page is reported by the renderer
            anchors = _anchors(catalog.pages[target.name], rendered[target.name])
            if reference.fragment not in anchors:
                found.append(
                    Diagnostic(
                        record.file,
                        reference.line,
                        ERROR,
                        "anchor",
                        f"link to #{reference.fragment}, which is not a heading or label "
                        f"in {target.name}",
                    )
                )
    return found


def _label_and_term_findings(catalog: Catalog) -> list[Diagnostic]:
    found = []
    labels: dict[str, PageRecord] = {}
    terms: dict[str, PageRecord] = {}
    for record in sorted(catalog.records(), key=lambda r: r.name):
        for label in record.info.labels:
            first = labels.setdefault(label.name, record)
            if first is not record:
                found.append(
                    Diagnostic(
                        record.file,
                        label.line,
                        ERROR,
                        "label",
                        f"label '{label.name}' is already defined in {first.file}",
                    )
                )
        if record.type != "term":
            continue
        line = _front_matter_line(record)
        for key in dict.fromkeys([record.title, *record.info.front_matter.aliases]):
            folded = key.casefold()
            first = terms.setdefault(folded, record)
            if first is not record:
                found.append(
                    Diagnostic(
                        record.file,
                        line,
                        ERROR,
                        "term",
                        f"term or alias '{key}' is also claimed by {first.file}",
                    )
                )
    return found


def _redirect_findings(catalog: Catalog) -> list[Diagnostic]:
    found = []
    claimed: dict[str, PageRecord] = {}
    claimed_legacy: dict[str, PageRecord] = {}
    for record in sorted(catalog.records(), key=lambda r: r.name):
        line = _front_matter_line(record)
        for old in record.info.front_matter.redirect_from:
            try:
                old_name = names.normalize_user_input(old)
            except InvalidPagePath as error:
                # Not a page path, but fine as an imported page's old address.
                key = names.legacy_key(old)
                if key is None:
                    message = f"redirect_from '{old}': {error.message}"
                elif claimed_legacy.setdefault(key, record) is not record:
                    message = f"redirect_from '{old}' is also claimed by {claimed_legacy[key].file}"
                else:
                    continue
                found.append(Diagnostic(record.file, line, ERROR, "redirect", message))
                continue
            if old_name == record.name:
                message = f"redirect_from '{old}' points the page at itself"
            elif old_name in catalog:
                message = (
                    f"redirect_from '{old}' names a live page, which the redirect would shadow"
                )
            elif claimed.setdefault(old_name, record) is not record:
                message = f"redirect_from '{old}' is also claimed by {claimed[old_name].file}"
            else:
                continue
            found.append(Diagnostic(record.file, line, ERROR, "redirect", message))
    return found


def _file_findings(catalog: Catalog, files: Iterable[str]) -> list[Diagnostic]:
    found = []
    served = {record.file for record in catalog.records()}  # never a finding: skipped fast
    for path in files:
        if path in served:
            continue
        if not path.endswith(names.PAGE_SUFFIX) or any(p.startswith(".") for p in path.split("/")):
            continue
        if path.startswith(TEMPLATES + "/"):  # page templates are no pages, on purpose
            continue
        name = names.name_for_file(path)
        if name is None:
            found.append(
                Diagnostic(
                    path,
                    1,
                    WARNING,
                    "file",
                    "not served: page file names use lowercase a-z, 0-9 and '-'",
                )
            )
        elif (record := catalog.get(name)) is not None and record.file != path:
            found.append(
                Diagnostic(
                    path, 1, WARNING, "file", f"not served: {record.file} is the page '{name}'"
                )
            )
    return found


def _attachment_findings(catalog: Catalog, files: set[str]) -> list[Diagnostic]:
    """Links to attachments that are not there, and files in attachment folders the
    wiki cannot serve (a bad name, or no page beside them)."""
    found = []
    for record in catalog.records():
        for reference in references_of(record.info.packed_references, "file"):
            attachment = names.resolve_attachment(reference.target, record.file)
            if attachment is None:
                message = f"link to an attachment the wiki cannot serve: {reference.target}"
            elif attachment.path not in files:
                message = f"link to a missing attachment: {attachment.path}"
            else:
                continue
            found.append(Diagnostic(record.file, reference.line, ERROR, "attachment", message))
    for path in files:
        folder = path.rpartition("/")[0]
        if not folder.endswith(names.ATTACHMENTS_SUFFIX):
            continue
        attachment = names.split_attachment_path(path)
        if attachment is None:
            message = "not served: attachment names use lowercase a-z, 0-9, '-', '_' and '.'"
        elif catalog.get(attachment.page) is None or (
            catalog.pages[attachment.page].file != attachment.page_file
        ):
            message = f"not served: no page {attachment.page_file} beside this attachment"
        else:
            continue
        found.append(Diagnostic(path, 1, WARNING, "attachment", message))
    return found


# -- git sync: pages two servers changed at once (see treemerge.py) --------------------


def sync_conflict_findings(catalog: Catalog) -> list[Diagnostic]:
    """Pages flagged `sync_conflict: true` still hold both versions of a change."""
    found = []
    for record in catalog.records():
        if record.info.front_matter.extra.get("sync_conflict"):
            found.append(
                Diagnostic(
                    record.file,
                    _front_matter_line(record),
                    ERROR,
                    "sync-conflict",
                    "two servers changed this page at once: both versions are kept in it;"
                    " combine them and remove `sync_conflict: true`",
                )
            )
    return found


# -- running the checks over a live wiki (I/O through the function passed in) ---------


ReadBlobs = Callable[[Iterable[str]], Mapping[str, bytes]]

PARALLEL_FROM = 200  # pages: below this, starting processes costs more than it saves
_PROGRESS_EVERY = 25
_READ_AT_ONCE = 2000  # blobs read from git at once (one `cat-file` each): bounds a share's memory


def render_all(
    read_blobs: ReadBlobs,
    catalog: Catalog,
    on_progress: Callable[[int], None] = lambda _done: None,
    processes: int = 1,
    kept: Kept | None = None,
    prescanned: Mapping[str, object] | None = None,
) -> tuple[Kept, int]:
    """Every page's render result for `diagnose`: those `kept` from an earlier run that
    still hold, the others rendered now (see checkcache). `on_progress(n)` is told as
    each n more pages are done. From PARALLEL_FROM pages on, `processes` share the work.
    Returns the results and how many pages were rendered. Raises CheckFailed when a
    rendering process fails. `prescanned`: `prescan_page` of blobs (as the wiki read
    them): those pages need not be read again, only their lookups made."""
    kept = kept or Kept()
    todo = to_redo(kept, catalog)
    if len(todo) < len(catalog):
        on_progress(len(catalog) - len(todo))
    # Pages scanned as they were read need only their lookups: done here, as sending
    # the results back from workers cost more than making them (100,000 pages: 6 s).
    collecting = gc.isenabled()
    gc.disable()  # 100,000 pages' results, none of them garbage: collecting tripled the time
    try:
        fresh, answers, rest = _replayed(catalog, todo, prescanned or {}, on_progress)
    finally:
        if collecting:
            gc.enable()

    def share_of(share: list[str], report: Callable[[int], None]) -> tuple[Any, Any]:
        return _render_share(read_blobs, catalog, share, report)

    if processes > 1 and len(rest) >= PARALLEL_FROM:
        try:
            for pages, asked in run_forked(share_of, rest, processes, on_progress):
                fresh.update(pages)
                answers.update(asked)
        except ForkedWorkFailed as error:
            raise CheckFailed(f"Rendering failed: {error}") from None
    else:
        pages, asked = share_of(rest, on_progress)
        fresh.update(pages)
        answers.update(asked)
    return merged(kept, fresh, answers, catalog), len(todo)


def _replayed(
    catalog: Catalog,
    todo: list[str],
    prescanned: Mapping[str, object],
    report: Callable[[int], None],
) -> tuple[dict[str, PageCheck], dict[str, Answer], list[str]]:
    """The results of the pages of `todo` whose prescan's lookups all find something,
    their answers, and the other pages (to read and check)."""
    results: dict[str, PageCheck] = {}
    answers: dict[str, Answer] = {}
    rest = []
    for name in todo:
        record = catalog.pages[name]
        found = prescanned.get(record.blob)
        if isinstance(found, tuple):
            recorder = Recorder(catalog)
            if replay(found[1], recorder, record.file):
                anchors = found[0].split("\n") if found[0] else ()
                results[name] = PageCheck.scanned(record, anchors, recorder.asked)
                answers.update(recorder.asked)
                continue
        rest.append(name)
    if results:
        report(len(results))
    return results, answers, rest


def _render_share(
    read_blobs: ReadBlobs, catalog: Catalog, share: list[str], report: Callable[[int], None]
) -> tuple[dict[str, PageCheck], dict[str, Answer]]:
    """The pages `share` rendered, and the answers to the lookups they made."""
    results: dict[str, PageCheck] = {}
    answers: dict[str, Answer] = {}
    done = 0
    for start in range(0, len(share), _READ_AT_ONCE):
        part = share[start : start + _READ_AT_ONCE]
        blobs = read_blobs(catalog.pages[name].blob for name in part)
        for name in part:
            record = catalog.pages[name]
            body, body_line = body_of(decode(blobs.get(record.blob, b"")))
            results[name], recorder = check_page(catalog, record, body, body_line)
            answers.update(recorder.asked)
            done += 1
            if done % _PROGRESS_EVERY == 0:
                report(_PROGRESS_EVERY)
    if done % _PROGRESS_EVERY:
        report(done % _PROGRESS_EVERY)
    return results, answers


def check_page(
    catalog: Catalog, record: PageRecord, body: str, body_line: int
) -> tuple[PageCheck, Recorder]:
    """One page's result, from the fast scan when it reads the page, else from its
    render (both give the same PageCheck: see checkscan); and the lookups it made."""
    recorder = Recorder(catalog)
    anchors = scan_check(body, recorder, record.file)
    if anchors is not None:
        return PageCheck.scanned(record, anchors, recorder.asked), recorder
    recorder = Recorder(catalog)  # the scan may have asked a part of its lookups
    rendered = render(body, recorder, file=record.file, body_line=body_line)
    return PageCheck.of(record, rendered, recorder.asked), recorder


def prescan_page(text: str) -> tuple[str, str] | None:
    """A page file's `checkscan.prescan`, for the wiki to take as it reads the page."""
    return prescan(body_of(text)[0])


def body_of(text: str) -> tuple[str, int]:
    """`parse_document(text)`'s body and body line, without reading the front matter's
    YAML (the catalog did): a tenth of a millisecond a page saved."""
    if not text.startswith("---"):
        return text, 1
    end = text.find("\n")
    if (text[:end] if end >= 0 else text).rstrip() != "---":
        return text, 1
    # The first line after the opening one that is `---` or `...` (spaces after it too).
    closing = _CLOSING.search(text, end)
    if end < 0 or closing is None:
        return text, 1  # no closing line: parse_document keeps the whole text as body
    body_line = text.count("\n", 0, closing.start() + 1) + 2
    after = text.find("\n", closing.start() + 1)
    return ("" if after < 0 else text[after + 1 :]), body_line


def from_problems(path: str, problems: Iterable[Problem]) -> list[Diagnostic]:
    """Problems found elsewhere (e.g. unreadable comment lines) as diagnostics."""
    return [Diagnostic(path, p.line, p.severity, p.kind, p.message) for p in problems]


def as_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([asdict(d) for d in diagnostics], indent=2)
