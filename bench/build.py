"""Static build benchmark: `masterywiki build` beside sphinx-build (MyST) and mkdocs build.

    python bench/build.py --pages 1000
    python bench/build.py --pages 10000          # sphinx only at --sphinx-max-pages

All three build the same generated corpus (bench/corpus.py) in one run, one after
another, from a plain copy of its files (`git archive HEAD`):

* masterywiki: `masterywiki build OUT --repo CORPUS --instance FRESH` (a cold first
  build, every page rendered), then the same command again with nothing changed
  (the incremental path), then once more after one page was edited and committed
  in a clone;
* sphinx: `sphinx-build -q -b html SRC OUT` with myst-parser, from `bench/.venv-sphinx`
  (created on first use); the corpus' own MyST toctrees drive the navigation;
* mkdocs: `mkdocs build -q` with automatic navigation, from `bench/.venv-mkdocs`.

Each tool has a time bound; a run that exceeds it is stopped and reported as "> bound".
The table is printed and written to bench/results/build-<pages>.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import corpus
from pageview import head_commit, version_of

BENCH = Path(__file__).resolve().parent
VENVS = {
    "sphinx": (BENCH / ".venv-sphinx", ["sphinx", "myst-parser"]),
    "mkdocs": (BENCH / ".venv-mkdocs", ["mkdocs"]),
}
TARGETS = {1000: 5.0, 10000: 60.0}  # masterywiki build, seconds
SPHINX_CONF = """\
project = "bench"
extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
suppress_warnings = ["myst.header", "myst.xref_missing", "toc.not_included"]
"""


@dataclass
class Run:
    tool: str
    seconds: float | None  # None: stopped at the bound
    bound: float
    pages: int = 0  # index.html (or .html) files written
    megabytes: float = 0.0
    note: str = ""

    def cell(self) -> str:
        return f"{self.seconds:.1f}" if self.seconds is not None else f"> {self.bound:.0f}"


def ensure_venv(tool: str) -> Path:
    venv, packages = VENVS[tool]
    binary = venv / "bin" / ("sphinx-build" if tool == "sphinx" else "mkdocs")
    if not binary.exists():
        print(f"creating {venv} (pip install {' '.join(packages)})", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, *packages], check=True, timeout=900)
    return binary


def export(repo: Path, dest: Path) -> Path:
    """The corpus' files at HEAD, without .git."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", "HEAD"],
        check=True,
        capture_output=True,
    ).stdout
    tar = dest.parent / f"{dest.name}.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as handle:
        handle.extractall(dest, filter="data")
    tar.unlink()
    return dest


def timed(tool: str, cmd: list[str], bound: float, cwd: Path | None = None) -> Run:
    print(f"{tool}: {' '.join(cmd)}", flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        output, _ = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.communicate()
        print(f"{tool}: stopped at the {bound:.0f} s bound", flush=True)
        return Run(tool, None, bound, note="stopped at the time bound")
    seconds = time.perf_counter() - start
    text = output.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = text.strip().splitlines()[-3:]
        raise SystemExit(f"{tool} failed ({proc.returncode}): {' | '.join(tail)}")
    print(f"{tool}: {seconds:.1f} s", flush=True)
    return Run(tool, seconds, bound)


def measure_output(run: Run, out: Path) -> Run:
    if out.is_dir():
        files = [p for p in out.rglob("*") if p.is_file()]
        run.pages = sum(1 for p in files if p.suffix == ".html")
        run.megabytes = sum(p.stat().st_size for p in files) / 1e6
    return run


def run_masterywiki(repo: Path, work: Path, processes: int, bound: float) -> list[Run]:
    out, instance = work / "mw-out", work / "mw-instance"
    cmd = [
        "masterywiki",
        "build",
        str(out),
        "--repo",
        str(repo),
        "--instance",
        str(instance),
        "--processes",
        str(processes),
    ]
    cold = measure_output(timed("masterywiki", cmd, bound), out)
    cold.note = "first build: fresh instance, every page rendered"
    again = timed("masterywiki (no change)", cmd, bound)
    again.note = "same command again: nothing changed, nothing rendered"
    # One page edited: a clone, so the corpus stays as generated.
    clone = work / "mw-clone"
    subprocess.run(["git", "clone", "-q", "--local", str(repo), str(clone)], check=True)
    page = clone / corpus.page_path(7, count_pages(repo))
    page.write_text(page.read_text() + "\nOne more paragraph for the incremental build.\n")
    env = ["-c", "user.name=Bench", "-c", "user.email=bench@example.org"]
    subprocess.run(["git", "-C", str(clone), *env, "commit", "-qam", "edit"], check=True)
    edit_cmd = [*cmd[:4], str(clone), *cmd[5:]]
    edited = timed("masterywiki (one page edited)", edit_cmd, bound)
    edited.note = "after a commit that edits one page's body"
    return [cold, again, edited]


def count_pages(repo: Path) -> int:
    marker = corpus.read_marker(repo) or {}
    return int(marker.get("pages", 0))


def run_sphinx(src: Path, work: Path, bound: float) -> Run:
    binary = ensure_venv("sphinx")
    (src / "conf.py").write_text(SPHINX_CONF)
    out = work / "sphinx-out"
    run = timed("sphinx-build", [str(binary), "-q", "-b", "html", str(src), str(out)], bound)
    run.note = "myst-parser, default theme (alabaster), one process"
    return measure_output(run, out)


def run_mkdocs(src: Path, work: Path, bound: float) -> Run:
    binary = ensure_venv("mkdocs")
    site = work / "mkdocs"
    site.mkdir()
    shutil.move(str(src), site / "docs")
    (site / "mkdocs.yml").write_text("site_name: bench\ndocs_dir: docs\nsite_dir: site\n")
    run = timed("mkdocs build", [str(binary), "build", "-q"], bound, cwd=site)
    run.note = "default theme, automatic navigation (the whole nav in every page)"
    return measure_output(run, site / "site")


def table(runs: list[Run]) -> str:
    lines = ["| tool | seconds | HTML files | output MB | notes |", "|---|---:|---:|---:|---|"]
    for r in runs:
        files = f"{r.pages:,}" if r.pages else "-"
        size = f"{r.megabytes:,.0f}" if r.megabytes else "-"
        lines.append(f"| {r.tool} | {r.cell()} | {files} | {size} | {r.note} |")
    return "\n".join(lines)


def report(runs: list[Run], spec: corpus.CorpusSpec, load_before: str, skipped: list[str]) -> str:
    sphinx_python = str(VENVS["sphinx"][0] / "bin" / "python")
    mkdocs_python = str(VENVS["mkdocs"][0] / "bin" / "python")
    lines = [
        f"# Static build at {spec.pages:,} pages",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (nproc), {platform.platform()}, "
        f"Python {platform.python_version()}, load average before run {load_before}",
        f"- masterywiki {version_of(sys.executable, 'masterywiki')} at {head_commit()}; "
        f"sphinx {version_of(sphinx_python, 'sphinx')} with myst-parser "
        f"{version_of(sphinx_python, 'myst-parser')}; mkdocs {version_of(mkdocs_python, 'mkdocs')}",
        f"- corpus: {spec.pages} pages, {spec.history} edit commits, seed {spec.seed}",
        "",
        table(runs),
        "",
    ]
    target = TARGETS.get(spec.pages)
    mine = runs[0]
    if target is not None:
        ok = mine.seconds is not None and mine.seconds < target
        lines += [
            f"Target: masterywiki build under {target:.0f} s at {spec.pages:,} pages: "
            f"{'PASS' if ok else 'FAIL'} ({mine.cell()} s).",
            "",
        ]
    lines += [f"- {line}" for line in skipped]
    if skipped:
        lines.append("")
    lines.append("One run each on a noisy 2-core machine: compare rows of this run only.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tools", default="masterywiki,sphinx,mkdocs")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--sphinx-max-pages",
        type=int,
        default=1000,
        help="run sphinx only up to this many pages (it takes minutes)",
    )
    parser.add_argument("--bound", type=float, default=900.0, help="seconds per tool run")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    spec = corpus.CorpusSpec(args.pages, args.history, args.seed)
    repo = BENCH / "corpora" / f"p{spec.pages}-h{spec.history}-s{spec.seed}"
    corpus.ensure_corpus(repo, spec)
    tools = args.tools.split(",")
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    runs: list[Run] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="build-bench-") as tmp:
        work = Path(tmp)
        if "masterywiki" in tools:
            runs += run_masterywiki(repo, work, args.processes, args.bound)
        if "sphinx" in tools:
            if spec.pages <= args.sphinx_max_pages:
                runs.append(run_sphinx(export(repo, work / "sphinx-src"), work, args.bound))
            else:
                skipped.append(
                    f"sphinx-build not run at {spec.pages:,} pages (over "
                    f"--sphinx-max-pages {args.sphinx_max_pages:,}): at 1,000 pages "
                    "see build-1000.md for it beside the other two"
                )
        if "mkdocs" in tools:
            runs.append(run_mkdocs(export(repo, work / "mkdocs-src"), work, args.bound))
    text = report(runs, spec, load_before, skipped)
    print(text)
    out = args.out or BENCH / "results" / f"build-{spec.pages}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
