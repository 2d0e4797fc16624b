"""Search benchmark: masterywiki beside An Otter Wiki, on one generated corpus, in one run.

    python bench/search.py --pages 10000

For masterywiki, on a fresh clone of the corpus (bench/corpus.py) and a fresh instance:

* reindex: wall time of ``masterywiki reindex`` (a full build, page scan included);
* restart: a new process opening the existing index and answering one search (it must
  not rebuild: the index folder recorded in ``search/state.json`` must stay the same);
* search: ``gunicorn -w 2``, a fixed list of queries over HTTP (``/-/search?q=``), one
  at a time on new connections, for ``--rounds`` rounds. Round 1 is reported apart:
  each worker process meets each word for the first time there. p50/p95 in ms.

An Otter Wiki runs under the same gunicorn settings on its own clone; its search
(``/-/search/<query>``) reads every file, so it gets a time budget and a smaller sample.
The table is written to bench/results/search-<pages>.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, quote_plus

import corpus
import pageview
from pageview import ServerSpec, get, gunicorn_args, pct, running

BENCH = Path(__file__).resolve().parent
TARGETS = {"p95_ms": 30.0, "reindex_s": 60.0}


def queries(spec: corpus.CorpusSpec) -> list[str]:
    """About 30 queries of every form: words, pairs, phrases, prefixes, booleans, titles."""
    titles = [corpus.page_title(i, spec.seed) for i in (7, 1234 % spec.pages, 4321 % spec.pages)]
    return [
        "mastery",
        "feedback",
        "rubric",
        "lantern",
        "spaced retrieval",
        "feedback rubric",
        "mastery evidence",
        "learner progress",
        "river bridge",
        "otter heron",
        "matrix vector",
        '"spaced retrieval"',
        '"mastery feedback"',
        '"learner goal"',
        "retriev*",
        "matri*",
        "lant*",
        "river OR ocean",
        "graph NOT tree",
        "rubric AND feedback AND evidence",
        "copper OR silver OR amber",
        "rubrik",
        "feedbak",
        "lantren garden",
        titles[0],
        titles[1],
        titles[2].rsplit(" ", 1)[0],
        "theorem proof lemma",
        "signal energy wave",
        "falcon",
    ]


@dataclass
class Result:
    label: str
    reindex_s: float | None = None
    restart_s: float | None = None
    rebuilt_on_restart: bool | None = None
    ready_s: float | None = None
    first_ms: list[float] = field(default_factory=list)
    repeat_ms: list[float] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def masterywiki_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "masterywiki", *args]


def reindex(repo: Path, instance: Path, result: Result) -> None:
    start = time.perf_counter()
    proc = subprocess.run(
        masterywiki_cmd("reindex", "--repo", str(repo), "--instance", str(instance)),
        capture_output=True,
        text=True,
        check=False,
    )
    result.reindex_s = time.perf_counter() - start
    print(f"   reindex {result.reindex_s:.1f} s: {proc.stdout.strip().splitlines()[-1:]}")
    if proc.returncode != 0:
        result.errors.append(f"reindex failed: {proc.stderr.strip()[-500:]}")


RESTART = """
import json, sys, time
start = time.perf_counter()
from masterywiki.web.app import create_app
app = create_app({"repo": sys.argv[1], "instance": sys.argv[2]})
found = app.extensions["masterywiki.search"].search("mastery feedback")
print(json.dumps({"seconds": time.perf_counter() - start, "total": found.total}))
"""


def restart(repo: Path, instance: Path, result: Result) -> None:
    """A new process: build the app, open the index, answer one search."""
    state = instance / "search" / "state.json"
    before = json.loads(state.read_text())["folder"]
    proc = subprocess.run(
        [sys.executable, "-c", RESTART, str(repo), str(instance)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        result.errors.append(f"restart failed: {proc.stderr.strip()[-500:]}")
        return
    result.restart_s = json.loads(proc.stdout)["seconds"]
    result.rebuilt_on_restart = json.loads(state.read_text())["folder"] != before
    print(f"   restart {result.restart_s:.2f} s, rebuilt: {result.rebuilt_on_restart}")


def run_queries(
    port: int, url: str, texts: list[str], rounds: int, budget_s: float, result: Result
) -> None:
    deadline = time.perf_counter() + budget_s
    for round_ in range(rounds):
        for text in texts:
            if time.perf_counter() > deadline and (result.first_ms or result.repeat_ms):
                return
            path = url.format(quote(text, safe="") if "{}" in url else "", q=quote_plus(text))
            try:
                status, body, seconds = get(port, path, timeout=120)
            except OSError as exc:
                result.errors.append(f"{text!r}: {exc}")
                continue
            if status != 200:
                result.errors.append(f"{text!r}: HTTP {status}")
                continue
            (result.first_ms if round_ == 0 else result.repeat_ms).append(seconds * 1000)
            if round_ == 0:
                result.totals[text] = body.count(b'class="result ')


def measure(
    server: ServerSpec, url: str, texts: list[str], args: argparse.Namespace, workdir: Path,
    result: Result, rounds: int, budget_s: float,
) -> None:  # fmt: skip
    log = workdir / f"{server.key}.log"
    port = pageview.free_port()
    print(f"== {server.label} on port {port}", flush=True)
    try:
        with running(server, port, log, args.start_timeout) as (_first_answer_s, ready_s):
            result.ready_s = ready_s
            run_queries(port, url, texts, rounds, budget_s, result)
    except (RuntimeError, OSError, ValueError) as exc:
        result.errors.append(f"{exc}\n{pageview.log_tail(log)}")
    print(f"   {summary(result)}", flush=True)


def ms(values: list[float], q: int) -> str:
    return f"{pct(values, q):,.1f}" if values else "n/a"


def summary(r: Result) -> str:
    return (
        f"first round p50 {ms(r.first_ms, 50)} / p95 {ms(r.first_ms, 95)} ms (n={len(r.first_ms)});"
        f" repeats p50 {ms(r.repeat_ms, 50)} / p95 {ms(r.repeat_ms, 95)} ms (n={len(r.repeat_ms)})"
    )


def fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def report(results: list[Result], spec: corpus.CorpusSpec, texts: list[str],
           args: argparse.Namespace, load_before: str, elapsed: float) -> str:  # fmt: skip
    lines = [
        f"# Search at {spec.pages:,} pages",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (nproc), {platform.platform()}, Python "
        f"{platform.python_version()}, load average before run {load_before}",
        f"- masterywiki {pageview.version_of(sys.executable, 'masterywiki')} at "
        f"{pageview.head_commit()}; otterwiki "
        f"{pageview.version_of(str(pageview.OTTER_VENV / 'bin' / 'python'), 'otterwiki')}; "
        "gunicorn -w 2 (sync) for both",
        f"- corpus: {spec.pages} pages, {spec.history} edit commits, seed {spec.seed}; "
        f"{len(texts)} queries, one at a time on new connections, {args.rounds} rounds "
        f"for masterywiki; run took {elapsed:.0f} s",
        "",
        "| server | search p50 / p95 ms, first round (n) | search p50 / p95 ms, repeats (n) "
        "| full reindex s | restart s (rebuilt?) | ready s |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        restart_cell = (
            f"{fmt(r.restart_s, 2)} ({'yes' if r.rebuilt_on_restart else 'no'})"
            if r.restart_s is not None
            else "n/a"
        )
        lines.append(
            "| "
            + " | ".join(
                [
                    r.label + (" (errors)" if r.errors else ""),
                    f"{ms(r.first_ms, 50)} / {ms(r.first_ms, 95)} ({len(r.first_ms)})",
                    f"{ms(r.repeat_ms, 50)} / {ms(r.repeat_ms, 95)} ({len(r.repeat_ms)})",
                    fmt(r.reindex_s),
                    restart_cell,
                    fmt(r.ready_s, 2),
                ]
            )
            + " |"
        )
    mine = next((r for r in results if r.label == "masterywiki"), None)
    if mine is not None and spec.pages == 10000:
        every = mine.first_ms + mine.repeat_ms
        checks = [
            ("search p95 < 30 ms over all rounds", bool(every) and pct(every, 95) < 30),
            (
                "search p95 < 30 ms, first round",
                bool(mine.first_ms) and pct(mine.first_ms, 95) < 30,
            ),
            ("a restart does not rebuild the index", mine.rebuilt_on_restart is False),
            ("full reindex < 60 s", mine.reindex_s is not None and mine.reindex_s < 60),
        ]
        lines += ["", "Targets for masterywiki at 10,000 pages:", ""]
        lines += [f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks]
        if every:
            lines.append(f"- all rounds together: p50 {ms(every, 50)} ms, p95 {ms(every, 95)} ms")
    if mine is not None and mine.first_ms:
        slow = sorted(zip(mine.first_ms, texts, strict=False), reverse=True)[:5]
        lines += ["", "Slowest first-round masterywiki queries: "
                  + "; ".join(f"`{t}` {v:.0f} ms" for v, t in slow)]  # fmt: skip
    lines += ["", "Queries: " + ", ".join(f"`{t}`" for t in texts)]
    errors = [f"- {r.label}: {e.splitlines()[0]}" for r in results for e in r.errors[:3]]
    if errors:
        lines += ["", "Errors:", "", *errors]
    lines += ["", "One noisy 2-core machine: compare rows of this run with each other only."]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpora", type=Path, default=BENCH / "corpora")
    parser.add_argument("--servers", default="masterywiki,otter")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over the query list")
    parser.add_argument("--otter-budget", type=float, default=90.0, help="seconds of Otter search")
    parser.add_argument("--start-timeout", type=float, default=180.0)
    parser.add_argument("--out", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    keys = [k.strip() for k in args.servers.split(",") if k.strip()]
    spec = corpus.CorpusSpec(args.pages, args.history, args.seed)
    repo = args.corpora / f"p{args.pages}-h{args.history}-s{args.seed}"
    corpus.ensure_corpus(repo, spec)
    texts = queries(spec)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    start = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="run-", dir=args.corpora) as tmp:
        workdir = Path(tmp)
        if "masterywiki" in keys:
            result = Result("masterywiki")
            mine = pageview.clone(repo, workdir / "mw-repo")
            instance = workdir / "mw-instance"
            print("== masterywiki reindex and restart", flush=True)
            reindex(mine, instance, result)
            if not result.errors:
                restart(mine, instance, result)
            env = {"MASTERYWIKI_REPO": str(mine), "MASTERYWIKI_INSTANCE": str(instance)}
            argv_ = [*gunicorn_args([sys.executable, "-m", "gunicorn"]), "masterywiki:create_app()"]
            server = ServerSpec("masterywiki", "masterywiki", argv_, env, "/-/healthz")
            measure(server, "/-/search?q={q}", texts, args, workdir, result, args.rounds, 600.0)
            results.append(result)
        if "otter" in keys:
            result = Result("An Otter Wiki")
            argv_ = [*gunicorn_args([str(pageview.ensure_otter_venv())]), "otterwiki.server:app"]
            env = {
                "REPOSITORY": str(pageview.clone(repo, workdir / "otter-repo")),
                "SECRET_KEY": "bench-secret-key-0123456789abcdef",
            }
            server = ServerSpec("otter", "An Otter Wiki", argv_, env, "/-/healthz")
            measure(server, "/-/search/{}", texts, args, workdir, result, 1, args.otter_budget)
            results.append(result)
        shutil.rmtree(workdir / "mw-instance", ignore_errors=True)
    text = report(results, spec, texts, args, load_before, time.perf_counter() - start)
    out = args.out or BENCH / "results" / f"search-{args.pages}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text + f"\nwritten to {out}")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
