"""`masterywiki check` and `masterywiki build` at several sizes in one run, full and
incremental after a one-page change.

    python bench/checkbuild.py                         # 10,000 and 100,000 pages
    python bench/checkbuild.py --pages 1000 --corpora /work/main/bench/corpora

For each size, in a clone of the generated corpus (bench/corpus.py, generated when
missing) and a fresh instance, one after another:

1. `check --full`: a first check, every page read and rendered;
2. `check` after a commit that edits one page's body: the incremental path;
3. `build OUT --full`: every page rendered and written;
4. `build OUT` after a commit that edits another page's body.

Each run is timed (wall clock) and its peak memory read from `/usr/bin/time -v`; a run
past `--bound` seconds is stopped and reported as "> bound". The table is printed and
written to bench/results/scale-checkbuild.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import corpus
from pageview import head_commit, version_of

BENCH = Path(__file__).resolve().parent
# The targets, at 100,000 pages (seconds).
TARGETS = {"check full": 60.0, "check after one edit": 5.0, "build full": 300.0,
           "build after one edit": 5.0}  # fmt: skip


@dataclass
class Run:
    pages: int
    step: str
    seconds: float | None  # None: stopped at the bound
    bound: float
    peak_mb: float = 0.0
    rendered: str = ""  # pages rendered, as the command says
    cpu: float = 0.0  # user + system seconds, the command and its workers

    def cpu_cell(self) -> str:
        return f"{self.cpu:.1f}" if self.seconds is not None else "-"

    def cell(self) -> str:
        return f"{self.seconds:.1f}" if self.seconds is not None else f"> {self.bound:.0f}"


def timed(pages: int, step: str, cmd: list[str], bound: float) -> Run:
    print(f"{pages} pages, {step}: {' '.join(cmd)}", flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["/usr/bin/time", "-v", *cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        print("  stopped at the bound", flush=True)
        return Run(pages, step, None, bound)
    seconds = time.perf_counter() - start
    text = out.decode("utf-8", "replace") + err.decode("utf-8", "replace")
    if proc.returncode not in (0, 1):  # check exits 1 when it finds an error
        raise SystemExit(f"{step} failed ({proc.returncode}): {text[-2000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", text))
    rendered = re.search(r"\((\d+) rendered", text)
    run = Run(
        pages,
        step,
        seconds,
        bound,
        peak_mb=int(peak.group(1)) / 1024 if peak else 0.0,
        rendered=rendered.group(1) if rendered else "",
        cpu=cpu,
    )
    print(f"  {run.cell()} s ({run.cpu:.1f} s CPU), {run.peak_mb:.0f} MB, "
          f"{run.rendered or '?'} rendered", flush=True)  # fmt: skip
    return run


def edit_one_page(clone: Path, index: int, pages: int) -> None:
    page = clone / corpus.page_path(index, pages)
    page.write_text(page.read_text() + "\nOne more paragraph, for the incremental run.\n")
    env = ["-c", "user.name=Bench", "-c", "user.email=bench@example.org"]
    subprocess.run(["git", "-C", str(clone), *env, "commit", "-qam", "edit"], check=True)


def measure(
    repo: Path, pages: int, work: Path, processes: int, bound: float, steps: list[str],
    done: Callable[[Run], None],
) -> None:  # fmt: skip
    """The steps for one corpus size; `done(run)` is told after each run."""
    clone, instance, out = work / f"repo-{pages}", work / f"instance-{pages}", work / f"out-{pages}"
    subprocess.run(["git", "clone", "-q", "--local", str(repo), str(clone)], check=True)
    common = ["--repo", str(clone), "--instance", str(instance), "--processes", str(processes)]
    check = ["masterywiki", "check", *common]
    build = ["masterywiki", "build", str(out), *common]
    if "check" in steps:
        done(timed(pages, "check full", [*check, "--full"], bound))
        edit_one_page(clone, 7, pages)
        done(timed(pages, "check after one edit", check, bound))
    if "build" in steps:
        full = timed(pages, "build full", [*build, "--full"], bound)
        done(full)
        if full.seconds is not None:  # an incremental build needs a finished one
            edit_one_page(clone, 11, pages)
            done(timed(pages, "build after one edit", build, bound))


def table(runs: list[Run]) -> str:
    sizes = sorted({r.pages for r in runs})
    steps = list(dict.fromkeys(r.step for r in runs))
    head = " | ".join(f"{size:,} pages: s (CPU s, peak MB, rendered)" for size in sizes)
    lines = [f"| step | {head} | target at 100,000 |", "|---|" + "---:|" * len(sizes) + "---|"]
    for step in steps:
        cells = []
        for size in sizes:
            run = next((r for r in runs if r.pages == size and r.step == step), None)
            cells.append(
                f"{run.cell()} ({run.cpu_cell()}, {run.peak_mb:,.0f} MB, {run.rendered or '?'})"
                if run
                else "-"
            )
        target = TARGETS.get(step)
        lines.append(f"| {step} | {' | '.join(cells)} | {f'< {target:.0f} s' if target else ''} |")
    return "\n".join(lines)


def verdicts(runs: list[Run]) -> list[str]:
    found = []
    for run in runs:
        target = TARGETS.get(run.step)
        if run.pages == 100_000 and target is not None:
            ok = run.seconds is not None and run.seconds < target
            found.append(f"- {run.step} at 100,000 pages under {target:.0f} s: "
                         f"{'PASS' if ok else 'FAIL'} ({run.cell()} s)")  # fmt: skip
    return found


def report(runs: list[Run], history: int, seed: int, load_before: str, processes: int) -> str:
    lines = [
        "# check and build at scale",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (nproc), {platform.platform()}, "
        f"Python {platform.python_version()}, load average before run {load_before}",
        f"- masterywiki {version_of(sys.executable, 'masterywiki')} at {head_commit()}",
        f"- corpora: bench/corpus.py, {history} edit commits, seed {seed}; each step in "
        f"a clone, with a fresh instance; `--processes {processes}`",
        "",
        table(runs),
        "",
        *verdicts(runs),
        "",
        "Steps, in this order for each size: `check --full` (a first check: the page cache",
        "is written and every page rendered); `check` after a commit editing one page;",
        "`build OUT --full`; `build OUT` after a commit editing another page.",
        "",
        "One run on a noisy shared 2-core machine: compare rows of this run only.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpora", type=Path, default=BENCH / "corpora")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--bound", type=float, default=3600.0, help="seconds per run")
    parser.add_argument("--steps", default="check,build", help="check, build or both")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "scale-checkbuild.md")
    args = parser.parse_args(argv)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    steps = args.steps.split(",")
    runs: list[Run] = []
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def done(run: Run) -> None:  # the report so far, so a stopped bench keeps its figures
        runs.append(run)
        args.out.write_text(report(runs, args.history, args.seed, load_before, args.processes))

    with tempfile.TemporaryDirectory(prefix="checkbuild-bench-") as tmp:
        for pages in (int(p) for p in args.pages.split(",")):
            spec = corpus.CorpusSpec(pages, args.history, args.seed)
            repo = args.corpora / f"p{pages}-h{args.history}-s{args.seed}"
            corpus.ensure_corpus(repo, spec)
            measure(repo, pages, Path(tmp), args.processes, args.bound, steps, done)
    print(args.out.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
