"""Database benchmark: a login, a session check and a comment post, today and now.

    python bench/database.py
    python bench/database.py --rounds 5 --ops 5000

Times the database work of the three operations every request or form depends on, per
operation (median and p90 over ``--ops`` operations after ``--warmup``), on a fresh
database each time, for these variants **in one run**:

* today (SQLite, per-call connections): the code before the database layer (``--before``,
  commit db3e274), extracted with ``git archive`` and run with ``PYTHONPATH`` pointing at
  it: ``Accounts(path)`` on ``masterywiki.sqlite3`` and ``RateLimiter(path)`` on
  ``comments.sqlite3``, a new ``sqlite3`` connection for every call;
* now (SQLite): the working tree's ``Database("sqlite:///...")``, pooled connections;
* now (PostgreSQL, local): the same on a PostgreSQL started for the run (``initdb`` in a
  temp folder through ``tests/postgres.py``) with its default, durable settings, and once
  more with the test helper's own settings (``fsync=off``, ``synchronous_commit=off``).

The operations: login = ``authenticate`` + ``start_session`` with a deliberately cheap
argon2 hasher (``time_cost=1, memory_cost=8``), so the database work is what is timed;
session check = ``user_for_session`` (every request of a logged-in user), rotating over
the sessions the logins made; comment post = ``RateLimiter.take`` (limit 10**9, so it
never refuses). Each variant runs in its own Python process; the variants alternate in
``--rounds`` rounds (order rotated each round) and the round with the best median counts.

The markdown table is printed and written to bench/results/database.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
BEFORE = "db3e274"  # the last commit with per-call sqlite3 connections
USER, PASSWORD, ADDRESS = "ada", "correct horse battery", "10.0.0.1"
OPERATIONS = {
    "login": "login",
    "check": "session check",
    "post": "comment post",
}
PG_SLOWER_MS = 2.0  # the acceptance line: PostgreSQL within 2 ms of today


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    kind: str  # today | sqlite | postgres (what the worker builds)


VARIANTS = [
    Variant("today", "today (SQLite, per-call connections)", "today"),
    Variant("sqlite", "now (SQLite)", "sqlite"),
    Variant("postgres", "now (PostgreSQL, local)", "postgres"),
    Variant("pgfast", "now (PostgreSQL, local, fsync off)", "postgres"),
]


# ---------------------------------------------------------------- the worker (a subprocess)


def timed(operation: Callable[[int], Any], count: int) -> list[int]:
    """Nanoseconds per call of ``operation(i)`` for i in range(count)."""
    clock = time.perf_counter_ns
    samples = []
    for i in range(count):
        start = clock()
        operation(i)
        samples.append(clock() - start)
    return samples


def worker(kind: str, target: str, ops: int, warmup: int) -> dict[str, Any]:
    """Build the services of one variant and time the operations; runs in its own process
    so that ``today`` imports the old masterywiki. Imports it only here."""
    from argon2 import PasswordHasher

    import masterywiki
    from masterywiki.discussion.service import RateLimiter
    from masterywiki.people.accounts import Accounts

    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    services: tuple[Any, Any]
    if kind == "today":
        folder = Path(target)
        services = (
            Accounts(folder / "masterywiki.sqlite3", hasher=hasher),  # type: ignore[arg-type]
            RateLimiter(folder / "comments.sqlite3", limit=10**9, window=600),  # type: ignore[arg-type]
        )
    else:
        from masterywiki.db.database import Database, engine_url

        if kind == "sqlite":
            url = f"sqlite:///{Path(target) / 'masterywiki.sqlite3'}"
        else:
            url = engine_url(target, Path())
        database = Database(url)
        services = (Accounts(database, hasher=hasher), RateLimiter(database, 10**9, 600))
    accounts, limiter = services
    accounts.add_user(USER, PASSWORD, role="editor")
    keys: list[Any] = []

    def login(_: int) -> None:
        accounts.authenticate(USER, PASSWORD, ADDRESS)
        keys.append(accounts.start_session(USER))

    def check(i: int) -> None:
        if accounts.user_for_session(keys[i % len(keys)]) is None:
            raise RuntimeError("a fresh session was not found")

    def post(_: int) -> None:
        limiter.take(USER)

    for operation in (login, check, post):  # first connections, schema, caches
        timed(operation, warmup)
    del keys[:]
    result: dict[str, Any] = {"module": masterywiki.__file__}
    result["login"] = timed(login, ops)
    result["check"] = timed(check, ops)
    result["post"] = timed(post, ops)
    stored = hasher.hash(PASSWORD)
    result["hash"] = timed(lambda _: hasher.verify(stored, PASSWORD), ops)
    return result


# ---------------------------------------------------------------- PostgreSQL


def load_postgres_helper() -> Any:
    """tests/postgres.py (it imports pytest, which the venv has)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from tests import postgres

    return postgres


@contextlib.contextmanager
def postgres_servers(keys: list[str], workdir: Path) -> Iterator[dict[str, Any]]:
    """The servers the PostgreSQL variants need, by variant key; stopped at the end."""
    wanted = [key for key in keys if key in ("postgres", "pgfast")]
    if not wanted:
        yield {}
        return
    postgres = load_postgres_helper()
    reason = postgres.postgres_available()
    if reason is not None:
        sys.exit(f"PostgreSQL variants need a server: {reason}")
    servers: dict[str, Any] = {}
    try:
        for key in wanted:
            base = workdir / f"pg-{key}"
            server = postgres.PostgresServer(base, durable=key == "postgres")
            server.start()
            servers[key] = server
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def postgres_version(server: Any) -> str:
    import psycopg

    with psycopg.connect(server.url()) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0].split()[0]}" if row else "PostgreSQL ?"


# ---------------------------------------------------------------- running the variants


@dataclass
class Sample:
    """One variant's timings in one round, in ms."""

    ms: dict[str, list[float]]

    def median(self, op: str) -> float:
        return statistics.median(self.ms[op])


@dataclass
class Result:
    variant: Variant
    rounds: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def best(self, op: str) -> Sample | None:
        """The round with the lowest median for ``op``."""
        return min(self.rounds, key=lambda s: s.median(op)) if self.rounds else None


def extract_before(commit: str, into: Path) -> Path:
    """The masterywiki package of ``commit`` under ``into/src`` (no worktree needed)."""
    tar = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", "--format=tar", commit, "src/masterywiki"],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into / "src"


def run_variant(
    variant: Variant,
    target: str,
    pythonpath: Path,
    args: argparse.Namespace,
) -> Sample:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", variant.kind]
    cmd += ["--target", target, "--ops", str(args.ops), "--warmup", str(args.warmup)]
    proc = subprocess.run(
        cmd, env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, timeout=1800
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-2000:] or f"exit status {proc.returncode}")
    data = json.loads(proc.stdout)
    module = Path(data["module"]).resolve()
    if not module.is_relative_to(pythonpath.resolve()):
        raise RuntimeError(f"imported {module}, not the masterywiki under {pythonpath}")
    return Sample({op: [ns / 1e6 for ns in data[op]] for op in (*OPERATIONS, "hash")})


def fresh_target(variant: Variant, servers: dict[str, Any], workdir: Path, number: int) -> str:
    """A fresh database for one run of ``variant``: a new folder or a new PG database."""
    name = f"{variant.key}_{number}"
    if variant.kind == "postgres":
        return str(servers[variant.key].create_database(f"bench_{name}"))
    folder = workdir / name
    folder.mkdir()
    return str(folder)


def measure(args: argparse.Namespace, variants: list[Variant], workdir: Path) -> list[Result]:
    results = {v.key: Result(v) for v in variants}
    paths = {"today": extract_before(args.before, workdir / "before"), "now": REPO_ROOT / "src"}
    with postgres_servers([v.key for v in variants], workdir) as servers:
        args.postgres_version = (
            postgres_version(next(iter(servers.values()))) if servers else "not measured"
        )
        for number in range(args.rounds):
            shift = number % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                print(f"== round {number + 1}: {variant.label}", file=sys.stderr, flush=True)
                result = results[variant.key]
                try:
                    target = fresh_target(variant, servers, workdir, number)
                    path = paths["today" if variant.kind == "today" else "now"]
                    sample = run_variant(variant, target, path, args)
                except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as exc:
                    result.errors.append(str(exc))
                    print(f"   ERROR {str(exc).splitlines()[-1]}", file=sys.stderr, flush=True)
                    continue
                result.rounds.append(sample)
                line = ", ".join(f"{OPERATIONS[op]} {sample.median(op):.3f}" for op in OPERATIONS)
                print(f"   medians ms: {line}", file=sys.stderr, flush=True)
    return list(results.values())


# ---------------------------------------------------------------- reporting


def pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def cell(result: Result, op: str) -> str:
    best = result.best(op)
    if best is None:
        return "n/a"
    return f"{best.median(op):.3f} / {pct(best.ms[op], 90):.3f}"


def table(results: list[Result]) -> str:
    header = "| variant | " + " | ".join(f"{name} p50 / p90 ms" for name in OPERATIONS.values())
    lines = [header + " |", "|---" * (len(OPERATIONS) + 1) + "|"]
    for r in results:
        label = r.variant.label + (" (errors)" if r.errors else "")
        lines.append("| " + " | ".join([label, *(cell(r, op) for op in OPERATIONS)]) + " |")
    return "\n".join(lines)


def rounds_table(results: list[Result]) -> str:
    count = max((len(r.rounds) for r in results), default=0)
    lines = [
        "| variant | operation | " + " | ".join(f"round {n + 1}" for n in range(count)) + " |",
        "|---|---" + "|---" * count + "|",
    ]
    for r in results:
        for op, name in OPERATIONS.items():
            medians = [f"{s.median(op):.3f}" for s in r.rounds]
            lines.append(f"| {r.variant.label} | {name} | " + " | ".join(medians) + " |")
    return "\n".join(lines)


def acceptance(results: list[Result]) -> list[str]:
    by_key = {r.variant.key: r for r in results}
    today = by_key.get("today")
    if today is None or not today.rounds:
        return []
    lines = []
    for key, rule in (("sqlite", "no slower than today"), ("postgres", "within 2 ms of today")):
        now = by_key.get(key)
        if now is None or not now.rounds:
            continue
        for op, name in OPERATIONS.items():
            before = today.best(op).median(op)  # type: ignore[union-attr]
            after = now.best(op).median(op)  # type: ignore[union-attr]
            limit = before if key == "sqlite" else before + PG_SLOWER_MS
            verdict = "PASS" if after <= limit else "FAIL"
            lines.append(
                f"- {verdict}: {now.variant.label} {name} {rule}: median {after:.3f} ms"
                f" against {before:.3f} ms ({after - before:+.3f} ms, x{after / before:.2f})"
            )
    return lines


def version_of(dist: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


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
    results: list[Result], args: argparse.Namespace, load_before: str, elapsed: float
) -> str:
    machine = (
        f"- machine: {os.cpu_count()} CPUs (nproc), {platform.platform()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{args.postgres_version}; load average before run {load_before}"
    )
    versions = (
        f"- today: masterywiki at {args.before}; now: masterywiki at {head_commit()}, "
        f"SQLAlchemy {version_of('sqlalchemy')}, psycopg {version_of('psycopg')}"
    )
    setup = (
        f"- {args.ops:,} operations of each kind after {args.warmup} warm-up ones, one at a "
        f"time, a fresh database per variant and round, each variant in its own process; "
        f"{args.rounds} rounds with the variants alternating, the round with the best median "
        f"counts (its p90 beside it); run took {elapsed:.0f} s"
    )
    hashing = ", ".join(
        f"{r.variant.label} {statistics.median(r.rounds[0].ms['hash']):.3f} ms"
        for r in results
        if r.rounds
    )
    lines = [
        "# Database: login, session check, comment post",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        machine,
        versions,
        setup,
        "",
        table(results),
        "",
        "- login = `authenticate` + `start_session` with a cheap argon2 hasher "
        "(time_cost=1, memory_cost=8, parallelism=1), so the database work is what is "
        f"timed; the hash check alone takes (median) {hashing or 'n/a'}.",
        "- session check = `user_for_session`, rotating over the sessions the timed logins "
        "made; comment post = `RateLimiter.take` (limit 10**9, window 600 s: every post of "
        "the run stays in the table).",
        "- today keeps accounts in `masterywiki.sqlite3` and comment counts in "
        "`comments.sqlite3`, opening a connection per call; now has one database and a pool.",
        "- PostgreSQL: a server started for the run on 127.0.0.1 (TCP), a fresh database "
        "per round. *local* runs with PostgreSQL's default durability (fsync, synchronous "
        "commits), like SQLite's WAL with synchronous=FULL; *fsync off* is the test "
        "helper's own setting (`tests/postgres.py`), for comparison only.",
        "",
    ]
    checks = acceptance(results)
    if checks:
        lines += [
            "Acceptance (medians): now on SQLite no slower than today; on PostgreSQL "
            "within 2 ms of today:",
            "",
            *checks,
            "",
        ]
    lines += ["Medians per round (ms):", "", rounds_table(results), ""]
    errors = [f"- {r.variant.label}: {e.splitlines()[-1]}" for r in results for e in r.errors]
    if errors:
        lines += ["Errors:", "", *errors, ""]
    lines += ["One noisy shared machine: compare rows of this run with each other only."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all variants")
    parser.add_argument("--ops", type=int, default=2000, help="timed operations of each kind")
    parser.add_argument("--warmup", type=int, default=200, help="untimed operations first")
    parser.add_argument(
        "--variants",
        default=",".join(v.key for v in VARIANTS),
        help="comma-separated subset of " + ",".join(v.key for v in VARIANTS),
    )
    parser.add_argument("--before", default=BEFORE, help="the commit measured as 'today'")
    parser.add_argument(
        "--out", type=Path, default=None, help="results file (default bench/results/database.md)"
    )
    parser.add_argument("--worker", choices=["today", "sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.rounds, args.ops, args.warmup + 1) < 1:
        parser.error("--rounds and --ops must be at least 1, --warmup at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        json.dump(worker(args.worker, args.target, args.ops, args.warmup), sys.stdout)
        return 0
    keys = [k.strip() for k in args.variants.split(",") if k.strip()]
    unknown = set(keys) - {v.key for v in VARIANTS}
    if unknown:
        sys.exit(f"unknown variants: {', '.join(sorted(unknown))}")
    variants = [v for v in VARIANTS if v.key in keys]
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    start = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="mw-bench-db-"))
    try:
        results = measure(args, variants, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text = report(results, args, load_before, time.perf_counter() - start)
    out = args.out or BENCH / "results" / "database.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print("\n" + text + f"\nwritten to {out}")
    return 1 if any(r.errors or not r.rounds for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
