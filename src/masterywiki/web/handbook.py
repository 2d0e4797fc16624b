"""Printable handbooks: a page, or a page and every page under its toctree, as one PDF.

The only module that uses WeasyPrint. The PDF is laid out from the same page HTML the
site shows (`Wiki.rendered`), put in order in `templates/handbook.html` with a title
page, a table of contents whose page numbers CSS counts (`target-counter`), the glossary
terms the pages use, and the version and date in every page's footer
(`static/handbook.css`, CSS `@page` margin boxes).

Images and stylesheets are read through the app's own services (attachments at HEAD,
the static folder): the fetcher refuses every other address, so printing never reaches
the network. One PDF is laid out at a time per process, which bounds the CPU a burst
of requests can take.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin

from flask import render_template

from masterywiki.content import names
from masterywiki.content.catalog import PageRecord
from masterywiki.content.markup import Rendered
from masterywiki.errors import WikiError
from masterywiki.git import releases as gitreleases
from masterywiki.git.releases import list_releases
from masterywiki.repository.attachments import Attachments
from masterywiki.repository.releases import wiki_at
from masterywiki.repository.wiki import Wiki

PAGE_LIMIT = 300  # pages in one handbook, to bound the work (as the print view does)
_ONE_AT_A_TIME = threading.Lock()
# In sanitized HTML an attribute value never holds a double quote, and text that looks
# like an attribute is escaped (`id=&quot;x&quot;`), so these match attributes only.
_HREF = re.compile(r'href="(/[^"#?]*)?(?:#([^"]*))?"')
_ID = re.compile(r'(\sid=")([^"]+)"')

# (stage, done, total): stage is "pages" (HTML, total known) or "layout" (total None)
Progress = Callable[[str, int, int | None], None]


class HandbookTooLarge(WikiError):
    status = 413
    title = "Handbook too large"


@dataclass(frozen=True)
class Section:
    page: PageRecord
    rendered: Rendered
    anchor: str  # the section's id in the document
    depth: int  # 0 for the handbook's own page, 1 for its children, ...


@dataclass(frozen=True)
class Handbook:
    root: PageRecord
    sections: tuple[Section, ...]
    glossary: tuple[Section, ...]  # terms the pages use that are not sections, A-Z
    version: str  # the release name when HEAD is released, else the short commit
    printed: date


def collect(wiki: Wiki, name: str, today: date, progress: Progress | None = None) -> Handbook:
    """The handbook of page `name`: the page, the pages under its toctree in order, and
    the glossary terms they use. Raises PageNotFound, PageMoved, HandbookTooLarge."""
    record = wiki.record(name)
    snapshot = wiki.snapshot
    catalog = snapshot.catalog
    pages = [record, *catalog.descendants(record.name, limit=PAGE_LIMIT)]
    if len(pages) > PAGE_LIMIT:
        raise HandbookTooLarge(
            f"'{record.title}' and the pages under it are more than {PAGE_LIMIT} pages:"
            " print a smaller section."
        )
    base_depth = len(catalog.ancestors(record.name))
    sections = []
    for number, page in enumerate(pages, start=1):
        depth = 0 if page is record else len(catalog.ancestors(page.name)) - base_depth
        sections.append(Section(page, wiki.rendered(page), f"page-{number}", max(depth, 1)))
        if progress:
            progress("pages", number, len(pages))
    sections[0] = Section(record, sections[0].rendered, sections[0].anchor, 0)
    included = {section.page.name for section in sections}
    used = dict.fromkeys(term for section in sections for term in section.rendered.terms)
    terms = [catalog.pages[t] for t in used if t not in included and t in catalog.pages]
    glossary = tuple(
        Section(term, wiki.rendered(term), "term-" + term.name.replace("/", "-"), 0)
        for term in sorted(terms, key=lambda t: t.title.casefold())
    )
    return Handbook(record, tuple(sections), glossary, version_of(wiki), today)


def version_of(wiki: Wiki) -> str:
    """The newest release of HEAD's commit, or HEAD's short commit id."""
    head = wiki.snapshot.commit or ""
    for release in list_releases(wiki.storage):
        if release.commit == head:
            return release.name
    return head[:10] or "no commit"


def local_links(handbook: Handbook) -> dict[str, str]:
    """{page URL: its section's anchor} for the pages and terms inside the handbook."""
    found = {names.url_for_name(s.page.name): s.anchor for s in handbook.glossary}
    found.update({names.url_for_name(s.page.name): s.anchor for s in handbook.sections})
    return found


def link_inside(html: str, anchor: str, links: dict[str, str]) -> str:
    """One page's HTML as a part of the handbook: its ids get the section's `anchor`
    as a prefix (every page has its own `#fn1`, `#related`...), and links to pages
    inside the handbook point at their place in it, so they work in the PDF; links to
    other pages stay addresses on the wiki."""

    def swap(match: re.Match[str]) -> str:
        path, fragment = match.group(1), match.group(2)
        target = anchor if path is None else links.get(path)
        if target is None:
            return match.group(0)
        return f'href="#{target}-{fragment}"' if fragment else f'href="#{target}"'

    prefixed = _ID.sub(lambda m: f'{m.group(1)}{anchor}-{m.group(2)}"', html)
    return _HREF.sub(swap, prefixed)


def css_string(text: str) -> str:
    """`text` as a CSS string literal, for the footer's `content`."""
    escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


def handbook_html(handbook: Handbook) -> str:
    """The document WeasyPrint lays out (needs an app context)."""
    links = local_links(handbook)
    return render_template(
        "handbook.html",
        handbook=handbook,
        html_of=lambda section: link_inside(section.rendered.html, section.anchor, links),
        css_string=css_string,
    )


class PdfUnavailable(WikiError):
    status = 503
    title = "PDF printing is not available"


@dataclass(frozen=True)
class Printed:
    pdf: bytes
    pages: int  # printed pages
    seconds: float


def write_pdf(
    html: str,
    attachments: Attachments,
    base_url: str,
    progress: Progress | None = None,
    commit: str | None = None,
) -> Printed:
    """Lay `html` out as a PDF, one document at a time in this process. Raises
    PdfUnavailable when WeasyPrint's system libraries (Pango) are missing."""
    try:  # imported here: a server without Pango still serves everything else
        from masterywiki.web import pdfwriter
    except (ImportError, OSError) as error:
        raise PdfUnavailable(
            "Printing PDFs needs WeasyPrint and its system libraries (on Debian:"
            f" apt-get install libpango-1.0-0 libpangoft2-1.0-0): {error}"
        ) from None
    start = time.perf_counter()
    with _ONE_AT_A_TIME:
        base = urljoin(base_url, "/")
        pdf, pages = pdfwriter.write(html, attachments, base, progress, commit)
    return Printed(pdf, pages, time.perf_counter() - start)


def filename(record: PageRecord, version: str | None = None) -> str:
    """The download's name: the page's last path segment ('handbook' for the root),
    with the version when it is not the current one (`grading-policy-2025-26.pdf`)."""
    stem = "handbook" if record.name == names.ROOT else record.name.rsplit("/", 1)[-1]
    if version:
        stem += "-" + re.sub(r"[^A-Za-z0-9._-]", "-", version)
    return f"{stem}.pdf"


@contextmanager
def wiki_for(wiki: Wiki, rev: str | None) -> Iterator[tuple[Wiki, str | None]]:
    """(the wiki to print, the commit it is pinned at): the wiki as it is now when `rev`
    is empty or names HEAD, else as it was at `rev` (a release name or a commit id).
    Raises RevisionNotFound."""
    if not rev:
        yield wiki, None
        return
    commit = gitreleases.resolve(wiki.storage, rev)
    if commit == wiki.refresh().commit:
        yield wiki, None
        return
    pinned = wiki_at(wiki.storage, commit)
    try:
        yield pinned, commit
    finally:
        pinned.storage.close()


def print_handbook(
    wiki: Wiki,
    attachments: Attachments,
    name: str,
    base_url: str,
    today: date,
    progress: Progress | None = None,
    commit: str | None = None,
) -> tuple[Handbook, Printed]:
    """The handbook of page `name` as a PDF (needs an app context); with `commit`,
    `wiki` is pinned there (`wiki_for`) and images are read as they were then.
    Raises PageNotFound, PageMoved, HandbookTooLarge, PdfUnavailable."""
    handbook = collect(wiki, name, today, progress)
    html = handbook_html(handbook)
    return handbook, write_pdf(html, attachments, base_url, progress, commit)
