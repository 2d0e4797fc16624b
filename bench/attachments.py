"""Attachments benchmark: uploads and serving in masterywiki beside An Otter Wiki.

    python bench/attachments.py --pages 1000
    python bench/attachments.py --pages 10000

Each server runs under gunicorn with 2 sync workers on a free 127.0.0.1 port, one after the
other, on its own fresh clone of the generated corpus (bench/corpus.py), since uploads
write to it.  The same generated files (real PNGs built with zlib/struct, PDFs starting
with ``%PDF-1.7``, each upload's bytes distinct) go to both servers.  Per server:

* uploads, one at a time, each after loading the page's upload form (timed apart), the
  redirect followed as a browser does: ~100 KB PNGs to distinct pages, ~2 MB PDFs to
  distinct pages, the same PNG name replaced with new bytes, several PNGs onto one page;
* commits: after the server stopped, every upload's bytes are looked up (by blob id) in
  ``git log --raw`` of its path, HEAD must hold the last upload, and the commits added
  are counted;
* serving, by an anonymous reader: the first GET of each uploaded file (cold), repeated
  GETs of one PNG and one PDF (warm), ``If-None-Match`` revalidation (304 expected), and
  ``wrk -t1 -c2`` on one PNG URL;
* page views: first view of pages with one attachment beside unseen pages without, and
  warm views of a page with several attachments beside one without.

The markdown table is printed and written to bench/results/attachments-<pages>.md.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import importlib.util
import os
import platform
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import corpus
import edits
import pageview
from edits import Client, Reply, Timings, git, hidden_value, meta_csrf, within
from pageview import OTTER_VENV, ServerSpec, fmt

BENCH = pageview.BENCH
PRIME_PAGES = 4
SMALL_BYTES, LARGE_BYTES = 100 * 1024, 2 * 1024 * 1024

# ---------------------------------------------------------------- generated files


def make_png(target: int, seed: int) -> bytes:
    """A valid RGB PNG of noise (so zlib cannot shrink it), about ``target`` bytes."""
    width = 256
    height = max(1, target // (width * 3))
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def make_pdf(target: int, seed: int) -> bytes:
    """A one-page PDF 1.7 with a cross-reference table, padded to ``target`` bytes by an
    unreferenced binary stream."""
    drawing = b"0.2 0.4 0.8 RG 4 w 72 72 m 523 770 l S"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing),
    ]
    pad = random.Random(seed).randbytes(max(0, target - 900))
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(pad), pad))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def blob_id(data: bytes) -> str:
    """The git blob id these bytes get once committed."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# ---------------------------------------------------------------- HTTP


@dataclass
class Answer(Reply):
    etag: str = ""


class Browser(Client):
    """edits.Client plus multipart uploads, extra request headers and the ETag."""

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Answer:
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        seconds = time.perf_counter() - start
        for value in resp.msg.get_all("Set-Cookie") or []:
            self._store(value)
        return Answer(
            resp.status, resp.getheader("Location", ""), data, seconds, resp.getheader("ETag", "")
        )

    def upload(
        self, path: str, fields: dict[str, str], filename: str, data: bytes, mimetype: str
    ) -> Answer:
        boundary = f"bench-{random.randrange(16**16):016x}"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: {mimetype}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.send(
            "POST",
            path,
            b"".join(parts),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )


# ---------------------------------------------------------------- the two wikis


@dataclass(frozen=True)
class Flavor:
    key: str
    label: str
    form: Callable[[str], str]  # page URL -> upload form URL
    file: Callable[[str, str], str]  # page URL, name -> file URL
    stored: Callable[[str, str], str]  # page path, name -> repository path
    token: Callable[[str], str | None]  # form HTML -> CSRF token
    note_field: str
    redirect: int


MW = Flavor(
    "masterywiki",
    "masterywiki",
    lambda url: f"{url}/-/files",
    lambda url, name: f"{url}/-/files/{name}",
    lambda path, name: f"{path.removesuffix('.md')}.files/{name}",
    lambda text: hidden_value(text, "csrf_token"),
    "summary",
    303,
)
OTTER = Flavor(
    "otter",
    "An Otter Wiki",
    lambda url: f"{url}/attachments",
    lambda url, name: f"{url}/a/{name}",
    lambda path, name: f"{path.removesuffix('.md')}/{name}",
    meta_csrf,
    "message",
    302,
)


@dataclass
class Sent:
    path: str  # repository path
    blob: str
    answered: bool = False


@dataclass
class Result:
    label: str
    key: str
    ready_s: float | None = None
    search_index: str = ""
    rows: dict[str, Timings] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    commits: int | None = None
    kept: int | None = None
    wrk: pageview.WrkResult | None = None
    errors: list[str] = field(default_factory=list)
    log_exceptions: list[str] = field(default_factory=list)
    capped: set[str] = field(default_factory=set)  # rows whose sample the budget cut short

    def row(self, name: str) -> Timings:
        return self.rows.setdefault(name, Timings())

    def error(self, message: str) -> None:
        self.errors.append(message)

    def more(self, row: str, deadline: float) -> bool:
        """Take another sample for ``row`` before ``deadline`` (always at least one)."""
        if within(deadline, len(self.row(row).ms)):
            return True
        self.capped.add(row)
        return False


ROWS = [
    ("form", "upload form (GET)"),
    ("png", "upload PNG ~100 KB, distinct pages"),
    ("pdf", "upload PDF ~2 MB, distinct pages"),
    ("replace", "replace the same PNG (new bytes)"),
    ("multi", "more PNGs onto one page"),
    ("commits", "uploads sent / answered / commits / right bytes committed"),
    ("png_cold", "GET PNG, first fetch"),
    ("png_warm", "GET PNG, warm"),
    ("pdf_cold", "GET PDF, first fetch"),
    ("pdf_warm", "GET PDF, warm"),
    ("png_304", "GET PNG with If-None-Match (304)"),
    ("pdf_304", "GET PDF with If-None-Match (304)"),
    ("wrk", "wrk -t1 -c2 -d{duration}s on one PNG URL: req/s, latency ms"),
    ("view_first_att", "page view, first, page with 1 attachment"),
    ("view_first_plain", "page view, first, page without attachments"),
    ("view_warm_att", "page view, warm, page with {multi} attachments"),
    ("view_warm_plain", "page view, warm, page without attachments"),
]


@dataclass
class Plan:
    prime: list[int]
    small: list[int]
    large: list[int]
    multi: int
    plain: list[int]  # never given attachments: first views, and one warm page


def make_plan(spec: corpus.CorpusSpec, args: argparse.Namespace) -> Plan:
    order = list(range(spec.pages))
    random.Random(f"attachments:{spec.seed}").shuffle(order)
    order.remove(corpus.hot_page_index(spec))
    taken = iter(order)

    def take(n: int) -> list[int]:
        return [next(taken) for _ in range(n)]

    return Plan(
        prime=take(PRIME_PAGES),
        small=take(args.small),
        large=take(args.large),
        multi=take(1)[0],
        plain=take(args.small + 1),
    )


# ---------------------------------------------------------------- measurements


def upload(
    editor: Browser,
    fl: Flavor,
    result: Result,
    row: str,
    index: int,
    name: str,
    data: bytes,
    spec: corpus.CorpusSpec,
) -> None:
    """Load the page's upload form, post one file, follow the redirect."""
    url = corpus.page_url(index, spec.pages)
    try:
        form = editor.send("GET", fl.form(url))
        token = fl.token(form.text)
        if form.status != 200 or not token:
            result.error(f"GET {fl.form(url)}: HTTP {form.status}, CSRF token {bool(token)}")
            return
        result.row("form").ms.append(form.ms)
        sent = Sent(fl.stored(corpus.page_path(index, spec.pages), name), blob_id(data))
        result.sent.append(sent)
        mimetype = "image/png" if name.endswith(".png") else "application/pdf"
        reply = editor.upload(
            fl.form(url),
            {"csrf_token": token, fl.note_field: f"bench {name}"},
            name,
            data,
            mimetype,
        )
        if reply.status != fl.redirect or not reply.location.endswith(fl.form(url)):
            result.error(
                f"POST {fl.form(url)} ({name}, {len(data):,} bytes): HTTP "
                f"{reply.status} to {reply.location!r}: {reply.text[:120]!r}"
            )
            return
        sent.answered = True
        result.row(row).ms.append(reply.ms)
        editor.send("GET", fl.form(url))  # as a browser does: shows (and clears) the message
    except OSError as exc:
        result.error(f"upload {name} to {url}: {exc}")


def uploads(
    editor: Browser,
    fl: Flavor,
    result: Result,
    plan: Plan,
    spec: corpus.CorpusSpec,
    args: argparse.Namespace,
    budget: float,
) -> None:
    deadline = time.perf_counter() + budget
    steps = [
        ("png", i, "bench-figure.png", make_png, SMALL_BYTES, n) for n, i in enumerate(plan.small)
    ]
    steps += [
        ("pdf", i, "bench-report.pdf", make_pdf, LARGE_BYTES, 100 + n)
        for n, i in enumerate(plan.large)
    ]
    steps += [
        ("replace", plan.small[0], "bench-figure.png", make_png, SMALL_BYTES, 200 + n)
        for n in range(args.replace)
    ]
    steps += [
        ("multi", plan.multi, f"bench-figure-{n + 1}.png", make_png, SMALL_BYTES, 300 + n)
        for n in range(args.multi)
    ]
    for row, index, name, maker, size, seed in steps:
        if result.more(row, deadline):
            upload(editor, fl, result, row, index, name, maker(size, seed), spec)


def fetch(
    reader: Browser,
    url: str,
    into: Timings,
    result: Result,
    expect: bytes | None = None,
    etag: str = "",
) -> Answer | None:
    try:
        reply = reader.send("GET", url, headers={"If-None-Match": etag} if etag else None)
    except OSError as exc:
        result.error(f"GET {url}: {exc}")
        return None
    wanted = 304 if etag else 200
    if reply.status != wanted:
        result.error(
            f"GET {url}{' (If-None-Match)' if etag else ''}: HTTP {reply.status}, expected {wanted}"
        )
        return None
    if expect is not None and blob_id(reply.body) != blob_id(expect):
        result.error(f"GET {url}: {len(reply.body):,} bytes, not the uploaded file")
        return None
    into.ms.append(reply.ms)
    return reply


def serving(
    reader: Browser,
    fl: Flavor,
    result: Result,
    plan: Plan,
    spec: corpus.CorpusSpec,
    args: argparse.Namespace,
    budget: float,
) -> None:
    """First fetches of every uploaded file, then warm and 304 fetches of one PNG and PDF."""
    deadline = time.perf_counter() + budget
    # the bytes each URL should hold now (the replacements changed small[0]'s PNG)
    png = {i: make_png(SMALL_BYTES, n) for n, i in enumerate(plan.small)}
    if args.replace:
        png[plan.small[0]] = make_png(SMALL_BYTES, 200 + args.replace - 1)
    pdf = {i: make_pdf(LARGE_BYTES, 100 + n) for n, i in enumerate(plan.large)}
    for row, files, name in (
        ("png_cold", png, "bench-figure.png"),
        ("pdf_cold", pdf, "bench-report.pdf"),
    ):
        for index, data in files.items():
            if result.more(row, deadline):
                fetch(
                    reader,
                    fl.file(corpus.page_url(index, spec.pages), name),
                    result.row(row),
                    result,
                    data,
                )
    for kind, files, name in (("png", png, "bench-figure.png"), ("pdf", pdf, "bench-report.pdf")):
        if not files:
            continue
        index = list(files)[-1]
        url = fl.file(corpus.page_url(index, spec.pages), name)
        deadline = time.perf_counter() + budget / 4
        last = None
        for _ in range(args.repeat):
            if result.more(f"{kind}_warm", deadline):
                last = fetch(reader, url, result.row(f"{kind}_warm"), result, files[index]) or last
        if last is None or not last.etag:
            result.row(f"{kind}_304").note = "no ETag"
            continue
        for _ in range(args.repeat):
            if result.more(f"{kind}_304", deadline):
                fetch(reader, url, result.row(f"{kind}_304"), result, etag=last.etag)


def page_views(
    reader: Browser,
    fl: Flavor,
    result: Result,
    plan: Plan,
    spec: corpus.CorpusSpec,
    args: argparse.Namespace,
    budget: float,
) -> None:
    """First views alternate between pages with one attachment and unseen pages without;
    warm views alternate between the page with several attachments and one without."""

    def view(index: int, row: str | None, listed: str = "") -> None:
        url = corpus.page_url(index, spec.pages)
        try:
            reply = reader.send("GET", url)
        except OSError as exc:
            result.error(f"page view {url}: {exc}")
            return
        if reply.status != 200 or corpus.page_title(index, spec.seed) not in reply.text:
            result.error(f"page view {url}: HTTP {reply.status} or title missing")
        elif listed and listed not in reply.text:
            result.error(f"page view {url}: attachment {listed} not listed")
        elif row:
            result.row(row).ms.append(reply.ms)

    deadline = time.perf_counter() + budget
    for with_file, without in zip(plan.small, plan.plain, strict=False):
        if result.more("view_first_att", deadline):
            view(with_file, "view_first_att")
            view(without, "view_first_plain")
    # masterywiki lists a page's files under it; An Otter Wiki only on its attachments page
    listed = MW.file(corpus.page_url(plan.multi, spec.pages), "bench-figure-1.png")
    listed = listed if fl is MW and args.multi else ""
    warm_plain = plan.plain[-1]
    view(plan.multi, None, listed)  # both loaded once, untimed
    view(warm_plain, None)
    deadline = time.perf_counter() + budget
    for _ in range(args.repeat):
        if result.more("view_warm_att", deadline):
            view(plan.multi, "view_warm_att")
            view(warm_plain, "view_warm_plain")


def load_test(port: int, url: str, duration: int, result: Result) -> None:
    cmd = [
        "wrk",
        "-t1",
        "-c2",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        f"http://127.0.0.1:{port}{url}",
    ]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=duration + 60)
    if proc.returncode != 0:
        result.error(f"wrk failed: {proc.stderr.strip() or proc.stdout.strip()}")
        return
    result.wrk = pageview.parse_wrk(proc.stdout)
    if result.wrk.bad:
        result.error(f"wrk: {result.wrk.bad} non-2xx/3xx responses")


def verify(repo: Path, result: Result, before: int) -> None:
    """Commits added, and how many uploads' exact bytes were committed at their path."""
    result.commits = edits.commit_count(repo) - before
    by_path: dict[str, list[str]] = {}
    for sent in result.sent:
        by_path.setdefault(sent.path, []).append(sent.blob)
    kept = 0
    for path, blobs in by_path.items():
        raw = git(repo, "log", "--format=", "--raw", "--no-abbrev", "HEAD", "--", path)
        committed = {line.split()[3] for line in raw.splitlines() if line.startswith(":")}
        kept += sum(1 for blob in blobs if blob in committed)
        proc = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", f"HEAD:{path}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.stdout.strip() != blobs[-1]:
            result.error(
                f"HEAD:{path} is {proc.stdout.strip()[:10] or 'missing'}, "
                f"not the last upload {blobs[-1][:10]}"
            )
    result.kept = kept


def measure(
    fl: Flavor,
    args: argparse.Namespace,
    plan: Plan,
    spec: corpus.CorpusSpec,
    source: Path,
    workdir: Path,
) -> Result:
    result = Result(fl.label, fl.key)
    repo = pageview.clone(source, workdir / f"{fl.key}-repo")
    if fl is MW:
        instance = workdir / "mw-instance"
        instance.mkdir()
        edits.add_user(repo, instance)
        holder = edits.Result(fl.label, fl.key)  # where edits.reindex notes what it did
        edits.reindex(repo, instance, args, holder)
        result.search_index = holder.search_index
        mine = [sys.executable, "-m", "gunicorn"]
        server = ServerSpec(
            fl.key,
            fl.label,
            [*pageview.gunicorn_args(mine), "masterywiki:create_app()"],
            {"MASTERYWIKI_REPO": str(repo), "MASTERYWIKI_INSTANCE": str(instance)},
            "/-/healthz",
        )
        timeout, budget = args.timeout, 1e9
    else:
        argv = [
            *pageview.gunicorn_args([str(pageview.ensure_otter_venv())]),
            "otterwiki.server:app",
        ]
        env = {"REPOSITORY": str(repo), "SECRET_KEY": "bench-secret-key-0123456789abcdef"}
        server = ServerSpec(fl.key, fl.label, argv, env, "/-/healthz")
        timeout, budget = args.otter_timeout, args.otter_budget
    before = edits.commit_count(repo)
    port = pageview.free_port()
    log = workdir / f"{fl.key}.log"
    print(f"== {fl.label} on port {port}", flush=True)
    try:
        with pageview.running(server, port, log, args.start_timeout) as ready_s:
            result.ready_s = ready_s
            editor, reader = Browser(port, timeout), Browser(port, timeout)
            for index in plan.prime:
                pageview.check_page(port, index, spec, titles=False)
            if fl is MW:
                edits.mw_login(editor)
            uploads(editor, fl, result, plan, spec, args, budget)
            serving(reader, fl, result, plan, spec, args, budget)
            page_views(reader, fl, result, plan, spec, args, budget)
            png_url = fl.file(corpus.page_url(plan.small[-1], spec.pages), "bench-figure.png")
            load_test(port, png_url, args.duration, result)
    except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as exc:
        result.error(f"{exc}\n{pageview.log_tail(log)}")
    result.log_exceptions = edits.log_exceptions(log)
    try:
        verify(repo, result, before)
    except (subprocess.SubprocessError, ValueError) as exc:
        result.error(f"checking commits: {exc}")
    for error in result.errors[:5]:
        print(f"   ERROR {error}", flush=True)
    print(f"   uploads sent/answered/commits/kept {commits_cell(result)}", flush=True)
    return result


# ---------------------------------------------------------------- reporting


def commits_cell(r: Result) -> str:
    answered = sum(1 for s in r.sent if s.answered)
    return (
        f"{len(r.sent)} / {answered} / {'n/a' if r.commits is None else r.commits} / "
        f"{'n/a' if r.kept is None else r.kept}"
    )


def all_kept(r: Result) -> bool:
    return bool(r.sent) and len(r.sent) == sum(s.answered for s in r.sent) == r.commits == r.kept


def cell(r: Result, key: str) -> str:
    if key == "commits":
        return commits_cell(r)
    if key == "wrk":
        return (
            f"{r.wrk.req_s:,.0f} req/s, p50 {r.wrk.p50_ms:,.2f} / p99 {r.wrk.p99_ms:,.1f}"
            if r.wrk
            else "n/a"
        )
    return r.rows[key].cell() if key in r.rows else "n/a"


def table(results: list[Result], args: argparse.Namespace) -> str:
    lines = [
        "| | " + " | ".join(r.label + (" (errors)" if r.errors else "") for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for key, label in ROWS:
        lines.append(
            f"| {label.format(multi=args.multi, duration=args.duration)} | "
            + " | ".join(cell(r, key) for r in results)
            + " |"
        )
    return "\n".join(lines)


def report(
    results: list[Result],
    spec: corpus.CorpusSpec,
    args: argparse.Namespace,
    load_before: str,
    elapsed: float,
) -> str:
    otter_python = str(OTTER_VENV / "bin" / "python")
    machine = (
        f"- machine: {os.cpu_count()} CPUs (nproc), {platform.platform()}, "
        f"Python {platform.python_version()}, load average before run {load_before}"
    )
    versions = (
        f"- masterywiki {pageview.version_of(sys.executable, 'masterywiki')} at "
        f"{pageview.head_commit()}; otterwiki "
        f"{pageview.version_of(otter_python, 'otterwiki')}; gunicorn -w 2 (sync)"
    )
    png, pdf = len(make_png(SMALL_BYTES, 0)), len(make_pdf(LARGE_BYTES, 100))
    setup = (
        f"- corpus: {spec.pages} pages, {spec.history} edit commits, seed {spec.seed}; "
        f"files: PNG {png:,} bytes, PDF {pdf:,} bytes; {args.small} PNGs and {args.large} "
        f"PDFs to distinct pages, {args.replace} replacements, {args.multi} PNGs onto one "
        f"page; warm requests repeated {args.repeat} times; run took {elapsed:.0f} s"
    )
    lines = [
        f"# Attachments at {spec.pages:,} pages",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine,
        versions,
        setup,
        "",
        "Latency in ms as p50 / p90 (sample size), one request at a time on new "
        "connections. Uploads by a logged-in editor (masterywiki) or anonymously (An "
        "Otter Wiki, its default); reads by an anonymous reader.",
        "",
        table(results, args),
        "",
        "*Right bytes committed*: uploads whose exact bytes (git blob id) appear in "
        "`git log --raw` of their path; HEAD must also hold each path's last upload. "
        "*Commits*: `git rev-list --count HEAD` after minus before.",
        "",
    ]
    notes = []
    for r in results:
        parts = [f"ready {fmt(r.ready_s, 2)} s"]
        if r.search_index:
            parts.append(f"search index {r.search_index}")
        for key, name in (("png", "PNG"), ("pdf", "PDF")):
            if key in r.rows and r.rows[key].ms:
                parts.append(f"first {name} upload {r.rows[key].ms[0]:,.0f} ms")
        if r.capped:
            budget = args.otter_budget if r.key == "otter" else None
            parts.append(
                "sample cut short by the time budget"
                + (f" ({budget:.0f} s per phase)" if budget else "")
                + ": "
                + ", ".join(sorted(r.capped))
            )
        notes.append(f"- {r.label}: " + "; ".join(parts))
    lines += ["Notes:", "", *notes, ""]
    errors = [f"- {r.label}: {e.splitlines()[0]}" for r in results for e in r.errors[:8]]
    if errors:
        lines += ["Errors:", "", *errors, ""]
    logged = [f"- {r.label}: {line}" for r in results for line in r.log_exceptions[:5]]
    if logged:
        lines += ["Exceptions in the server logs:", "", *logged, ""]
    lines += ["One noisy 2-core machine: compare figures of this run with each other only."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpora", type=Path, default=BENCH / "corpora")
    parser.add_argument(
        "--servers", default="masterywiki,otter", help="comma-separated subset of masterywiki,otter"
    )
    parser.add_argument("--small", type=int, default=20, help="PNG uploads to distinct pages")
    parser.add_argument("--large", type=int, default=10, help="PDF uploads to distinct pages")
    parser.add_argument("--replace", type=int, default=5, help="replacements of one PNG")
    parser.add_argument("--multi", type=int, default=5, help="PNGs uploaded onto one page")
    parser.add_argument("--repeat", type=int, default=30, help="warm requests per URL")
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds per server")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="masterywiki per-request timeout, seconds"
    )
    parser.add_argument("--otter-timeout", type=float, default=120.0)
    parser.add_argument(
        "--otter-budget",
        type=float,
        default=120.0,
        help="seconds per phase (uploads, serving, page views) for An Otter Wiki",
    )
    parser.add_argument(
        "--no-reindex",
        dest="reindex",
        action="store_false",
        help="do not build masterywiki's search index before starting it",
    )
    parser.add_argument("--reindex-timeout", type=float, default=400.0)
    parser.add_argument("--start-timeout", type=float, default=180.0)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results file (default bench/results/attachments-<pages>.md)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get update && apt-get install -y wrk")
    if args.small < 1:
        sys.exit("--small must be at least 1 (its pages are fetched, replaced and loaded)")
    keys = [k.strip() for k in args.servers.split(",") if k.strip()]
    if "masterywiki" in keys and importlib.util.find_spec("masterywiki") is None:
        sys.exit("masterywiki is not importable: pip install -e .")
    spec = corpus.CorpusSpec(args.pages, args.history, args.seed)
    source = args.corpora / f"p{args.pages}-h{args.history}-s{args.seed}"
    corpus.ensure_corpus(source, spec)
    plan = make_plan(spec, args)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    start = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="attachments-", dir=args.corpora) as tmp:
        for fl in (MW, OTTER):
            if fl.key in keys:
                results.append(measure(fl, args, plan, spec, source, Path(tmp)))
    text = report(results, spec, args, load_before, time.perf_counter() - start)
    out = args.out or BENCH / "results" / f"attachments-{args.pages}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text + f"\nwritten to {out}")
    mw_ok = all(all_kept(r) and not r.errors for r in results if r.key == "masterywiki")
    return 0 if mw_ok else 1


if __name__ == "__main__":
    sys.exit(main())
