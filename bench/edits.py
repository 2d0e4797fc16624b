"""Editing benchmark: masterywiki's edit form, saves and history beside An Otter Wiki.

    python bench/edits.py --pages 1000
    python bench/edits.py --pages 10000

Each server runs under gunicorn with 2 sync workers on a free 127.0.0.1 port, one after the
other, on its own fresh clone of the generated corpus (bench/corpus.py), because saves write
to it.  Per server:

* history: the "hot" page (about 500 revisions) ``/<hot>/-/history`` and ``?page=5``, once
  cold and then repeated (An Otter Wiki: ``/<hot>/history``, which has no pagination);
* edit form and save: distinct pages, each opened in the editor (first load) and saved with
  one appended paragraph; then quick successive saves to the same page, each using the fresh
  base from its own form; then a burst from two concurrent clients on distinct pages;
* commits: ``git rev-list --count HEAD`` before and after, and every appended paragraph
  looked up in the final HEAD, so a save that answered "saved" but made no commit shows.

An Otter Wiki's edit form is very slow on large wikis, so it gets a small sample with a
generous per-request timeout, measured last; its saves take the CSRF token from a page view.

The markdown table is printed and written to bench/results/edits-<pages>.md.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import importlib.util
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import corpus
import pageview
from pageview import OTTER_VENV, ServerSpec, fmt, pct

BENCH = pageview.BENCH
USER, PASSWORD = "bench", "bench-password-0123456789"
PRIME_PAGES = 4
TARGETS = {"form_p50_ms": 50.0, "save_p50_ms": 100.0, "history_p50_ms": 30.0}


# ---------------------------------------------------------------- HTTP client with cookies


@dataclass
class Reply:
    status: int
    location: str
    body: bytes
    seconds: float

    @property
    def ms(self) -> float:
        return self.seconds * 1000

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """One browser: a cookie jar (name -> value) and a new connection per request."""

    def __init__(self, port: int, timeout: float, cookies: dict[str, str] | None = None) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies = dict(cookies or {})

    def copy(self) -> Client:
        return Client(self.port, self.timeout, self.cookies)

    def get(self, path: str, timeout: float | None = None) -> Reply:
        return self.request("GET", path, None, timeout)

    def post(self, path: str, form: dict[str, str], timeout: float | None = None) -> Reply:
        return self.request("POST", path, form, timeout)

    def request(
        self, method: str, path: str, form: dict[str, str] | None, timeout: float | None = None
    ) -> Reply:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        payload = None
        if form is not None:
            payload = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body=payload, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        seconds = time.perf_counter() - start
        for value in resp.msg.get_all("Set-Cookie") or []:
            self._store(value)
        return Reply(resp.status, resp.getheader("Location", ""), body, seconds)

    def _store(self, header: str) -> None:
        pair, _, attrs = header.partition(";")
        name, _, value = pair.strip().partition("=")
        attrs = attrs.lower()
        if not value or "max-age=0" in attrs or "expires=thu, 01 jan 1970" in attrs:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


def hidden_value(body: str, name: str) -> str | None:
    """The value of the ``<input name=NAME>`` in ``body``, or None if there is none."""
    for tag in re.findall(r"<input\b[^>]*>", body):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            found = re.search(r'\bvalue="([^"]*)"', tag)
            return html.unescape(found[1]) if found else ""
    return None


def textarea(body: str, name: str) -> str | None:
    found = re.search(
        rf'<textarea\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</textarea>', body, re.S
    )
    if found is None:
        return None
    text = html.unescape(found[1])
    return text[1:] if text.startswith("\n") else text  # as a browser reads it


def meta_csrf(body: str) -> str | None:
    found = re.search(r'<meta name="csrf-token" content="([^"]*)"', body)
    return html.unescape(found[1]) if found else None


# ---------------------------------------------------------------- results


@dataclass
class Timings:
    ms: list[float] = field(default_factory=list)
    first_ms: float | None = None
    note: str = ""

    def cell(self) -> str:
        if not self.ms:
            return self.note or "n/a"
        return f"{pct(self.ms, 50):,.1f} / {pct(self.ms, 90):,.1f} ({len(self.ms)})"


@dataclass
class Result:
    label: str
    key: str
    ready_s: float | None = None
    form: Timings = field(default_factory=Timings)
    form_again: Timings = field(default_factory=Timings)
    save: Timings = field(default_factory=Timings)
    quick: Timings = field(default_factory=Timings)
    concurrent: Timings = field(default_factory=Timings)
    history1: Timings = field(default_factory=Timings)
    history5: Timings = field(default_factory=Timings)
    history_bytes: int = 0
    history_rows: str = ""
    attempted: int = 0
    answered: int = 0
    commits_before: int | None = None
    commits_after: int | None = None
    markers_found: int | None = None
    markers: dict[str, list[str]] = field(default_factory=dict)  # page path -> markers
    errors: list[str] = field(default_factory=list)
    log_exceptions: list[str] = field(default_factory=list)
    search_index: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def commits(self) -> int | None:
        if self.commits_before is None or self.commits_after is None:
            return None
        return self.commits_after - self.commits_before

    def expect(self, path: str, marker: str) -> None:
        with self.lock:
            self.attempted += 1
            self.markers.setdefault(path, []).append(marker)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


@dataclass
class Plan:
    prime: list[int]
    edit: list[int]  # distinct pages: edit form, then save
    quick: list[int]  # pages saved several times in quick succession
    burst: list[list[int]]  # one list of distinct pages per concurrent client
    otter_forms: list[int]  # An Otter Wiki's small edit-form sample
    hot: int


def make_plan(spec: corpus.CorpusSpec, args: argparse.Namespace) -> Plan:
    order = list(range(spec.pages))
    random.Random(f"edits:{spec.seed}").shuffle(order)
    hot = corpus.hot_page_index(spec)
    order.remove(hot)
    taken = iter(order)

    def take(n: int) -> list[int]:
        return [next(taken) for _ in range(n)]

    return Plan(
        prime=take(PRIME_PAGES),
        edit=take(args.forms),
        quick=take(args.quick_pages),
        burst=[take(args.burst) for _ in range(args.clients)],
        otter_forms=take(args.otter_forms),
        hot=hot,
    )


# ---------------------------------------------------------------- git helpers


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, timeout=60
    )
    return proc.stdout


def commit_count(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", "HEAD").strip())


def file_at_head(repo: Path, path: str) -> str:
    return git(repo, "show", f"HEAD:{path}")


def count_markers(repo: Path, result: Result) -> int:
    """How many of the appended paragraphs are in the final HEAD."""
    found = 0
    for path, markers in result.markers.items():
        try:
            text = file_at_head(repo, path)
        except subprocess.CalledProcessError:
            continue
        found += sum(1 for m in markers if m in text)
    return found


def appended(text: str, marker: str) -> str:
    return text.rstrip("\n") + f"\n\nBench edit {marker}: one more sentence.\n"


# ---------------------------------------------------------------- shared steps


def within(deadline: float, have: int) -> bool:
    """Keep sampling while before ``deadline`` (always take at least one sample)."""
    return have == 0 or time.perf_counter() < deadline


def prime(client: Client, plan: Plan, spec: corpus.CorpusSpec) -> None:
    for index in plan.prime:
        with contextlib.suppress(OSError):
            client.get(corpus.page_url(index, spec.pages))


def history(
    client: Client,
    url: str,
    repeat: int,
    budget: float,
    into: Timings,
    result: Result,
    check: Callable[[Reply], str],
) -> Reply | None:
    """GET ``url`` once cold (``first_ms``), then ``repeat`` times (``ms``)."""
    deadline = time.perf_counter() + budget
    last = None
    for n in range(repeat + 1):
        if n and not within(deadline, len(into.ms)):
            break
        try:
            reply = client.get(url)
        except OSError as exc:
            result.error(f"GET {url}: {exc}")
            break
        problem = check(reply)
        if problem:
            result.error(f"GET {url}: {problem}")
            break
        last = reply
        if n == 0:
            into.first_ms = reply.ms
        else:
            into.ms.append(reply.ms)
    return last


def marker_for(result: Result, kind: str, n: int) -> str:
    return f"{result.key}-{kind}-{n}-{random.randrange(16**8):08x}"


# ---------------------------------------------------------------- masterywiki


def add_user(repo: Path, instance: Path) -> None:
    cmd = [
        "masterywiki",
        "user",
        "add",
        USER,
        "--role",
        "editor",
        "--password-stdin",
        "--repo",
        str(repo),
        "--instance",
        str(instance),
    ]
    proc = subprocess.run(
        cmd, input=PASSWORD + "\n", capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"masterywiki user add failed: {proc.stderr.strip()}")


def reindex(repo: Path, instance: Path, args: argparse.Namespace, result: Result) -> None:
    """Build the search index before the server starts, as a running wiki has one.

    Without it, the first POST (the login) starts building the whole index in a
    background thread of one worker, and every measurement competes with it."""
    if not args.reindex:
        result.search_index = "not built before the run (built in the background meanwhile)"
        return
    helptext = subprocess.run(
        ["masterywiki", "--help"], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    if "reindex" not in helptext:
        result.search_index = "no `masterywiki reindex` command"
        return
    start = time.perf_counter()
    proc = subprocess.run(
        ["masterywiki", "reindex", "--repo", str(repo), "--instance", str(instance)],
        capture_output=True,
        text=True,
        timeout=args.reindex_timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"masterywiki reindex failed: {proc.stderr.strip()[-500:]}")
    result.search_index = (
        f"built with `masterywiki reindex` before the server started "
        f"({time.perf_counter() - start:.0f} s)"
    )


def mw_login(client: Client) -> None:
    form = client.get("/-/login")
    token = hidden_value(form.text, "csrf_token")
    if form.status != 200 or token is None:
        raise RuntimeError(f"GET /-/login: HTTP {form.status}, csrf_token {token is not None}")
    reply = client.post(
        "/-/login", {"username": USER, "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    if reply.status != 303:
        raise RuntimeError(f"POST /-/login: HTTP {reply.status}, expected 303")


def mw_history_check(reply: Reply) -> str:
    if reply.status != 200:
        return f"HTTP {reply.status}"
    return "" if "/-/rev/" in reply.text else "no revisions listed"


def mw_edit(
    client: Client,
    result: Result,
    url: str,
    path: str,
    marker: str,
    form_into: Timings,
    save_into: Timings,
) -> None:
    """Open the editor for ``url``, append a paragraph and save with the form's base."""
    try:
        form = client.get(f"{url}/-/edit")
    except OSError as exc:
        result.error(f"GET {url}/-/edit: {exc}")
        return
    text = form.text
    content = textarea(text, "content")
    base, token = hidden_value(text, "base"), hidden_value(text, "csrf_token")
    if form.status != 200 or content is None or not base or not token:
        result.error(
            f"GET {url}/-/edit: HTTP {form.status}, form fields missing "
            f"(content {content is not None}, base {bool(base)}, csrf {bool(token)})"
        )
        return
    with result.lock:
        form_into.ms.append(form.ms)
    result.expect(path, marker)
    fields = {
        "content": appended(content, marker),
        "summary": f"bench {marker}",
        "base": base,
        "csrf_token": token,
    }
    try:
        reply = client.post(f"{url}/-/edit", fields)
    except OSError as exc:
        result.error(f"POST {url}/-/edit: {exc}")
        return
    if reply.status != 303 or not reply.location.endswith(url):
        result.error(
            f"POST {url}/-/edit: HTTP {reply.status} to {reply.location!r}, expected 303 to {url}"
        )
        return
    with result.lock:
        result.answered += 1
        save_into.ms.append(reply.ms)


def burst(
    clients: list[Client],
    pages: list[list[int]],
    work: Callable[[Client, int, int], None],
    timeout: float,
) -> None:
    """Clients run ``work(client, page, n)`` over their pages at the same time."""
    barrier = threading.Barrier(len(clients))

    def run(client: Client, mine: list[int], offset: int) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=30)
        for n, index in enumerate(mine):
            work(client, index, offset + n)

    threads = [
        threading.Thread(target=run, args=(c, p, 100 * k), daemon=True)
        for k, (c, p) in enumerate(zip(clients, pages, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)


def measure_masterywiki(
    args: argparse.Namespace, plan: Plan, spec: corpus.CorpusSpec, source: Path, workdir: Path
) -> Result:
    result = Result("masterywiki", "masterywiki")
    repo = pageview.clone(source, workdir / "mw-repo")
    instance = workdir / "mw-instance"
    instance.mkdir()
    add_user(repo, instance)
    try:
        reindex(repo, instance, args, result)
    except (RuntimeError, subprocess.SubprocessError) as exc:
        result.error(str(exc))
        result.search_index = "reindex failed"
    mine = [sys.executable, "-m", "gunicorn"]
    server = ServerSpec(
        "masterywiki",
        "masterywiki",
        [*pageview.gunicorn_args(mine), "masterywiki:create_app()"],
        {"MASTERYWIKI_REPO": str(repo), "MASTERYWIKI_INSTANCE": str(instance)},
        "/-/healthz",
    )
    result.commits_before = commit_count(repo)
    port = pageview.free_port()
    log = workdir / "masterywiki.log"
    print(f"== masterywiki on port {port}", flush=True)
    try:
        with pageview.running(server, port, log, args.start_timeout) as ready_s:
            result.ready_s = ready_s
            client = Client(port, args.timeout)
            prime(client, plan, spec)
            mw_login(client)
            hot = corpus.page_url(plan.hot, spec.pages)
            reply = history(
                client,
                f"{hot}/-/history",
                args.repeat,
                60,
                result.history1,
                result,
                mw_history_check,
            )
            if reply:
                result.history_bytes = len(reply.body)
            rows = []
            reply5 = history(
                client,
                f"{hot}/-/history?page=5",
                args.repeat,
                60,
                result.history5,
                result,
                mw_history_check,
            )
            for r in (reply, reply5):
                if r:
                    rows.append(str(len(set(re.findall(r"/-/rev/([0-9a-f]+)", r.text)))))
            result.history_rows = " / ".join(rows)
            mw_saves(client, result, plan, spec, args)
    except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as exc:
        result.error(f"{exc}\n{pageview.log_tail(log)}")
    finish(result, repo, log)
    return result


def mw_saves(
    client: Client, result: Result, plan: Plan, spec: corpus.CorpusSpec, args: argparse.Namespace
) -> None:
    for n, index in enumerate(plan.edit):
        url, path = corpus.page_url(index, spec.pages), corpus.page_path(index, spec.pages)
        mw_edit(client, result, url, path, marker_for(result, "edit", n), result.form, result.save)
    for n, index in enumerate(plan.quick):
        url, path = corpus.page_url(index, spec.pages), corpus.page_path(index, spec.pages)
        for k in range(args.quick_saves):
            mw_edit(
                client,
                result,
                url,
                path,
                marker_for(result, "quick", 10 * n + k),
                result.form_again,
                result.quick,
            )

    def work(c: Client, index: int, n: int) -> None:
        url, path = corpus.page_url(index, spec.pages), corpus.page_path(index, spec.pages)
        mw_edit(
            c,
            result,
            url,
            path,
            marker_for(result, "burst", n),
            result.form_again,
            result.concurrent,
        )

    burst([client.copy() for _ in plan.burst], plan.burst, work, args.timeout * 10)


EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception)\b.*$", re.M)


def log_exceptions(log: Path) -> list[str]:
    """Distinct exception lines in a server log, with counts (why a request failed)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return []
    counts: dict[str, int] = {}
    for line in EXCEPTION_LINE.findall(text):
        line = line.strip()[:200]
        counts[line] = counts.get(line, 0) + 1
    return [f"{n} x {line}" for line, n in counts.items()]


def finish(result: Result, repo: Path, log: Path) -> None:
    """Count commits and look up every appended paragraph (after the server stopped)."""
    result.log_exceptions = log_exceptions(log)
    try:
        result.commits_after = commit_count(repo)
        result.markers_found = count_markers(repo, result)
    except (subprocess.SubprocessError, ValueError) as exc:
        result.error(f"counting commits: {exc}")
    for error in result.errors[:5]:
        print(f"   ERROR {error}", flush=True)
    print(f"   {summary_line(result)}", flush=True)


# ---------------------------------------------------------------- An Otter Wiki


def otter_history_check(reply: Reply) -> str:
    return "" if reply.status == 200 else f"HTTP {reply.status}"


def otter_save(
    client: Client,
    result: Result,
    token: str,
    index: int,
    spec: corpus.CorpusSpec,
    text: str,
    marker: str,
    into: Timings,
    timeout: float,
) -> str:
    """POST one save; returns the content sent (the page's new text)."""
    url, path = corpus.page_url(index, spec.pages), corpus.page_path(index, spec.pages)
    content = appended(text, marker)
    result.expect(path, marker)
    fields = {"content": content, "commit": f"bench {marker}", "csrf_token": token}
    try:
        reply = client.post(f"{url}/save", fields, timeout=timeout)
    except OSError as exc:
        result.error(f"POST {url}/save: {exc}")
        return content
    if reply.status not in (302, 303) or not reply.location.endswith(url):
        result.error(f"POST {url}/save: HTTP {reply.status} to {reply.location!r}")
        return content
    with result.lock:
        result.answered += 1
        into.ms.append(reply.ms)
    return content


def measure_otter(
    args: argparse.Namespace, plan: Plan, spec: corpus.CorpusSpec, source: Path, workdir: Path
) -> Result:
    result = Result("An Otter Wiki", "otter")
    repo = pageview.clone(source, workdir / "otter-repo")
    argv = [*pageview.gunicorn_args([str(pageview.ensure_otter_venv())]), "otterwiki.server:app"]
    env = {"REPOSITORY": str(repo), "SECRET_KEY": "bench-secret-key-0123456789abcdef"}
    server = ServerSpec("otter", "An Otter Wiki", argv, env, "/-/healthz")
    result.commits_before = commit_count(repo)
    port = pageview.free_port()
    log = workdir / "otter.log"
    print(f"== An Otter Wiki on port {port}", flush=True)
    try:
        with pageview.running(server, port, log, args.start_timeout) as ready_s:
            result.ready_s = ready_s
            client = Client(port, args.otter_timeout)
            prime(client, plan, spec)
            hot = corpus.page_url(plan.hot, spec.pages)
            reply = history(
                client,
                f"{hot}/history",
                args.repeat,
                args.otter_budget,
                result.history1,
                result,
                otter_history_check,
            )
            if reply:
                result.history_bytes = len(reply.body)
            result.history5.note = "no pagination"
            result.history_rows = "all"
            otter_saves(client, result, plan, spec, args, repo)
            otter_forms(client, result, plan, spec, args)
    except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as exc:
        result.error(f"{exc}\n{pageview.log_tail(log)}")
    finish(result, repo, log)
    return result


def otter_saves(
    client: Client,
    result: Result,
    plan: Plan,
    spec: corpus.CorpusSpec,
    args: argparse.Namespace,
    repo: Path,
) -> None:
    """Saves as in masterywiki's run, with the CSRF token of one page view (Otter's edit
    form would take too long at 10,000 pages; its save has no base to send)."""
    view = client.get(corpus.page_url(plan.prime[0], spec.pages))
    token = meta_csrf(view.text)
    if view.status != 200 or not token:
        raise RuntimeError(f"no CSRF token in a page view (HTTP {view.status})")

    def source(index: int) -> str:
        return file_at_head(repo, corpus.page_path(index, spec.pages))

    deadline = time.perf_counter() + args.otter_budget
    timeout = args.otter_timeout
    for n, index in enumerate(plan.edit):
        if not within(deadline, len(result.save.ms)):
            result.save.note = "budget spent"
            break
        otter_save(
            client,
            result,
            token,
            index,
            spec,
            source(index),
            marker_for(result, "edit", n),
            result.save,
            timeout,
        )
    for n, index in enumerate(plan.quick):
        text = source(index)
        for k in range(args.quick_saves):
            text = otter_save(
                client,
                result,
                token,
                index,
                spec,
                text,
                marker_for(result, "quick", 10 * n + k),
                result.quick,
                timeout,
            )

    def work(c: Client, index: int, n: int) -> None:
        otter_save(
            c,
            result,
            token,
            index,
            spec,
            source(index),
            marker_for(result, "burst", n),
            result.concurrent,
            timeout,
        )

    burst([client.copy() for _ in plan.burst], plan.burst, work, timeout * 10)


def otter_forms(
    client: Client, result: Result, plan: Plan, spec: corpus.CorpusSpec, args: argparse.Namespace
) -> None:
    """A small edit-form sample, last: a timed-out request leaves a worker busy."""
    deadline = time.perf_counter() + args.otter_form_budget
    for index in plan.otter_forms:
        if not within(deadline, len(result.form.ms)):
            break
        url = f"{corpus.page_url(index, spec.pages)}/edit"
        try:
            reply = client.get(url, timeout=args.otter_timeout)
        except TimeoutError:
            result.form.note = f"timed out after {args.otter_timeout:.0f} s"
            result.error(f"GET {url}: no answer within {args.otter_timeout:.0f} s")
            break
        except OSError as exc:
            result.error(f"GET {url}: {exc}")
            break
        if reply.status != 200 or 'name="content"' not in reply.text:
            result.error(f"GET {url}: HTTP {reply.status}")
            break
        result.form.ms.append(reply.ms)


# ---------------------------------------------------------------- reporting


def commits_cell(r: Result) -> str:
    commits = "n/a" if r.commits is None else f"{r.commits:,}"
    found = r.markers_found if r.markers_found is not None else "n/a"
    return f"{r.attempted} / {r.answered} / {commits} / {found}"


def summary_line(r: Result) -> str:
    return (
        f"ready {fmt(r.ready_s, 2)} s; form {r.form.cell()}; save {r.save.cell()}; "
        f"history {r.history1.cell()}; saves sent/ok/commits/kept {commits_cell(r)}"
    )


def table(results: list[Result]) -> str:
    header = (
        "| server | edit form | save | quick same-page save | 2 concurrent clients save "
        "| history p1 | history ?page=5 | saves sent / answered / commits / kept |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for r in results:
        cells = [
            r.label + (" (errors)" if r.errors else ""),
            r.form.cell(),
            r.save.cell(),
            r.quick.cell(),
            r.concurrent.cell(),
            r.history1.cell(),
            r.history5.cell(),
            commits_cell(r),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def all_saves_kept(r: Result) -> bool:
    return r.attempted > 0 and r.attempted == r.answered == r.commits == r.markers_found


def target_lines(results: list[Result], pages: int) -> list[str]:
    mw = next((r for r in results if r.key == "masterywiki"), None)
    if mw is None or pages != 10000:
        return []

    def p50_under(t: Timings, limit: float) -> bool:
        return bool(t.ms) and pct(t.ms, 50) < limit

    checks = [
        ("edit form p50 < 50 ms", p50_under(mw.form, TARGETS["form_p50_ms"])),
        ("save p50 < 100 ms", p50_under(mw.save, TARGETS["save_p50_ms"])),
        ("history (first page) p50 < 30 ms", p50_under(mw.history1, TARGETS["history_p50_ms"])),
        ("history ?page=5 p50 < 30 ms", p50_under(mw.history5, TARGETS["history_p50_ms"])),
        ("every save answered and committed, every edit kept", all_saves_kept(mw)),
    ]
    return [f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks]


def notes(results: list[Result]) -> list[str]:
    lines = []
    for r in results:
        parts = [f"ready {fmt(r.ready_s, 2)} s"]
        if r.search_index:
            parts.append(f"search index {r.search_index}")
        for name, t in (("history p1", r.history1), ("history ?page=5", r.history5)):
            if t.first_ms is not None:
                parts.append(f"first (cold) {name} {t.first_ms:,.0f} ms")
        if r.history_bytes:
            parts.append(
                f"history p1 {r.history_bytes / 1024:,.0f} KB, revisions listed {r.history_rows}"
            )
        if r.form_again.ms:
            parts.append(
                f"edit form reloaded before quick/concurrent saves "
                f"p50 {pct(r.form_again.ms, 50):,.1f} ms"
            )
        if r.save.ms:
            parts.append(f"first save {r.save.ms[0]:,.0f} ms")
        if r.key == "otter" and r.form.ms:
            parts.append("edit form samples " + ", ".join(f"{ms:,.0f}" for ms in r.form.ms) + " ms")
        lines.append(f"- {r.label}: " + "; ".join(parts))
    return lines


def report(
    results: list[Result],
    spec: corpus.CorpusSpec,
    args: argparse.Namespace,
    load_before: str,
    elapsed: float,
    hot: str,
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
    setup = (
        f"- corpus: {spec.pages} pages, {spec.history} edit commits, seed {spec.seed}; "
        f"hot page `{hot}`; {args.forms} distinct pages opened and saved, "
        f"{args.quick_pages} pages saved {args.quick_saves} times in quick succession, "
        f"{args.clients} concurrent clients x {args.burst} saves; history repeated "
        f"{args.repeat} times; run took {elapsed:.0f} s"
    )
    lines = [
        f"# Editing and history at {spec.pages:,} pages",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine,
        versions,
        setup,
        "",
        "Latency in ms as p50 / p90 (sample size), one request at a time unless noted.",
        "",
        table(results),
        "",
    ]
    lines += [
        "Saves: *sent* POSTs, *answered* with the redirect to the page, *commits* "
        "added to the branch (`git rev-list --count HEAD` after minus before), "
        "*kept*: appended paragraphs found in the final HEAD.",
        "",
    ]
    for r in results:
        made = "n/a" if r.commits is None else f"{r.commits:,}"
        lines.append(f"- {r.label}: {r.attempted} saves attempted, {made} commits made")
    lines.append("")
    targets = target_lines(results, spec.pages)
    if targets:
        lines += ["Targets for masterywiki at 10,000 pages:", "", *targets, ""]
    lines += ["Notes:", "", *notes(results), ""]
    otter = next((r for r in results if r.key == "otter"), None)
    if otter is not None:
        lines += [
            f"An Otter Wiki: edit form sample of up to {args.otter_forms} pages, "
            f"{args.otter_timeout:.0f} s timeout per request, measured after its saves; "
            "its saves use the CSRF token from a page view (its edit form is too slow to "
            "open before each save at 10,000 pages) and send no base revision.",
            "",
        ]
    errors = [f"- {r.label}: {e.splitlines()[0]}" for r in results for e in r.errors[:5]]
    if errors:
        lines += ["Errors:", "", *errors, ""]
    logged = [f"- {r.label}: {line}" for r in results for line in r.log_exceptions[:5]]
    if logged:
        lines += ["Exceptions in the server logs:", "", *logged, ""]
    lines += ["One noisy 2-core machine: compare rows of this run with each other only."]
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
    parser.add_argument(
        "--forms", type=int, default=30, help="distinct pages opened in the editor and saved"
    )
    parser.add_argument("--quick-pages", type=int, default=2)
    parser.add_argument(
        "--quick-saves", type=int, default=3, help="quick successive saves per quick page"
    )
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients")
    parser.add_argument("--burst", type=int, default=3, help="saves per concurrent client")
    parser.add_argument("--repeat", type=int, default=30, help="history requests per URL")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="masterywiki per-request timeout, seconds"
    )
    parser.add_argument(
        "--otter-timeout",
        type=float,
        default=120.0,
        help="An Otter Wiki per-request timeout, seconds",
    )
    parser.add_argument(
        "--otter-budget",
        type=float,
        default=90.0,
        help="seconds for An Otter Wiki's history and its distinct-page saves",
    )
    parser.add_argument(
        "--otter-forms", type=int, default=3, help="An Otter Wiki edit-form sample size"
    )
    parser.add_argument(
        "--otter-form-budget",
        type=float,
        default=150.0,
        help="seconds after which no further Otter edit form is requested",
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
        help="results file (default bench/results/edits-<pages>.md)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
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
    with tempfile.TemporaryDirectory(prefix="edits-", dir=args.corpora) as tmp:
        if "masterywiki" in keys:
            results.append(measure_masterywiki(args, plan, spec, source, Path(tmp)))
        if "otter" in keys:
            results.append(measure_otter(args, plan, spec, source, Path(tmp)))
    hot = corpus.page_path(plan.hot, spec.pages)
    text = report(results, spec, args, load_before, time.perf_counter() - start, hot)
    out = args.out or BENCH / "results" / f"edits-{args.pages}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text + f"\nwritten to {out}")
    mw_ok = all(all_saves_kept(r) and not r.errors for r in results if r.key == "masterywiki")
    return 0 if mw_ok else 1


if __name__ == "__main__":
    sys.exit(main())
