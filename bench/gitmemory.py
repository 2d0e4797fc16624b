"""Memory and time of the git commands the wiki runs, at two pack-memory settings.

    python bench/gitmemory.py --pages 100000 --before 16m/32m

On a fresh clone of the generated corpus (bench/corpus.py), each command below runs
with `git/packmemory.py`'s settings and with the `--before` ones (pack windows / delta
cache), in turn, `--rounds` times each; the table gives the median wall time and the
largest resident size (`/usr/bin/time`). The commands are those a worker starts:

* a save's work-tree update (`read-tree -m -u` across three commits and back);
* a page's history (`log --raw` of one path) and recent changes (`log --name-status`);
* a long-lived `cat-file --batch-check` resolving 300 paths of the newest commit (a
  revision, a diff or a save resolves one or two), and `--batch` reading 3,000 pages;
* the first commit-graph with changed-path filters.

Recent changes and the commit-graph compare the trees of many commits: their commands
ask for a larger delta cache (`MANY_TREES_DELTA_CACHE`), and are measured with it.

The table goes to bench/results/gitmemory.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import corpus
import pageview

from masterywiki.git.packmemory import MANY_TREES_DELTA_CACHE, PACK_SETTINGS

BENCH = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setting:
    options: list[str]  # git -c options for every command
    many_trees_delta: str  # the delta cache of the commands comparing many trees


Run = Callable[[Setting], tuple[float, int]]  # -> (wall s, peak KB)


def timed(argv: list[str], stdin: bytes | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident KB of one command, from `/usr/bin/time`."""
    with tempfile.NamedTemporaryFile("r") as report:
        subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", report.name, *argv],
            input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        )  # fmt: skip
        seconds, kb = report.read().split()
    return float(seconds), int(kb)


def options(windows: str, delta: str) -> list[str]:
    return ["-c", "core.packedGitWindowSize=1m", "-c", f"core.packedGitLimit={windows}",
            "-c", f"core.deltaBaseCacheLimit={delta}"]  # fmt: skip


def commands(repo: Path, rng: random.Random) -> dict[str, Run]:
    """The measured commands, each run as `git -C repo <options> ...`."""

    def git(*args: str) -> list[str]:
        return ["git", "-C", str(repo), *args]

    listed = subprocess.run(git("ls-tree", "-r", "HEAD"), capture_output=True, text=True)
    entries = [line.split(None, 3) for line in listed.stdout.splitlines()]
    page = rng.choice([path for *_, path in entries if "/page-" in path])
    paths = "".join(f"HEAD:{path}\n" for path in rng.sample([e[3] for e in entries], 300))
    blobs = "".join(f"{e[2]}\n" for e in rng.sample(entries, 3000))

    def work_tree(setting: Setting) -> tuple[float, int]:
        there = timed([*git(*setting.options), "read-tree", "-m", "-u", "HEAD", "HEAD~3"])
        back = timed([*git(*setting.options), "read-tree", "-m", "-u", "HEAD~3", "HEAD"])
        return there[0] + back[0], max(there[1], back[1])

    def commit_graph(setting: Setting) -> tuple[float, int]:
        shutil.rmtree(repo / ".git/objects/info/commit-graphs", ignore_errors=True)
        (repo / ".git/objects/info/commit-graph").unlink(missing_ok=True)
        delta = ["-c", f"core.deltaBaseCacheLimit={setting.many_trees_delta}"]
        return timed([*git(*setting.options, *delta), "commit-graph", "write", "--reachable",
                      "--changed-paths", "--split"])  # fmt: skip

    def recent_changes(setting: Setting) -> tuple[float, int]:
        delta = ["-c", f"core.deltaBaseCacheLimit={setting.many_trees_delta}"]
        return timed([*git(*setting.options, *delta), "log", "--name-status", "-M", "-n", "200"])

    return {
        "a save's work-tree update (read-tree there and back)": work_tree,
        "a page's history (log --raw of one path)": lambda s: timed(
            [*git(*s.options), "log", "--format=", "--raw", "-z", "--no-abbrev", "HEAD", "--", page]
        ),
        "recent changes (log --name-status of 200 commits)": recent_changes,
        "cat-file: 300 paths of the newest commit": lambda s: timed(
            [*git(*s.options), "cat-file", "--batch-check"], paths.encode()
        ),
        "cat-file: 3,000 pages' text": lambda s: timed(
            [*git(*s.options), "cat-file", "--batch"], blobs.encode()
        ),
        "the first commit-graph, with changed-path filters": commit_graph,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=100000)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", default="16m/32m", help="pack windows / delta cache")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "gitmemory.md")
    args = parser.parse_args()
    spec = corpus.CorpusSpec(args.pages, args.history, args.seed)
    source = BENCH / "corpora" / f"p{args.pages}-h{args.history}-s{args.seed}"
    corpus.ensure_corpus(source, spec)
    now = (PACK_SETTINGS["core.packedGitLimit"], PACK_SETTINGS["core.deltaBaseCacheLimit"])
    before = tuple(args.before.split("/"))
    settings = {  # those commands had no delta cache of their own before
        "before": Setting(options(*before), before[1]),
        "now": Setting(options(*now), MANY_TREES_DELTA_CACHE),
    }
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(dir=BENCH / "corpora") as work:
        repo = pageview.clone(source, Path(work) / "repo")
        measured = commands(repo, random.Random(f"gitmemory:{args.seed}"))
        rows = []
        for name, run in measured.items():
            found: dict[str, list[tuple[float, int]]] = {"before": [], "now": []}
            for _ in range(args.rounds):
                for which, setting in settings.items():  # in turn: the noise is shared
                    found[which].append(run(setting))
            cells = []
            for which in ("before", "now"):
                seconds = statistics.median(s for s, _ in found[which])
                peak = max(kb for _, kb in found[which]) / 1024
                cells.append(f"{seconds:.2f} s, {peak:.0f} MB")
            rows.append(f"| {name} | {cells[0]} | {cells[1]} |")
            print(rows[-1], flush=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = "\n".join([
        "# Memory of the git commands the wiki runs",
        "",
        f"{stamp}, {platform.machine()} with {os.cpu_count()} CPUs (load average before "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}); `python bench/gitmemory.py --pages "
        f"{args.pages}` on a fresh clone of the corpus ({args.history} edit commits). Median "
        f"wall time of {args.rounds} rounds, each setting in turn, and the largest resident "
        "size of the command.",
        "",
        f"| command | {before[0]} windows, {before[1]} delta cache | {now[0]} windows, "
        f"{now[1]} delta cache (now) |",
        "|---|---|---|",
        *rows,
        "",
    ])  # fmt: skip
    args.out.write_text(report)
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
