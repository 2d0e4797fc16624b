"""Import benchmark: `masterywiki import` (dry run, apply), `check` and `build` of the result,
beside `mkdocs build` of the same pages, in one run.

    python bench/import.py --pages 1000                # 3 runs of everything
    python bench/import.py --pages 10000 --repeat 1

Two source trees are generated from ``--pages/--seed`` (the same pages, written twice):

* an Otter Wiki / Gollum-like folder: spaces and capitals in file and folder names,
  ``Unit 03 X.md`` beside its folder ``Unit 03 X/`` (subpages), ``README.md`` folder pages,
  names that collide after normalising (``Vector Proof 0012.md`` and ``vector_proof_0012.md``),
  ``[[Wiki Links]]`` in both orders (``[[Page|Label]]`` and ``[[Label|Page]]``), by name, by
  path and with ``#anchors``, relative links (``%20``, ``<...>``, without ``.md``), small
  real PNGs (``Images/`` and inside unit folders), ``_Sidebar.md``/``_Footer.md`` and a
  ``.git`` folder (skipped);
* an MkDocs project of the same pages: ``mkdocs.yml`` with a ``nav`` (titles, sections,
  an external link; the duplicate copies left out) and ``docs/``, every link a relative
  ``.md`` link, ``Home`` as ``index.md``.

For each run and each tree, on a fresh wiki (``masterywiki init``) and a fresh instance:
``masterywiki import SRC --format json`` (dry run), ``--apply``, then ``masterywiki check``;
for the MkDocs tree also ``masterywiki build`` of the imported wiki (fresh instance, cold).
The peer, in the same run: ``mkdocs build -q`` of the MkDocs tree, from bench/.venv-mkdocs.
Every step is verified (one commit, the plan's files and pages written, nothing unresolved,
check without errors); a failure is listed under the table and the script exits 1.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import posixpath
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import corpus
from attachments import make_png
from build import VENVS, ensure_venv
from pageview import head_commit, version_of

BENCH = Path(__file__).resolve().parent
UNITS = 20
TWIN_SHARE = 0.03  # pages that collide with the page before after normalising
SUBFOLDER = "Worked Examples"
PNG_BYTES = 800  # small linked images, as diagrams in an old wiki are
LABEL_WORDS = corpus.VOCAB[:150]  # labels never name a page (no digits, no capitals)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the source trees


@dataclass(frozen=True)
class Page:
    """One page of the source. ``kind``: home, unit (a unit folder's own page: ``sibling``
    beside the folder or ``readme`` inside it), content, twin (a copy whose name collides
    with ``twin_of``'s after normalising)."""

    number: int
    kind: str
    folder: str  # '' for the root
    stem: str
    title: str
    unit: int = 0
    style: str = ""
    twin_of: int | None = None

    def path(self, variant: str) -> str:
        """Source path in the ``otter`` tree or below ``docs/`` in the ``mkdocs`` tree."""
        if variant == "mkdocs" and self.kind == "home":
            return "index.md"
        if variant == "mkdocs" and self.style == "sibling":
            return f"{self.stem}/index.md"
        return posixpath.join(self.folder, f"{self.stem}.md")


@dataclass(frozen=True)
class Image:
    path: str  # relative to the source root (docs/ for mkdocs)
    data: bytes


@dataclass(frozen=True)
class Ref:
    """A link to a page (``image`` False) or an image, written in ``form``."""

    form: str
    target: int
    label: str = ""
    image: bool = False


Part = str | Ref


@dataclass
class Source:
    pages: list[Page]
    images: list[Image]
    bodies: dict[int, list[Part]]  # page number -> text with links left abstract
    unit_names: list[str]
    unit_pages: dict[int, int]  # unit -> its own page, if any
    members: dict[int, list[int]]  # unit -> content pages (twins included), in order
    linked_images: set[int] = field(default_factory=set)

    @property
    def content_pages(self) -> list[Page]:
        return [p for p in self.pages if p.kind == "content"]


def label(rng: random.Random) -> str:
    return " ".join(rng.choices(LABEL_WORDS, k=rng.randint(2, 4)))


def twin_stem(stem: str, rng: random.Random) -> str:
    """A name that normalises like ``stem``: 'Vector Proof 0012' -> 'vector_proof_0012'
    or 'vector-proof-0012' (the latter already is the normalised name)."""
    return stem.lower().replace(" ", rng.choice("_-"))


def plan_source(pages: int, seed: int) -> Source:
    """Which pages and images exist, where (no text yet)."""
    rng = random.Random(f"import-layout:{seed}")
    unit_names = []
    for u in range(1, UNITS + 1):
        name = " ".join(w.capitalize() for w in rng.choices(corpus.VOCAB[150:], k=2))
        unit_names.append(f"Unit {u:02d} {name}")
    found = [Page(0, "home", "", "Home", "Home")]
    unit_pages: dict[int, int] = {}
    for u, name in enumerate(unit_names, 1):
        if u % 3 == 2:
            continue  # no page of its own: the import makes an index page
        number = len(found)
        unit_pages[u] = number
        if u % 3 == 0:  # Otter Wiki / Gollum subpages: 'Unit 03 X.md' beside 'Unit 03 X/'
            found.append(Page(number, "unit", "", name, name, u, "sibling"))
        else:
            found.append(Page(number, "unit", name, "README", name, u, "readme"))
    members: dict[int, list[int]] = {u: [] for u in range(1, UNITS + 1)}
    previous: Page | None = None
    for i in range(pages):
        unit = i * UNITS // pages + 1
        folder = unit_names[unit - 1]
        number = len(found)
        if (
            previous is not None
            and previous.kind == "content"
            and previous.unit == unit
            and rng.random() < TWIN_SHARE
        ):
            stem = twin_stem(previous.stem, rng)
            page = Page(
                number,
                "twin",
                previous.folder,
                stem,
                f"{previous.title} (older copy)",
                unit,
                twin_of=previous.number,
            )
        else:
            if rng.random() < 0.25:
                folder = f"{folder}/{SUBFOLDER}"
            title = corpus.page_title(i, seed)
            page = Page(number, "content", folder, title, title, unit)
        found.append(page)
        members[unit].append(number)
        previous = page
    images = []
    for k in range((pages + 19) // 20 + 1):
        unit = rng.randint(1, UNITS)
        path = (
            f"Images/Diagram {k:03d}.png" if k % 2 else f"{unit_names[unit - 1]}/Figure {k:03d}.png"
        )
        images.append(Image(path, make_png(PNG_BYTES, seed * 1_000_003 + k)))
    images.append(Image("Images/Unused Scan.png", make_png(PNG_BYTES, seed * 1_000_003 - 1)))
    return Source(found, images, {}, unit_names, unit_pages, members)


def page_ref(rng: random.Random, source: Source, here: Page) -> Ref:
    forms = (
        "name",
        "lower",
        "otter",
        "gollum",
        "path",
        "anchor",
        "pct",
        "angle",
        "bare",
        "pct-anchor",
    )
    candidates = source.pages
    while True:
        target = rng.choice(candidates)
        if target.number != here.number and target.kind in ("content", "twin", "home"):
            break
    form = rng.choice(forms)
    if target.kind == "home" and form in ("lower", "path", "anchor", "pct-anchor"):
        form = "name"
    return Ref(form, target.number, label(rng))


def content_body(page: Page, source: Source, seed: int) -> list[Part]:
    rng = random.Random(f"import-page:{seed}:{page.number}")
    parts: list[Part] = []
    if rng.random() < 0.15:  # some pages carry YAML front matter of their own
        tags = ", ".join(sorted(set(rng.choices(corpus.VOCAB[150:], k=rng.randint(1, 3)))))
        title = f"title: {page.title}\n" if rng.random() < 0.33 else ""
        parts.append(f"---\n{title}tags: [{tags}]\n---\n\n")
    parts.append(f"# {page.title}\n\n")
    if page.kind == "twin":
        parts += [
            corpus.paragraph(rng, 60),
            " See also ",
            page_ref(rng, source, page),
            ".\n\n## Notes\n\n",
            corpus.paragraph(rng, 40),
            "\n",
        ]
        return parts
    target, used = rng.randint(300, 1900), 0
    while used < target:
        if rng.random() < 0.25:
            parts.append(f"{'#' * rng.randint(2, 3)} {corpus.words(rng, rng.randint(2, 5))}\n\n")
        roll = rng.random()
        if roll < 0.15:
            numbered = rng.random() < 0.3
            for n in range(1, rng.randint(3, 7) + 1):
                text = corpus.words(rng, rng.randint(3, 9))
                parts.append(f"{n}. {text}" if numbered else f"- {text}")
                if rng.random() < 0.4:
                    parts += [" see ", page_ref(rng, source, page)]
                parts.append("\n")
                used += 6
            parts.append("\n")
        elif roll < 0.21:
            parts.append(corpus.table(rng) + "\n\n")
            used += 20
        elif roll < 0.24:
            image = rng.randrange(len(source.images) - 1)  # never the unused scan
            source.linked_images.add(image)
            parts += [
                Ref(
                    rng.choice(("img", "img-angle", "img-wiki")),
                    image,
                    f"Figure {image}",
                    image=True,
                ),
                "\n\n",
            ]
        elif roll < 0.25:
            parts.append(
                "```text\nWritten as [[Not A Page]] or [x](nowhere.md): code, left alone.\n```\n\n"
            )
        else:
            text = corpus.paragraph(rng, target - used)
            parts.append(text)
            used += len(text.split())
            if rng.random() < 0.6:
                parts += [" Related: ", page_ref(rng, source, page), "."]
            parts.append("\n\n")
    parts += [
        "## Notes\n\n",
        corpus.paragraph(rng, 40),
        " Next: ",
        page_ref(rng, source, page),
        ".\n",
    ]
    return parts


def unit_body(page: Page, source: Source, seed: int) -> list[Part]:
    rng = random.Random(f"import-unit:{seed}:{page.unit}")
    parts: list[Part] = [f"# {page.title}\n\n", corpus.paragraph(rng, 80), "\n\n## Pages\n\n"]
    for number in source.members[page.unit][:20]:
        form = rng.choice(("name", "pct", "otter"))
        parts += ["- ", Ref(form, number, label(rng)), "\n"]
    parts += ["\n## Notes\n\n", corpus.paragraph(rng, 40), "\n"]
    return parts


def home_body(source: Source, seed: int) -> list[Part]:
    rng = random.Random(f"import-home:{seed}")
    parts: list[Part] = ["# Home\n\n", corpus.paragraph(rng, 60), "\n\n## Units\n\n"]
    for u in range(1, UNITS + 1):
        own = source.unit_pages.get(u)
        if own is not None:
            ref = Ref("name", own)
        else:  # the folder (Otter/Gollum); MkDocs has no page for it: its first page
            ref = Ref("folder", source.members[u][0], source.unit_names[u - 1])
        parts += ["- ", ref, "\n"]
    parts += ["\n## Notes\n\n", corpus.paragraph(rng, 40), "\n"]
    return parts


def generate(pages: int, seed: int) -> Source:
    source = plan_source(pages, seed)
    for page in source.pages:
        if page.kind == "home":
            body = home_body(source, seed)
        elif page.kind == "unit":
            body = unit_body(page, source, seed)
        else:
            body = content_body(page, source, seed)
        source.bodies[page.number] = body
    return source


def relative(target: str, here: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(here) or ".")


def write_ref(ref: Ref, here: Page, source: Source, variant: str) -> str:
    """The link as written in the ``otter`` or the ``mkdocs`` tree."""
    where = here.path(variant)
    if ref.image:
        image = source.images[ref.target].path
        if ref.form == "img-wiki" and variant == "otter":
            return f"[[{image}]]"
        rel = relative(image, where)
        return (
            f"![{ref.label}](<{rel}>)"
            if ref.form == "img-angle"
            else f"![{ref.label}]({quote(rel)})"
        )
    target = source.pages[ref.target]
    rel = relative(target.path(variant), where)
    if ref.form == "folder":  # a unit folder without a page of its own
        return f"[[{ref.label}]]" if variant == "otter" else f"[{ref.label}]({quote(rel)})"
    text = target.title if ref.form in ("name", "lower", "path", "anchor") else ref.label
    anchor = "#notes" if "anchor" in ref.form else ""
    if variant == "mkdocs" or ref.form in ("pct", "pct-anchor"):
        if ref.form == "angle":
            return f"[{text}](<{rel}>)"
        return f"[{text}]({quote(rel)}{anchor})"
    if ref.form == "angle":
        return f"[{text}](<{rel}>)"
    if ref.form == "bare":  # Gollum style: no .md
        return f"[{text}]({quote(rel.removesuffix('.md'))})"
    name = target.stem if target.kind != "unit" or target.style == "sibling" else target.folder
    if ref.form == "lower":
        name = name.lower()
    elif ref.form == "path":
        name = target.path("otter").removesuffix(".md")
    elif ref.form == "anchor":
        name += "#Notes"
    if ref.form == "otter":
        return f"[[{name}|{ref.label}]]"
    if ref.form == "gollum":
        return f"[[{ref.label}|{name}]]"
    return f"[[{name}]]"


def page_text(page: Page, source: Source, variant: str) -> bytes:
    out = []
    for part in source.bodies[page.number]:
        out.append(part if isinstance(part, str) else write_ref(part, page, source, variant))
    return "".join(out).encode()


def yaml_str(text: str) -> str:
    return json.dumps(text)  # JSON strings are YAML strings


def mkdocs_yml(source: Source) -> str:
    lines = [
        "site_name: Generated Handbook",
        "docs_dir: docs",
        "site_dir: site",
        "nav:",
        "  - Home: index.md",
    ]
    for u, name in enumerate(source.unit_names, 1):
        lines.append(f"  - {yaml_str(name)}:")
        if (own := source.unit_pages.get(u)) is not None:
            lines.append(f"      - {yaml_str(source.pages[own].path('mkdocs'))}")
        top = [source.pages[n] for n in source.members[u]]
        sub = [p for p in top if p.folder.endswith(SUBFOLDER)]
        for page in top:
            if page.kind == "content" and page not in sub:
                lines.append(f"      - {yaml_str(page.title)}: {yaml_str(page.path('mkdocs'))}")
        if sub:
            lines.append(f"      - {yaml_str(SUBFOLDER)}:")
            for page in sub:
                if page.kind == "content":
                    lines.append(
                        f"          - {yaml_str(page.title)}: {yaml_str(page.path('mkdocs'))}"
                    )
    lines.append("  - Blog: https://example.org/blog")
    return "\n".join(lines) + "\n"


def write_tree(source: Source, variant: str, root: Path) -> int:
    """Write one source tree; returns its size in bytes."""
    docs = root / "docs" if variant == "mkdocs" else root
    files: dict[str, bytes] = {}
    for page in source.pages:
        files[page.path(variant)] = page_text(page, source, variant)
    for image in source.images:
        files[image.path] = image.data
    if variant == "otter":
        sidebar = "".join(f"- [[{source.pages[n].title}]]\n" for n in source.unit_pages.values())
        files["_Sidebar.md"] = f"# Units\n\n{sidebar}".encode()
        files["_Footer.md"] = b"Generated for the import benchmark.\n"
    for path, data in files.items():
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if variant == "mkdocs":
        (root / "mkdocs.yml").write_text(mkdocs_yml(source))
    else:
        subprocess.run(["git", "init", "-q", str(root)], check=True)  # as a cloned wiki has
    return sum(len(d) for d in files.values())


# ---------------------------------------------------------------- running and verifying


@dataclass
class Done:
    seconds: float | None  # None: stopped at the bound
    code: int
    out: str
    err: str


def run(label: str, cmd: list[str], bound: float, cwd: Path | None = None) -> Done:
    progress(f"  {label}: {' '.join(cmd)}")
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        progress(f"  {label}: stopped at the {bound:.0f} s bound")
        return Done(None, -9, out, err)
    seconds = time.perf_counter() - start
    progress(f"  {label}: {seconds:.1f} s (exit {proc.returncode})")
    return Done(seconds, proc.returncode, out, err)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def html_files(out: Path) -> tuple[int, float]:
    files = [p for p in out.rglob("*") if p.is_file()] if out.is_dir() else []
    return sum(1 for p in files if p.suffix == ".html"), sum(p.stat().st_size for p in files) / 1e6


def output_note(done: Done, out: Path) -> str:
    files, megabytes = html_files(out)
    written = f"{files:,} HTML files, {megabytes:,.0f} MB"
    return written if done.seconds is not None else f"stopped at the bound after {written}"


def tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


@dataclass
class Row:
    step: str
    tree: str
    seconds: list[float | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # from the last run

    def cell(self, bound: float) -> str:
        if not self.seconds:
            return "-"
        if any(s is None for s in self.seconds):
            return f"> {bound:.0f}"
        return f"{statistics.median(s for s in self.seconds if s is not None):.1f}"

    def spread(self) -> str:
        done = [s for s in self.seconds if s is not None]
        if len(done) < 2:
            return ""
        return f"{min(done):.1f}-{max(done):.1f}"


@dataclass
class Bench:
    source: Source
    bound: float
    processes: int
    work: Path
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    starter_pages: int = 0

    def row(self, step: str, tree: str) -> Row:
        return self.rows.setdefault((step, tree), Row(step, tree))

    def fail(self, message: str) -> None:
        progress(f"  FAILED: {message}")
        self.failures.append(message)

    def expect(self, ok: bool, message: str) -> bool:
        if not ok:
            self.fail(message)
        return ok


def count_checked(stderr: str) -> int:
    found = re.search(r"(\d+) pages checked", stderr)
    return int(found.group(1)) if found else -1


def fresh_wiki(bench: Bench, name: str) -> tuple[Path, Path]:
    repo, instance = bench.work / f"{name}-wiki", bench.work / f"{name}-instance"
    for path in (repo, instance):
        shutil.rmtree(path, ignore_errors=True)
    subprocess.run(["masterywiki", "init", str(repo)], check=True, capture_output=True)
    return repo, instance


def parse_json(done: Done, what: str, bench: Bench) -> Any:
    """The command's JSON output, or None (a failure noted) if it failed or wrote none."""
    try:
        return json.loads(done.out)
    except ValueError:
        bench.fail(f"{what} failed (exit {done.code}): {tail(done.err or done.out)}")
        return None


def import_tree(bench: Bench, tree: str, src: Path, build: bool) -> None:
    """One run on one tree: dry run, apply, check (and build) on a fresh wiki."""
    source, what = bench.source, f"{tree} tree"
    repo, instance = fresh_wiki(bench, tree)
    content = ["--repo", str(repo), "--instance", str(instance)]
    head0, count0 = git(repo, "rev-parse", "HEAD"), int(git(repo, "rev-list", "--count", "HEAD"))
    expected_pages = len(source.pages)
    expected_images = len(source.linked_images)

    dry = run(
        "import (dry run)",
        ["masterywiki", "import", str(src), *content, "--format", "json"],
        bench.bound,
    )
    row = bench.row("import, dry run", tree)
    row.seconds.append(dry.seconds)
    plan = parse_json(dry, f"{what} dry run", bench)
    if plan is None:
        return
    bench.expect(dry.code == 0, f"{what} dry run: exit {dry.code}")
    kinds = Counter(e["kind"] for e in plan["entries"] if e["severity"] == "warning")
    unresolved = kinds.get("unresolved", 0) + kinds.get("anchor", 0)
    row.notes = [
        f"{plan['pages']:,} pages, {plan['attachments']} attachments, "
        f"{len(plan['files']):,} files to write, "
        f"{sum(1 for e in plan['entries'] if e['kind'] == 'link'):,} links rewritten, "
        f"{plan['warnings']} warning{'s' * (plan['warnings'] != 1)}"
        + (f" ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})" if kinds else "")
    ]
    bench.expect(
        plan["dry_run"] is True and plan["commit"] is None,
        f"{what} dry run: reported dry_run={plan['dry_run']} commit={plan['commit']}",
    )
    bench.expect(
        git(repo, "rev-parse", "HEAD") == head0 and not git(repo, "status", "--porcelain"),
        f"{what} dry run changed the wiki",
    )
    bench.expect(
        plan["pages"] == expected_pages,
        f"{what} dry run: {plan['pages']} pages planned, {expected_pages} in the source",
    )
    bench.expect(
        plan["attachments"] == expected_images,
        f"{what} dry run: {plan['attachments']} attachments planned, "
        f"{expected_images} images linked in the source",
    )
    bench.expect(
        unresolved == 0,
        f"{what} dry run: {unresolved} links unresolved or anchors "
        "dropped; every generated link has a target",
    )

    applied = run(
        "import --apply",
        ["masterywiki", "import", str(src), *content, "--apply", "--format", "json"],
        bench.bound,
    )
    row = bench.row("import --apply", tree)
    row.seconds.append(applied.seconds)
    result = parse_json(applied, f"{what} apply", bench)
    if result is None:
        return
    bench.expect(applied.code == 0, f"{what} apply: exit {applied.code}")
    head1, count1 = git(repo, "rev-parse", "HEAD"), int(git(repo, "rev-list", "--count", "HEAD"))
    changed = git(repo, "diff-tree", "-r", "--no-commit-id", "--name-status", head0, head1)
    status: dict[str, str] = {}  # path -> A(dded), M(odified), ...
    for line in changed.splitlines():
        letter, _, path = line.partition("\t")
        status[path] = letter
    added_md = [p for p, s in status.items() if s == "A" and p.endswith(".md")]
    imported = [e["new"] for e in result["entries"] if e["kind"] == "page"]
    row.notes = [
        f"{count1 - count0} commit, {len(status):,} paths "
        f"({sum(1 for s in status.values() if s == 'A'):,} added, "
        f"{sum(1 for s in status.values() if s == 'M')} modified)"
    ]
    bench.expect(count1 - count0 == 1, f"{what} apply made {count1 - count0} commits, not 1")
    bench.expect(
        result["commit"] == head1 and git(repo, "rev-parse", "HEAD~1") == head0,
        f"{what} apply: reported commit {result['commit']}, HEAD is {head1}",
    )
    bench.expect(
        sorted(result["files"]) == sorted(plan["files"]),
        f"{what} apply wrote another plan than the dry run showed",
    )
    bench.expect(
        set(status) == set(result["files"]),
        f"{what} apply: the commit changes {len(status)} paths, the plan has "
        f"{len(result['files'])} files",
    )
    bench.expect(
        len(imported) == result["pages"] == expected_pages and set(imported) <= set(added_md),
        f"{what} apply: {len(imported)} pages reported imported, {result['pages']} "
        f"counted, {expected_pages} in the source; "
        f"{len(set(imported) - set(added_md))} of them not added by the commit",
    )

    checked = run("check", ["masterywiki", "check", *content, "--format", "json"], bench.bound)
    row = bench.row("check", tree)
    row.seconds.append(checked.seconds)
    findings = parse_json(checked, f"{what} check", bench)
    if findings is not None:
        errors = [f for f in findings if f["severity"] == "error"]
        warned = Counter(f["kind"] for f in findings if f["severity"] != "error")
        pages_checked = count_checked(checked.err)
        row.notes = [
            f"{pages_checked:,} pages: {len(errors)} errors, "
            f"{sum(warned.values())} warnings"
            + (f" ({', '.join(f'{k} {n}' for k, n in warned.most_common())})" if warned else "")
        ]
        bench.expect(
            not errors and checked.code == 0,
            f"{what} check: {len(errors)} errors (exit {checked.code}), e.g. "
            + "; ".join(f"{e['path']}:{e['line']}: {e['message']}" for e in errors[:3]),
        )
        bench.expect(
            pages_checked == bench.starter_pages + len(added_md),
            f"{what} check saw {pages_checked} pages; the starter's "
            f"{bench.starter_pages} + {len(added_md)} added makes "
            f"{bench.starter_pages + len(added_md)}",
        )

    if build:
        out, cold = bench.work / f"{tree}-site", bench.work / f"{tree}-build-instance"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cold, ignore_errors=True)
        built = run(
            "build",
            [
                "masterywiki",
                "build",
                str(out),
                "--repo",
                str(repo),
                "--instance",
                str(cold),
                "--processes",
                str(bench.processes),
            ],
            bench.bound,
        )
        row = bench.row("build", tree)
        row.seconds.append(built.seconds)
        row.notes = [f"{output_note(built, out)}; fresh instance, {bench.processes} processes"]
        bench.expect(
            built.code == 0 or built.seconds is None,
            f"{what} build failed ({built.code}): {tail(built.err)}",
        )
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cold, ignore_errors=True)


def mkdocs_build(bench: Bench, src: Path, binary: Path) -> None:
    site = bench.work / "mkdocs-run"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(src, site)
    done = run("mkdocs build", [str(binary), "build", "-q"], bench.bound, cwd=site)
    row = bench.row("mkdocs build -q (peer)", "mkdocs")
    row.seconds.append(done.seconds)
    row.notes = [f"{output_note(done, site / 'site')}; default theme, the nav in every page"]
    bench.expect(
        done.code == 0 or done.seconds is None,
        f"mkdocs build failed ({done.code}): {tail(done.err)}",
    )
    shutil.rmtree(site, ignore_errors=True)


# ---------------------------------------------------------------- report


ORDER = [
    ("import, dry run", "otter"),
    ("import --apply", "otter"),
    ("check", "otter"),
    ("import, dry run", "mkdocs"),
    ("import --apply", "mkdocs"),
    ("check", "mkdocs"),
    ("build", "otter"),
    ("build", "mkdocs"),
    ("mkdocs build -q (peer)", "mkdocs"),
]
TREES = {"otter": "Otter/Gollum", "mkdocs": "MkDocs"}


def table(bench: Bench) -> str:
    lines = [
        "| tool | step | source tree | seconds (median) | range | notes |",
        "|---|---|---|---:|---|---|",
    ]
    for key in ORDER:
        if (row := bench.rows.get(key)) is None:
            continue
        tool = "mkdocs" if "peer" in row.step else "masterywiki"
        step = "build -q" if tool == "mkdocs" else row.step
        lines.append(
            f"| {tool} | {step} | {TREES[row.tree]} | {row.cell(bench.bound)} | "
            f"{row.spread()} | {'; '.join(row.notes)} |"
        )
    apply_row = bench.rows.get(("import --apply", "mkdocs"))
    build_row = bench.rows.get(("build", "mkdocs"))
    if apply_row and build_row and len(apply_row.seconds) == len(build_row.seconds):
        sums = [
            a + b if a is not None and b is not None else None
            for a, b in zip(apply_row.seconds, build_row.seconds, strict=True)
        ]
        total = Row("import --apply + build", "mkdocs", sums)
        lines.append(
            f"| masterywiki | import --apply + build | MkDocs | {total.cell(bench.bound)}"
            f" | {total.spread()} | MkDocs project to static site, as the peer does |"
        )
    return "\n".join(lines)


def report(
    bench: Bench, args: argparse.Namespace, load_before: str, sizes: dict[str, int], elapsed: float
) -> str:
    source = bench.source
    mkdocs_python = str(VENVS["mkdocs"][0] / "bin" / "python")
    kinds = Counter(p.kind for p in source.pages)
    lines = [
        f"# Import at {args.pages:,} pages",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (nproc), {platform.platform()}, "
        f"Python {platform.python_version()}, load average before run {load_before}",
        f"- masterywiki {version_of(sys.executable, 'masterywiki')} at {head_commit()}; "
        f"mkdocs {version_of(mkdocs_python, 'mkdocs')}; {git(BENCH, 'version')}",
        f"- source (seed {args.seed}): {len(source.pages):,} pages ({kinds['content']:,} "
        f"pages, {kinds['twin']} names colliding after normalising, {kinds['unit']} unit "
        f"pages, a home page), {len(source.linked_images)} linked PNGs + 1 unlinked; "
        f"Otter/Gollum tree {sizes.get('otter', 0) / 1e6:.1f} MB, "
        f"MkDocs tree {sizes.get('mkdocs', 0) / 1e6:.1f} MB",
        f"- {args.repeat} run{'s' * (args.repeat != 1)} of every step, each import on a fresh "
        f"`masterywiki init` wiki and instance; {elapsed / 60:.1f} minutes in all",
        "",
        table(bench),
        "",
    ]
    if bench.failures:
        lines += ["Failed verifications:", ""]
        lines += [f"- {f}" for f in bench.failures]
        lines.append("")
    else:
        lines += [
            "Verified in every run: the dry run wrote nothing; `--apply` made exactly one "
            "commit, whose changed paths are the plan's files (the same as the dry run's) "
            "and which adds every source page; no link was left unresolved; `check` found "
            "no error and counted the starter's pages plus the added ones.",
            "",
        ]
    lines.append("One run on a noisy shared machine: compare rows of this run only.")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


@dataclass
class Trees:
    otter: Path
    mkdocs: Path


def each_run(repeat: int) -> Iterator[int]:
    for n in range(1, repeat + 1):
        progress(f"run {n}/{repeat}")
        yield n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of every step (median)")
    parser.add_argument(
        "--trees", default="otter,mkdocs", help="source trees to import: otter, mkdocs or both"
    )
    parser.add_argument(
        "--peer",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run mkdocs build beside masterywiki",
    )
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="masterywiki build --processes"
    )
    parser.add_argument("--bound", type=float, default=900.0, help="seconds per command")
    parser.add_argument("--keep", type=Path, help="write the source trees here and keep them")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    trees = args.trees.split(",")
    if args.pages < UNITS or args.repeat < 1 or not set(trees) <= set(TREES):
        parser.error(f"--pages >= {UNITS}, --repeat >= 1, --trees from otter,mkdocs")
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    mkdocs_binary = ensure_venv("mkdocs") if args.peer else None
    progress(f"generating {args.pages} pages (seed {args.seed})")
    source = generate(args.pages, args.seed)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        work = Path(tmp)
        base = args.keep or work / "sources"
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
        paths = Trees(base / "Old Wiki", base / "handbook")
        sizes = {
            "otter": write_tree(source, "otter", paths.otter),
            "mkdocs": write_tree(source, "mkdocs", paths.mkdocs),
        }
        progress(
            f"sources in {base}: {sizes['otter'] / 1e6:.1f} MB + {sizes['mkdocs'] / 1e6:.1f} MB"
        )
        bench = Bench(source, args.bound, args.processes, work)
        repo, instance = fresh_wiki(bench, "starter")
        first = subprocess.run(
            ["masterywiki", "check", "--repo", str(repo), "--instance", str(instance)],
            capture_output=True,
            text=True,
        )
        bench.starter_pages = count_checked(first.stderr)
        steps: list[Callable[[], None]] = []
        if "otter" in trees:
            steps.append(lambda: import_tree(bench, "otter", paths.otter, "mkdocs" not in trees))
        if "mkdocs" in trees:
            steps.append(lambda: import_tree(bench, "mkdocs", paths.mkdocs, True))
        if mkdocs_binary is not None:
            steps.append(functools.partial(mkdocs_build, bench, paths.mkdocs, mkdocs_binary))
        for _ in each_run(args.repeat):
            for step in steps:
                step()
    text = report(bench, args, load_before, sizes, time.perf_counter() - started)
    print(text)
    out = args.out or BENCH / "results" / f"import-{args.pages}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    progress(f"written to {out}")
    return 1 if bench.failures else 0


if __name__ == "__main__":
    sys.exit(main())
