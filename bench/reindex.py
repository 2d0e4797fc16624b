"""Full search-index build benchmark: ``masterywiki reindex`` on a fresh clone and instance.

    python bench/reindex.py --pages 10000 100000 --before 54c6bac

For each size, on a fresh clone of the generated corpus (bench/corpus.py; it must exist
already) and a fresh instance, ``/usr/bin/time -v masterywiki reindex`` gives:

* wall s: from spawn to exit (page scan, indexing in forked workers, tables, switch);
* CPU s: user + system time of the command and everything it waited for (its forked
  workers, git): on a shared machine the fairer figure, as wall time includes waiting;
* peak RSS MB: the largest resident size of one of those processes.

With ``--before REV`` the same is measured for the code of revision REV (its ``src``
from ``git archive``, put first on ``PYTHONPATH``) on its own clone and instance, and the
two indexes are compared: the top 10 of bench/search.py's queries (names, scores, totals)
and the search-as-you-type suggestions must be the same. The table goes to
bench/results/reindex.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import corpus

import search as search_bench

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
Answers = dict[str, Any]  # query: [total, top 10 [name, score], suggested urls]
TARGET_S = 60.0  # issue 23: fully indexed within 60 s at 100,000 pages

DUMP = """
import json, sys
from masterywiki import settings as settings_module
from masterywiki.repository.instance import open_repository
from masterywiki.repository.wiki import Wiki
from masterywiki.search import SearchService
loaded = settings_module.load({"repo": sys.argv[1], "instance": sys.argv[2]})
storage, _ = open_repository(loaded)
wiki = Wiki(storage, cache_dir=loaded.cache_dir, language=loaded.language)
wiki.refresh()
service = SearchService(wiki, loaded.instance / "search", language=loaded.language)
found = {}
for query in json.loads(sys.argv[3]):
    results = service.search(query)
    hits = [(h.name, round(h.score, 4)) for h in results.hits[:10]]
    found[query] = [results.total, hits, [s.url for s in service.suggest(query)]]
print(json.dumps(found))
"""


@dataclass
class Run:
    label: str
    pages: int
    wall_s: float = 0.0
    cpu_s: float = 0.0
    rss_mb: float = 0.0
    load: float = 0.0  # the 1-minute load average when it started
    answers: Answers = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def time_v(text: str, name: str) -> float:
    """A figure of GNU time's verbose report; the wall clock as seconds."""
    match = re.search(rf"^\s*{re.escape(name)}.*: (\S+)$", text, re.MULTILINE)
    if match is None:
        raise ValueError(f"no '{name}' in /usr/bin/time's report")
    value = match.group(1)
    if ":" in value:  # h:mm:ss or m:ss
        seconds = 0.0
        for part in value.split(":"):
            seconds = seconds * 60 + float(part)
        return seconds
    return float(value)


def source_of(revision: str, into: Path) -> Path:
    """The package sources of `revision`, unpacked under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def measure(label: str, source: Path, pages: int, src: Path | None, workdir: Path) -> Run:
    run = Run(label, pages, load=os.getloadavg()[0])
    folder = workdir / f"{label}-{pages}"
    folder.mkdir()
    repo, instance = folder / "repo", folder / "instance"
    subprocess.run(["git", "clone", "--quiet", str(source), str(repo)], check=True)
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "masterywiki", "reindex"]
    command += ["--repo", str(repo), "--instance", str(instance)]
    print(f"== {label} at {pages:,} pages (load {run.load:.1f})", flush=True)
    done = subprocess.run(
        ["/usr/bin/time", "-v", *command], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        run.errors.append(f"reindex failed: {done.stderr.strip()[-500:]}")
        return run
    report = done.stderr
    run.wall_s = time_v(report, "Elapsed (wall clock) time")
    run.cpu_s = time_v(report, "User time (seconds)") + time_v(report, "System time (seconds)")
    run.rss_mb = time_v(report, "Maximum resident set size (kbytes)") / 1024
    print(f"   {run.wall_s:.1f} s wall, {run.cpu_s:.1f} s CPU, {run.rss_mb:.0f} MB", flush=True)
    answers, error = dump(repo, instance, pages, env)
    if error:
        run.errors.append(error)
    run.answers = answers
    shutil.rmtree(folder, ignore_errors=True)  # 100,000 pages: a clone is 1.2 GB
    return run


def dump(repo: Path, instance: Path, pages: int, env: dict[str, str]) -> tuple[Answers, str]:
    """The answers of an index to bench/search.py's queries; an error message if none."""
    queries = json.dumps(search_bench.queries(corpus.CorpusSpec(pages, 5000, 1)))
    dumped = subprocess.run(
        [sys.executable, "-c", DUMP, str(repo), str(instance), queries],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if dumped.returncode != 0:
        return {}, f"queries failed: {dumped.stderr.strip()[-500:]}"
    found: Answers = json.loads(dumped.stdout)
    return found, ""


def compare(before: Answers, after: Answers) -> str:
    """How the answers of two indexes differ: the top 10 hits and totals, then the
    search-as-you-type suggestions.

    Pages of equal score come in document order, which depends on how the pages were
    shared among processes: such ties are compared as sets (the last group of the top
    10 only by its size, as the cut may fall inside it). Suggestions come from whoosh,
    which expands a prefix in each segment apart: they depend on that sharing too."""
    if not before or before.keys() != after.keys():
        return "NO: different queries answered"
    if before == after:
        return "same hits in the same order, same suggestions"
    hits = "same hits in the same order"
    for query, (total, found, _) in before.items():
        total_after, found_after, _ = after[query]
        if total != total_after or _ties(found) != _ties(found_after):
            return f"NO: {query!r} finds or ranks pages otherwise"
        if found != found_after:
            hits = "same hits and scores (pages of equal score in another order)"
    differ = [q for q, answer in before.items() if answer[2] != after[q][2]]
    return f"{hits}; suggestions differ for {len(differ)} queries: {differ[:3]}"


def _ties(hits: list[list[Any]]) -> list[tuple[float, Any]]:
    groups: dict[float, list[str]] = {}
    for name, score in hits:
        groups.setdefault(score, []).append(name)
    found: list[tuple[float, Any]] = [(s, sorted(n)) for s, n in groups.items()]
    if found:
        found[-1] = (found[-1][0], len(found[-1][1]))
    return found


def report(runs: list[Run], args: argparse.Namespace, took: float, head: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Full search-index build (`masterywiki reindex`)",
        "",
        f"{stamp}, {platform.machine()} with {os.cpu_count()} CPUs (shared with other work:"
        " see the load column), Python {}.{}; `python bench/reindex.py` at {}{}, {:.0f} s."
        "".format(
            *sys.version_info[:2],
            head,
            f", before = {args.before}" if args.before else "",
            took,
        ),
        "",
        "| code | pages | wall s | CPU s | peak RSS MB | load at start |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        if run.errors:
            lines.append(f"| {run.label} | {run.pages:,} | failed | | | {run.load:.1f} |")
            continue
        lines.append(
            f"| {run.label} | {run.pages:,} | {run.wall_s:.1f} | {run.cpu_s:.1f}"
            f" | {run.rss_mb:.0f} | {run.load:.1f} |"
        )
    lines += ["", f"Target (issue 23): fully indexed within {TARGET_S:.0f} s at 100,000 pages."]
    if args.before:
        lines += ["", "Same answers before and after (top 10 of each query, totals, suggestions):"]
        for pages in args.pages:
            pair = [r for r in runs if r.pages == pages and not r.errors]
            if len(pair) == 2:
                verdict = compare(pair[0].answers, pair[1].answers)
                count = len(pair[0].answers)
                lines.append(f"- {pages:,} pages: {verdict} ({count} queries)")
    errors = [f"- {r.label} {r.pages}: {e}" for r in runs for e in r.errors]
    if errors:
        lines += ["", "Errors:", *errors]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--corpora", type=Path, default=BENCH / "corpora")
    parser.add_argument("--before", help="a git revision to measure first, for comparison")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "reindex.md")
    parser.add_argument(
        "--compare",
        nargs=3,
        type=Path,
        metavar=("REPO", "INSTANCE", "OTHER_INSTANCE"),
        help="only compare the answers of two instances of one repository (--pages: its size)",
    )
    args = parser.parse_args(argv)
    if args.compare:
        repo, first, second = args.compare
        answers = [dump(repo, i, args.pages[0], dict(os.environ)) for i in (first, second)]
        print(compare(answers[0][0], answers[1][0]), answers[0][1], answers[1][1])
        return 0
    if not Path("/usr/bin/time").exists():
        parser.error("needs GNU time at /usr/bin/time (Debian package `time`)")
    start = time.perf_counter()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="mw-reindex-") as tmp:
        workdir = Path(tmp)
        before = source_of(args.before, workdir) if args.before else None
        for pages in args.pages:
            source = args.corpora / f"p{pages}-h5000-s1"
            if corpus.read_marker(source) is None:
                parser.error(f"no corpus at {source}: make it with bench/corpus.py first")
            if before is not None:
                runs.append(measure("before", source, pages, before, workdir))
            runs.append(measure("after" if before else "this", source, pages, None, workdir))
    text = report(runs, args, time.perf_counter() - start, head)
    args.out.write_text(text)
    print(text)
    return 1 if any(r.errors for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
