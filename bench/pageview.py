"""Page-view benchmark: masterywiki beside An Otter Wiki and a Flask hello world.

    python bench/pageview.py --pages 1000
    python bench/pageview.py --pages 10000

Each server runs with 2 workers on a free 127.0.0.1 port, one after another, on a fresh
clone of the generated corpus (bench/corpus.py): masterywiki twice, under
``gunicorn -w 2`` (sync workers) and under its own ``masterywiki serve --workers 2``.
Per server:

* first answer: seconds from spawn until the readiness URL answers at all (masterywiki
  answers 503 "starting" while a first start reads its pages);
* ready: seconds from spawn until the readiness URL answers 200;
* restart (masterywiki): ready seconds of a second start on the same instance;
* first view: distinct pages never requested before, fetched one at a time (after 4 other
  pages were fetched to load both workers), latency p50/p90;
* warm: 50 fixed pages fetched once, then ``wrk -t1 -c2 --latency`` rotating over them.

The markdown table is printed and written to bench/results/pageview-<pages>.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import corpus

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
OTTER_VENV = BENCH / ".venv-otter"
WARM_PAGES = 50
PRIME_PAGES = 4
TARGETS = {"req_s": 1500.0, "warm_p50_ms": 2.0, "first_p50_ms": 20.0}


@dataclass
class ServerSpec:
    key: str
    label: str
    argv: list[str]
    env: dict[str, str]
    ready_path: str
    check_titles: bool = True
    cwd: Path | None = None
    bind: Callable[[int], list[str]] = lambda port: ["-b", f"127.0.0.1:{port}"]
    restart: bool = False  # measure a second start on the same instance


@dataclass
class WrkResult:
    req_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int


@dataclass
class Result:
    label: str
    answer_s: float | None = None
    ready_s: float | None = None
    restart_s: float | None = None
    prime_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    warm: WrkResult | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Plan:
    prime: list[int]
    first: list[int]
    warm: list[int]


# ---------------------------------------------------------------- HTTP helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 60.0) -> tuple[int, bytes, float]:
    """GET ``path`` on a new connection; returns status, body and seconds taken."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return resp.status, body, time.perf_counter() - start


def check_page(port: int, index: int, spec: corpus.CorpusSpec, titles: bool) -> tuple[float, str]:
    """Fetch one page; returns (seconds, error or '')."""
    url = corpus.page_url(index, spec.pages)
    try:
        status, body, seconds = get(port, url)
    except OSError as exc:
        return 0.0, f"{url}: {exc}"
    if status != 200:
        return seconds, f"{url}: HTTP {status}"
    if titles and corpus.page_title(index, spec.seed).encode() not in body:
        return seconds, f"{url}: page title missing from the HTML"
    return seconds, ""


# ---------------------------------------------------------------- server lifecycle


def log_tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


BOOT_FAILURES = ("Traceback", "Worker exiting", "Worker failed to boot")


def boot_failed(log: Path) -> bool:
    """gunicorn respawns workers that die while booting: spot that in the log."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return False
    return any(marker in text for marker in BOOT_FAILURES)


def wait_ready(
    proc: subprocess.Popen[bytes], port: int, path: str, timeout: float, log: Path
) -> tuple[float, float]:
    """Seconds until ``path`` first answered (any status) and until it answered 200."""
    start = time.perf_counter()
    answered: float | None = None
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before ready")
        if boot_failed(log):
            raise RuntimeError("a worker failed to boot")
        with contextlib.suppress(OSError):
            status = get(port, path, timeout=5)[0]
            now = time.perf_counter() - start
            answered = now if answered is None else answered
            if status == 200:
                return answered, now
        time.sleep(0.05)
    raise RuntimeError(f"not ready after {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group (gunicorn master and workers)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@contextlib.contextmanager
def running(
    server: ServerSpec, port: int, log: Path, timeout: float
) -> Iterator[tuple[float, float]]:
    """Run ``server`` on ``port``; yields the seconds to its first answer and to ready."""
    env = {**os.environ, **server.env}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*server.argv, *server.bind(port)],
            env=env,
            cwd=server.cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield wait_ready(proc, port, server.ready_path, timeout, log)
    finally:
        stop(proc)


# ---------------------------------------------------------------- measurements


def first_view(
    port: int,
    plan: Plan,
    spec: corpus.CorpusSpec,
    server: ServerSpec,
    budget_s: float,
    result: Result,
) -> None:
    for index in plan.prime:
        seconds, _ = check_page(port, index, spec, titles=False)
        result.prime_ms.append(seconds * 1000)
    deadline = time.perf_counter() + budget_s
    for index in plan.first:
        if result.first_ms and time.perf_counter() > deadline:
            break
        seconds, error = check_page(port, index, spec, server.check_titles)
        if error:
            result.errors.append(f"first view {error}")
        else:
            result.first_ms.append(seconds * 1000)


def lua_script(paths: list[str]) -> str:
    quoted = ",\n  ".join(f'"{p}"' for p in paths)
    return (
        "local paths = {\n  " + quoted + "\n}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        '  return wrk.format("GET", paths[i])\nend\n'
    )


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match[1]) * UNITS_MS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    def find(pattern: str) -> str:
        match = re.search(pattern, output)
        if not match:
            raise ValueError(f"wrk output lacks {pattern!r}:\n{output}")
        return match[1]

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return WrkResult(
        req_s=float(find(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=to_ms(find(r"\n\s+50%\s+(\S+)")),
        p99_ms=to_ms(find(r"\n\s+99%\s+(\S+)")),
        requests=int(find(r"(\d+) requests in")),
        bad=int(bad[1]) if bad else 0,
    )


def warm(
    port: int,
    plan: Plan,
    spec: corpus.CorpusSpec,
    server: ServerSpec,
    duration: int,
    workdir: Path,
    result: Result,
) -> None:
    for index in plan.warm:
        _, error = check_page(port, index, spec, server.check_titles)
        if error:
            result.errors.append(f"warm-up {error}")
    script = workdir / f"rotate-{server.key}.lua"
    script.write_text(lua_script([corpus.page_url(i, spec.pages) for i in plan.warm]))
    cmd = [
        "wrk",
        "-t1",
        "-c2",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/",
    ]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=duration + 60)
    if proc.returncode != 0:
        result.errors.append(f"wrk failed: {proc.stderr.strip() or proc.stdout.strip()}")
        return
    result.warm = parse_wrk(proc.stdout)
    if result.warm.bad:
        result.errors.append(f"wrk: {result.warm.bad} non-2xx/3xx responses")


def measure(
    server: ServerSpec, plan: Plan, spec: corpus.CorpusSpec, args: argparse.Namespace, workdir: Path
) -> Result:
    result = Result(server.label)
    log = workdir / f"{server.key}.log"
    port = free_port()
    print(f"== {server.label} on port {port}", flush=True)
    budget = args.first_budget_otter if server.key == "otter" else args.first_budget
    try:
        with running(server, port, log, args.start_timeout) as (answer_s, ready_s):
            result.answer_s, result.ready_s = answer_s, ready_s
            first_view(port, plan, spec, server, budget, result)
            warm(port, plan, spec, server, args.duration, workdir, result)
        if server.restart:
            with running(server, port, log, args.start_timeout) as (_, ready_s):
                result.restart_s = ready_s
    except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
        result.errors.append(f"{exc}\n{log_tail(log)}")
    for error in result.errors[:5]:
        print(f"   ERROR {error}", flush=True)
    print(f"   {summary_line(result)}", flush=True)
    return result


# ---------------------------------------------------------------- servers


def ensure_otter_venv() -> Path:
    gunicorn = OTTER_VENV / "bin" / "gunicorn"
    if not gunicorn.exists():
        print(f"creating {OTTER_VENV} (pip install otterwiki gunicorn)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(OTTER_VENV)], check=True)
        pip = [str(OTTER_VENV / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "otterwiki", "gunicorn"], check=True, timeout=600)
    return gunicorn


def clone(src: Path, dst: Path) -> Path:
    subprocess.run(["git", "clone", "-q", "--local", str(src), str(dst)], check=True)
    return dst


def gunicorn_args(cmd: list[str]) -> list[str]:
    """``cmd`` plus the common options: 2 sync workers, no shared control socket."""
    helptext = subprocess.run([*cmd, "--help"], check=False, capture_output=True, text=True).stdout
    extra = ["--no-control-socket"] if "--no-control-socket" in helptext else []
    return [*cmd, "-w", "2", "--timeout", "120", *extra]


def build_servers(keys: list[str], repo: Path, workdir: Path) -> list[ServerSpec]:
    servers = []
    mine = [sys.executable, "-m", "gunicorn"]
    if "masterywiki" in keys:
        instance = workdir / "mw-instance"
        instance.mkdir()
        env = {
            "MASTERYWIKI_REPO": str(clone(repo, workdir / "mw-repo")),
            "MASTERYWIKI_INSTANCE": str(instance),
        }
        servers.append(
            ServerSpec(
                "masterywiki",
                "masterywiki",
                [*gunicorn_args(mine), "masterywiki:create_app()"],
                env,
                "/-/healthz",
                restart=True,
            )
        )
    if "serve" in keys:
        folder = workdir / "serve"
        folder.mkdir()
        mw_repo = clone(repo, folder / "repo")
        argv = [sys.executable, "-m", "masterywiki", "serve", "--workers", "2"]
        argv += ["--repo", str(mw_repo), "--instance", str(folder / "instance")]
        servers.append(
            ServerSpec(
                "serve",
                "masterywiki serve",
                argv,
                {},
                "/-/healthz",
                bind=lambda port: ["--port", str(port)],
                restart=True,
            )
        )
    if "otter" in keys:
        argv = [*gunicorn_args([str(ensure_otter_venv())]), "otterwiki.server:app"]
        env = {
            "REPOSITORY": str(clone(repo, workdir / "otter-repo")),
            "SECRET_KEY": "bench-secret-key-0123456789abcdef",
        }  # Otter wants >= 16 chars
        servers.append(ServerSpec("otter", "An Otter Wiki", argv, env, "/-/healthz"))
    if "hello" in keys:
        servers.append(
            ServerSpec(
                "hello",
                "Flask hello world",
                [*gunicorn_args(mine), "--chdir", str(BENCH), "hello:app"],
                {},
                "/",
                check_titles=False,
            )
        )
    return servers


def make_plan(spec: corpus.CorpusSpec, first: int) -> Plan:
    order = list(range(spec.pages))
    random.Random(f"pageview:{spec.seed}").shuffle(order)
    hot = corpus.hot_page_index(spec)
    order.remove(hot)
    return Plan(
        prime=order[:PRIME_PAGES],
        warm=order[PRIME_PAGES : PRIME_PAGES + WARM_PAGES],
        first=order[PRIME_PAGES + WARM_PAGES : PRIME_PAGES + WARM_PAGES + first],
    )


# ---------------------------------------------------------------- reporting


def pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def summary_line(r: Result) -> str:
    first = (
        f"first p50 {pct(r.first_ms, 50):.1f} ms (n={len(r.first_ms)})"
        if r.first_ms
        else "first n/a"
    )
    warm_ = f"warm {r.warm.req_s:.0f} req/s p50 {r.warm.p50_ms:.2f} ms" if r.warm else "warm n/a"
    starts = f"first answer {fmt(r.answer_s, 2)} s, ready {fmt(r.ready_s, 2)} s"
    if r.restart_s is not None:
        starts += f", restart {fmt(r.restart_s, 2)} s"
    return f"{starts}; {first}; {warm_}"


def share(value: float, ceiling: float) -> str:
    ratio = value / ceiling
    return f"{ratio:.1%}" if ratio < 0.1 else f"{ratio:.0%}"


def table(results: list[Result]) -> str:
    hello = next((r for r in results if r.label == "Flask hello world" and r.warm), None)
    header = (
        "| server | first view p50 / p90 ms (n) | warm req/s | warm p50 ms | warm p99 ms "
        "| req/s vs hello | first answer s | ready s | restart s |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        first = (
            f"{pct(r.first_ms, 50):.1f} / {pct(r.first_ms, 90):.1f} ({len(r.first_ms)})"
            if r.first_ms
            else "n/a"
        )
        w = r.warm
        ratio = share(w.req_s, hello.warm.req_s) if w and hello and hello.warm else "n/a"
        cells = [
            r.label + (" (errors)" if r.errors else ""),
            first,
            fmt(w.req_s, 0) if w else "n/a",
            fmt(w.p50_ms, 2) if w else "n/a",
            fmt(w.p99_ms, 2) if w else "n/a",
            ratio,
            fmt(r.answer_s, 2),
            fmt(r.ready_s, 2),
            fmt(r.restart_s, 2),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_lines(results: list[Result], pages: int) -> list[str]:
    mw = next((r for r in results if r.label == "masterywiki"), None)
    if mw is None or pages != 10000:
        return []
    checks = [
        ("warm req/s >= 1,500", mw.warm is not None and mw.warm.req_s >= TARGETS["req_s"]),
        ("warm p50 < 2 ms", mw.warm is not None and mw.warm.p50_ms < TARGETS["warm_p50_ms"]),
        (
            "first view p50 < 20 ms",
            bool(mw.first_ms) and pct(mw.first_ms, 50) < TARGETS["first_p50_ms"],
        ),
    ]
    served = next((r for r in results if r.label == "masterywiki serve"), None)
    if served is not None:
        within = mw.warm is not None and served.warm is not None
        checks += [
            (
                "serve warm req/s within 10% of gunicorn -w 2",
                within and served.warm.req_s >= 0.9 * mw.warm.req_s,  # type: ignore[union-attr]
            ),
            (
                "serve first answer of a fresh instance < 2 s",
                served.answer_s is not None and served.answer_s < 2.0,
            ),
        ]
    return [f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks]


def version_of(python: str, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    if not Path(python).exists():  # e.g. the peer's venv, with --servers masterywiki
        return "not installed"
    proc = subprocess.run([python, "-c", code], check=False, capture_output=True, text=True)
    return proc.stdout.strip() or "not installed"


def head_commit() -> str:
    git = ["git", "-C", str(REPO_ROOT)]
    proc = subprocess.run(
        [*git, "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True
    )
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "src"], check=False, capture_output=True, text=True
    ).stdout.strip()
    return (proc.stdout.strip() or "no commit") + (" + uncommitted src changes" if dirty else "")


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
        f"- masterywiki {version_of(sys.executable, 'masterywiki')} at {head_commit()}; "
        f"otterwiki {version_of(otter_python, 'otterwiki')}; "
        "gunicorn -w 2 (sync) for every server but masterywiki serve "
        "(its own embedded gunicorn, 2 sync workers, with its request log)"
    )
    setup = (
        f"- corpus: {spec.pages} pages, {spec.history} edit commits, seed {spec.seed}; "
        f"wrk -t1 -c2 -d{args.duration}s over {WARM_PAGES} pages; "
        f"first view of up to {args.first} unseen pages; run took {elapsed:.0f} s"
    )
    lines = [
        f"# Page views at {spec.pages:,} pages",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine,
        versions,
        setup,
        "",
        table(results),
        "",
    ]
    targets = target_lines(results, spec.pages)
    if targets:
        lines += ["Targets for masterywiki at 10,000 pages:", "", *targets, ""]
    lines += [
        "Priming requests right after ready (not in first view): "
        + "; ".join(
            f"{r.label} " + ", ".join(f"{ms:.0f}" for ms in r.prime_ms) + " ms"
            for r in results
            if r.prime_ms
        ),
        "",
    ]
    errors = [f"- {r.label}: {e.splitlines()[0]}" for r in results for e in r.errors[:3]]
    if errors:
        lines += ["Errors:", "", *errors, ""]
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
        "--servers",
        default="masterywiki,serve,otter,hello",
        help="comma-separated subset of masterywiki,serve,otter,hello",
    )
    parser.add_argument("--first", type=int, default=30, help="first-view sample size")
    parser.add_argument(
        "--first-budget", type=float, default=60.0, help="seconds allowed for the first-view sample"
    )
    parser.add_argument("--first-budget-otter", type=float, default=30.0)
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds per server")
    parser.add_argument("--start-timeout", type=float, default=180.0)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results file (default bench/results/pageview-<pages>.md)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get update && apt-get install -y wrk")
    keys = [k.strip() for k in args.servers.split(",") if k.strip()]
    if "masterywiki" in keys and importlib.util.find_spec("masterywiki") is None:
        sys.exit("masterywiki is not importable: pip install -e .")
    spec = corpus.CorpusSpec(args.pages, args.history, args.seed)
    repo = args.corpora / f"p{args.pages}-h{args.history}-s{args.seed}"
    corpus.ensure_corpus(repo, spec)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    start = time.perf_counter()
    plan = make_plan(spec, args.first)
    results = []
    with tempfile.TemporaryDirectory(prefix="run-", dir=args.corpora) as tmp:
        for server in build_servers(keys, repo, Path(tmp)):
            results.append(measure(server, plan, spec, args, Path(tmp)))
    text = report(results, spec, args, load_before, time.perf_counter() - start)
    out = args.out or BENCH / "results" / f"pageview-{args.pages}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text + f"\nwritten to {out}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
