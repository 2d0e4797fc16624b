"""District scale: masterywiki at 10,000 and at 100,000 pages, in one run, beside a hello world.

    python bench/scale.py                       # 10,000 and 100,000 pages
    python bench/scale.py --pages 1000 10000    # a quicker look

For each size, on a fresh clone of the generated corpus (bench/corpus.py) and a fresh
instance, under ``gunicorn -w 2`` (sync workers), in this order:

* first page: seconds from spawn until a page answers 200 (a first start shows pages
  straight from git while it reads the wiki);
* ready: seconds until ``/-/healthz`` answers 200 (every page read);
* search answers: seconds until a search answers 200 (from page titles alone while the
  first index is built, once every page is read);
* indexed: seconds until a search answers from the whole index (built at start);
* RSS per worker (MB, its persistent git `cat-file` processes included) when ready, and
  after the run once its background work has settled (no git command but those running);
  and the peak during the run, every git command the worker ran at that moment included
  (sampled every 0.2 s);
* first view p50 of pages never requested before, and warm req/s with ``wrk`` over 50
  pages (the share of the hello world's req/s in the same run);
* search p50/p95 over 40 queries of corpus words;
* history: p50 of 10 page histories and of as many views of recent changes;
* save p50 of 20 saves through the edit form (every save checked to be a commit);
* restart: seconds until a second start on the same instance answers a page and is ready.

The markdown table is printed and written to bench/results/scale.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import corpus
import pageview
import requests

BENCH = Path(__file__).resolve().parent
SEARCH_WORDS = ("mastery", "rubric", "evidence", "badger", "harbor", "protein", "willow", "graph")
SAVES = 20
SEARCHES = 40
HISTORIES = 10  # page histories, and as many views of recent changes


@dataclass
class Scale:
    pages: int
    first_page_s: float | None = None
    ready_s: float | None = None
    searchable_s: float | None = None  # search answers, from titles until indexed
    indexed_s: float | None = None
    rss_ready_mb: list[float] = field(default_factory=list)
    rss_after_mb: list[float] = field(default_factory=list)
    rss_peak_mb: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    warm: pageview.WrkResult | None = None
    search_ms: list[float] = field(default_factory=list)
    history_ms: list[float] = field(default_factory=list)
    changes_ms: list[float] = field(default_factory=list)
    save_ms: list[float] = field(default_factory=list)
    restart_page_s: float | None = None
    restart_ready_s: float | None = None
    errors: list[str] = field(default_factory=list)


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children) with its git
    processes (GitPython's persistent `cat-file`), in MB. A `reindex` child building
    the index is left out: it ends, and its memory with it."""
    workers = _children(master)
    return [(_rss_kb(pid) + sum(map(_rss_kb, _git_children(pid)))) / 1024 for pid in workers]


def settled_rss_mb(master: int, timeout: float = 15.0) -> list[float]:
    """`worker_rss_mb` once no worker runs a git command but its persistent `cat-file`s
    (a save brings the work tree and the search index along in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
        b"cat-file" not in _cmdline(git)
        for worker in _children(master)
        for git in _git_children(worker)
    ):
        time.sleep(0.1)
    return worker_rss_mb(master)


class PeakMemory:
    """The highest `worker_rss_mb` of each worker, git commands included, sampled in a
    thread every 0.2 s while the run goes on."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.peak: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for worker in _children(self.master):
                total = (_rss_kb(worker) + sum(map(_rss_kb, _git_children(worker)))) / 1024
                self.peak[worker] = max(total, self.peak.get(worker, 0.0))

    def stop(self) -> list[float]:
        self._stop.set()
        self._thread.join()
        return list(self.peak.values())


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _git_children(pid: int) -> list[int]:
    found = []
    for child in _children(pid):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{child}/comm").read_text().strip() == "git":
                found.append(child)
    return found


def _rss_kb(pid: int) -> int:
    try:
        kb = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0
    return int(kb[1]) if kb else 0


def seconds_until(test: Callable[[], bool], timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if test():
                return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"not done after {timeout:.0f} s")


def status(port: int, path: str) -> int:
    return pageview.get(port, path, timeout=30)[0]


def search_state(port: int) -> str:
    """'indexed' when search answers from the whole index, 'titles' while it answers from
    page titles alone (the first index being built), else 'none' (503)."""
    code, body, _ = pageview.get(port, "/-/api/v1/search?q=mastery", timeout=30)
    if code != 200:
        return "none"
    return "titles" if json.loads(body).get("indexing") is not None else "indexed"


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


def timed_start(
    argv: list[str], env: dict[str, str], log: Path, port: int, page: str, timeout: float
) -> tuple[subprocess.Popen[bytes], float, float]:
    """Start the server; returns it with the seconds until `page` answered 200 and until
    it was ready. On a failure the server is stopped."""
    proc = start(argv, env, log)
    try:
        began = time.perf_counter()
        seconds_until(lambda: status(port, page) == 200, timeout)
        first_page = time.perf_counter() - began
        seconds_until(lambda: status(port, "/-/healthz") == 200, timeout)
        return proc, first_page, time.perf_counter() - began
    except BaseException:
        pageview.stop(proc)
        raise


def login(port: int, user: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"http://127.0.0.1:{port}/-/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no CSRF token on the login form"
    answer = session.post(
        f"http://127.0.0.1:{port}/-/login",
        data={"username": user, "password": password, "csrf_token": token[1]},
        timeout=30,
    )
    answer.raise_for_status()
    return session


def save_pages(port: int, session: requests.Session, urls: list[str], result: Scale) -> None:
    for number, url in enumerate(urls):
        form = session.get(f"http://127.0.0.1:{port}{url}/-/edit", timeout=60).text
        fields = dict(re.findall(r'name="(csrf_token|base)" value="([^"]*)"', form))
        source = session.get(f"http://127.0.0.1:{port}{url}/-/raw", timeout=60).text
        began = time.perf_counter()
        answer = session.post(
            f"http://127.0.0.1:{port}{url}/-/edit",
            data={**fields, "content": source + f"\n\nScale edit {number}.\n", "summary": "bench"},
            timeout=60,
            allow_redirects=False,
        )
        result.save_ms.append((time.perf_counter() - began) * 1000)
        if answer.status_code != 303:
            result.errors.append(f"save {url}: {answer.status_code}")


def measure(pages: int, args: argparse.Namespace, workdir: Path) -> Scale:
    result = Scale(pages)
    spec = corpus.CorpusSpec(pages, args.history, args.seed)
    source = args.corpora / f"p{pages}-h{args.history}-s{args.seed}"
    corpus.ensure_corpus(source, spec)
    folder = workdir / f"p{pages}"
    folder.mkdir()
    repo = pageview.clone(source, folder / "repo")
    env = {"MASTERYWIKI_REPO": str(repo), "MASTERYWIKI_INSTANCE": str(folder / "instance")}
    subprocess.run(
        [sys.executable, "-m", "masterywiki", "user", "add", "bench", "--role", "editor",
         "--password-stdin", "--repo", str(repo), "--instance", str(folder / "instance")],
        input=b"bench-password-1234\n", check=True, capture_output=True,
    )  # fmt: skip
    plan = pageview.make_plan(spec, args.first)
    port = pageview.free_port()
    argv = [*pageview.gunicorn_args([sys.executable, "-m", "gunicorn"]), "masterywiki:create_app()"]
    argv += ["-b", f"127.0.0.1:{port}"]
    log = folder / "server.log"
    page = corpus.page_url(plan.prime[0], pages)
    rng = random.Random(f"scale:{args.seed}")
    print(f"== masterywiki at {pages:,} pages on port {port}", flush=True)
    began = time.perf_counter()
    try:
        proc, result.first_page_s, result.ready_s = timed_start(
            argv, env, log, port, page, args.start_timeout
        )
    except (RuntimeError, OSError) as exc:
        result.errors.append(f"start: {exc}\n{pageview.log_tail(log)}")
        return result
    peak = PeakMemory(proc.pid)
    try:
        result.rss_ready_mb = worker_rss_mb(proc.pid)
        seconds_until(lambda: search_state(port) != "none", args.start_timeout)
        result.searchable_s = time.perf_counter() - began
        seconds_until(lambda: search_state(port) == "indexed", args.start_timeout)
        result.indexed_s = time.perf_counter() - began
        server = pageview.ServerSpec("masterywiki", "masterywiki", argv, env, "/-/healthz")
        timing = pageview.Result("masterywiki")
        pageview.first_view(port, plan, spec, server, args.first_budget, timing)
        result.first_ms, result.errors = timing.first_ms, timing.errors
        pageview.warm(port, plan, spec, server, args.duration, folder, timing)
        result.warm = timing.warm
        for _ in range(SEARCHES):
            words = "+".join(rng.sample(SEARCH_WORDS, 2))
            result.search_ms.append(pageview.get(port, f"/-/search?q={words}")[2] * 1000)
        for url in [corpus.page_url(i, pages) for i in rng.sample(range(pages), HISTORIES)]:
            result.history_ms.append(pageview.get(port, f"{url}/-/history")[2] * 1000)
            result.changes_ms.append(pageview.get(port, "/-/changes")[2] * 1000)
        session = login(port, "bench", "bench-password-1234")
        edited = [corpus.page_url(i, pages) for i in rng.sample(range(pages), SAVES)]
        save_pages(port, session, edited, result)
        result.rss_after_mb = settled_rss_mb(proc.pid)
    except (RuntimeError, OSError, ValueError, AssertionError, requests.RequestException) as exc:
        result.errors.append(f"{exc}\n{pageview.log_tail(log)}")
    finally:
        result.rss_peak_mb = peak.stop()
        pageview.stop(proc)
    commits = subprocess.run(
        ["git", "-C", str(repo), "log", "--oneline", "--grep", "^bench$"],
        capture_output=True, text=True, check=False,
    ).stdout.splitlines()  # fmt: skip
    if len(commits) != len(result.save_ms):
        result.errors.append(f"{len(result.save_ms)} saves made {len(commits)} commits")
    try:
        proc, result.restart_page_s, result.restart_ready_s = timed_start(
            argv, env, log, port, page, args.start_timeout
        )
        pageview.stop(proc)
    except (RuntimeError, OSError) as exc:  # (timed_start stopped the server)
        result.errors.append(f"restart: {exc}\n{pageview.log_tail(log)}")
    for error in result.errors[:5]:
        print(f"   ERROR {error}", flush=True)
    return result


def hello_req_s(args: argparse.Namespace, workdir: Path) -> float | None:
    """The hello world's warm req/s with the same wrk settings: the machine's ceiling."""
    spec = corpus.CorpusSpec(1000, args.history, args.seed)
    server = pageview.build_servers(["hello"], workdir, workdir)[0]
    plan = pageview.make_plan(spec, 1)
    timing = pageview.Result(server.label)
    port = pageview.free_port()
    with pageview.running(server, port, workdir / "hello.log", 60):
        pageview.warm(port, plan, spec, server, args.duration, workdir, timing)
    return timing.warm.req_s if timing.warm else None


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def pct(values: list[float], q: int) -> float | None:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else None


def report(results: list[Scale], hello: float | None, args: argparse.Namespace, took: float) -> str:
    def median(values: list[float]) -> str:
        return fmt(statistics.median(values) if values else None)

    def share(r: Scale) -> str:
        return f"{100 * r.warm.req_s / hello:.0f}%" if r.warm and hello else "n/a"

    def mbs(values: list[float]) -> str:
        return " / ".join(fmt(m, 0) for m in values)

    rows = [
        ("first page of a fresh instance, s", lambda r: fmt(r.first_page_s)),
        ("ready (every page read), s", lambda r: fmt(r.ready_s)),
        ("search answers (titles only until indexed), s", lambda r: fmt(r.searchable_s)),
        ("fully indexed for search, s", lambda r: fmt(r.indexed_s)),
        ("RSS per worker when ready, MB", lambda r: mbs(r.rss_ready_mb)),
        ("RSS per worker after the run (settled), MB", lambda r: mbs(r.rss_after_mb)),
        ("peak RSS per worker, its git commands included, MB", lambda r: mbs(r.rss_peak_mb)),
        ("first view p50, ms", lambda r: median(r.first_ms)),
        ("warm req/s", lambda r: fmt(r.warm.req_s if r.warm else None, 0)),
        ("warm req/s, share of hello world", share),
        ("warm p50, ms", lambda r: fmt(r.warm.p50_ms if r.warm else None, 2)),
        ("search p50 / p95, ms", lambda r: f"{median(r.search_ms)} / {fmt(pct(r.search_ms, 95))}"),
        ("page history p50, ms", lambda r: median(r.history_ms)),
        ("recent changes p50, ms", lambda r: median(r.changes_ms)),
        ("save p50, ms (every save a commit)", lambda r: median(r.save_ms)),
        ("restart: first page / ready, s", lambda r: f"{fmt(r.restart_page_s)} / "
         f"{fmt(r.restart_ready_s)}"),
    ]  # fmt: skip
    lines = [
        "# masterywiki at district scale",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {os.cpu_count()} CPUs, load average before run "
        + " ".join(f"{x:.2f}" for x in args.load_before),
        f"- masterywiki at {pageview.head_commit()}; gunicorn -w 2 (sync); corpus: "
        f"{args.history} edit commits, seed {args.seed}; wrk -t1 -c2 -d{args.duration}s over "
        f"50 pages; hello world {fmt(hello, 0)} req/s; run took {took:.0f} s",
        "",
        "| | " + " | ".join(f"{r.pages:,} pages" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    lines += [f"| {name} | " + " | ".join(cell(r) for r in results) + " |" for name, cell in rows]
    errors = [f"- {r.pages:,} pages: {e.splitlines()[0]}" for r in results for e in r.errors]
    if errors:
        lines += ["", "Errors:", *errors]
    lines += ["", "One noisy 2-core machine: compare the columns of this run with each other only."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpora", type=Path, default=BENCH / "corpora")
    parser.add_argument("--first", type=int, default=30)
    parser.add_argument("--first-budget", type=float, default=60.0)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--start-timeout", type=float, default=600.0)
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "scale.md")
    args = parser.parse_args(argv)
    args.load_before = os.getloadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scale-", dir=args.corpora) as tmp:
        hello = hello_req_s(args, Path(tmp))
        results = [measure(pages, args, Path(tmp)) for pages in args.pages]
    text = report(results, hello, args, time.perf_counter() - began)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print("\n" + text + f"\nwritten to {args.out}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
