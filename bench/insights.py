"""Search records benchmark: what recording adds to a search, and /-/insights over a
million recorded searches, on SQLite and PostgreSQL, in one run.

    python bench/insights.py
    python bench/insights.py --records 200000 --no-postgres

1. Recording, at ``--pages`` pages (bench/corpus.py's corpus, built if missing): the app
   (Flask test client, no HTTP) answers ``/-/search?q=`` for bench/search.py's queries with
   recording on and off, interleaved pair by pair (the order alternating), for ``--rounds``
   rounds; "off" swaps the app's ``SearchRecords.record`` for a no-op, so its search page
   has no record and no ping links either. The app's writer thread runs meanwhile, as in
   a server, writing the queued records a moment after each search. Reported: the median
   of on and off, and of the paired differences (what recording adds), ``record()`` alone,
   and the writer's transaction for 1,000 queued records.
2. Insights, over ``--records`` records spread over 180 days (the default
   ``search_record_days``), inserted in time order as a live wiki would: about 3,000
   distinct queries with Zipf-like frequencies, from the bundled wiki's titles, aliases,
   misspelled terms (no results, counted under their term), made-up gaps (no results) and
   made-up queries whose results are never opened. Timed for ``days=30`` and ``days=365``:
   ``SearchRecords.insights`` alone and ``/-/insights`` through the test client as an
   editor (first call in the process, then median and max of ``--repeats``), with the
   schema's indexes, then once more with the index on (normalized, at) that the schema
   had before it also held results and opened (see OLD_INDEX), for comparison.

PostgreSQL runs with its default durability (fsync on), started for the run through
tests/postgres.py; ``VACUUM ANALYZE`` follows the bulk load, as autovacuum would soon.
SQLite gets no ``ANALYZE``: the app never runs one. The table is written to
bench/results/insights.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import corpus
import database as database_bench
import pageview

import search as search_bench

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
sys.path.insert(0, str(REPO_ROOT))  # tests.auth_fixtures: an editor's login

from tests.auth_fixtures import logged_in_client  # noqa: E402

from masterywiki.db.database import Database  # noqa: E402
from masterywiki.resources import starter_dir  # noqa: E402
from masterywiki.search.records import (  # noqa: E402
    DAY,
    SearchRecords,
    TermFinder,
    normalize_query,
)
from masterywiki.web.app import create_app  # noqa: E402
from masterywiki.web.views.search import RECORDS_EXTENSION  # noqa: E402

KEEP_DAYS = 180
ADDED_MS_TARGET = 1.0
INSIGHTS_MS_TARGET = 200.0
OLD_INDEX = (  # before commit 3675c02 made it cover the insights' aggregate
    "DROP INDEX search_records_by_query",
    "CREATE INDEX search_records_by_query ON search_records (normalized, at)",
)
INDEXES = {
    "schema": "the indexes of db/schema.py: (at) and (normalized, at, results, opened)",
    "before": "(at) and (normalized, at), as before commit 3675c02",
}
NOTES = [
    "- A search only queues its record (a list append); each process's writer thread writes"
    " the queue a quarter second later, in one transaction, off the request's path. The"
    " last column is the cost of that transaction.",
    "- `/-/insights` reads every record of the period once (`GROUP BY normalized`, three"
    " counts). PostgreSQL runs it as a parallel scan of the table either way. SQLite reads"
    " the index on (normalized, at, results, opened) alone; with the old index on"
    " (normalized, at) it read each record's row from the table too, one lookup per"
    " record.",
]
WORDS = [
    "homework",
    "late",
    "work",
    "retakes",
    "parent",
    "conferences",
    "report",
    "cards",
    "attendance",
    "advisory",
    "portfolio",
    "exhibition",
    "capstone",
    "internship",
    "transcript",
    "credit",
    "recovery",
    "iep",
    "504",
    "ell",
    "accommodations",
    "modifications",
    "scaffolds",
    "rubric",
    "exemplars",
    "calibration",
    "moderation",
    "standards",
    "targets",
    "competencies",
    "habits",
    "of",
    "work",
    "grading",
    "scale",
    "gpa",
    "honors",
    "weighting",
    "college",
    "admissions",
    "athletics",
    "eligibility",
    "discipline",
    "restorative",
    "circles",
    "schedule",
    "flex",
    "time",
    "intervention",
    "tutoring",
    "enrichment",
    "math",
    "science",
    "history",
    "english",
    "art",
    "music",
]


@dataclass
class Timing:
    label: str
    values: list[float] = field(default_factory=list)
    first: float | None = None

    def add(self, ms: float, first: bool) -> None:
        if first:
            self.first = ms
        else:
            self.values.append(ms)

    def cell(self) -> str:
        first = f"{self.first:,.1f} / " if self.first is not None else ""
        return (
            f"{first}{statistics.median(self.values):,.1f} / {max(self.values):,.1f}"
            if self.values
            else "n/a"
        )


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


# ---------------------------------------------------------------- part 1: recording


@dataclass
class Recording:
    variant: str
    on: list[float] = field(default_factory=list)
    off: list[float] = field(default_factory=list)
    added: list[float] = field(default_factory=list)
    direct: list[float] = field(default_factory=list)
    batch: list[float] = field(default_factory=list)


def set_recording(records: SearchRecords, on: bool) -> None:
    if on:
        records.__dict__.pop("record", None)  # the class's method again
    else:
        records.record = lambda _query, _results: None  # type: ignore[method-assign]


def time_recording(variant: str, app: Any, texts: list[str], rounds: int) -> Recording:
    client = app.test_client()
    records: SearchRecords = app.extensions[RECORDS_EXTENSION]
    urls = [f"/-/search?q={quote_plus(t)}" for t in texts]
    for url in urls:  # warm both paths: the index, the templates, the connections
        for on in (True, False):
            set_recording(records, on)
            assert client.get(url).status_code == 200
    result = Recording(variant)
    for round_ in range(rounds):
        for i, url in enumerate(urls):
            order = (True, False) if (round_ + i) % 2 == 0 else (False, True)
            taken = {}
            for on in order:
                set_recording(records, on)
                start = time.perf_counter()
                response = client.get(url)
                taken[on] = ms_since(start)
                assert response.status_code == 200
            result.on.append(taken[True])
            result.off.append(taken[False])
            result.added.append(taken[True] - taken[False])
    set_recording(records, True)
    records.close()  # from here on, this function writes the queue itself
    for _ in range(5):
        for i in range(1000):
            start = time.perf_counter()
            records.record(texts[i % len(texts)], i % 40)
            result.direct.append(ms_since(start))
        start = time.perf_counter()
        records.write_queued()
        result.batch.append(ms_since(start))
    return result


def reindex(repo: Path, instance: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "masterywiki", "reindex", "--repo", str(repo),
         "--instance", str(instance)],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


# ---------------------------------------------------------------- part 2: insights


@dataclass(frozen=True)
class Kind:
    text: str
    results: int
    open_rate: float


def typo(rng: random.Random, word: str) -> str:
    """A word with one inner letter dropped or two swapped (a reader's slip)."""
    if len(word) < 5:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def query_kinds(catalog: Any, rng: random.Random, distinct: int) -> list[Kind]:
    """About `distinct` queries: the wiki's own names (found, often opened), misspelled
    terms and made-up gaps (nothing found), made-up queries found but never opened."""
    kinds: list[Kind] = []
    for term in catalog.glossary():
        for name in (term.title, *term.info.front_matter.aliases):
            kinds.append(Kind(name.lower(), rng.randint(2, 30), 0.7))
        kinds.append(Kind(typo(rng, term.title.lower()), 0, 0.0))
    for record in catalog.records():
        if record.type != "term":
            kinds.append(Kind(record.title, rng.randint(1, 20), 0.5))
    seen = {normalize_query(k.text) for k in kinds}
    while len(kinds) < distinct:
        size = rng.choice((1, 2, 2, 3))
        text = " ".join(rng.sample(WORDS, size))
        if normalize_query(text) in seen:
            continue
        seen.add(normalize_query(text))
        roll = rng.random()
        if roll < 0.15:
            kinds.append(Kind(text, 0, 0.0))  # a gap
        elif roll < 0.45:
            kinds.append(Kind(text, rng.randint(1, 40), 0.0))  # found, never opened
        else:
            kinds.append(Kind(text, rng.randint(1, 60), 0.3))
    rng.shuffle(kinds)
    return kinds


def record_rows(kinds: list[Kind], pages: list[str], count: int, now: float,
                rng: random.Random) -> Iterator[dict[str, Any]]:  # fmt: skip
    """`count` records over KEEP_DAYS days, oldest first, Zipf-like over `kinds`."""
    weights = [1 / (rank + 1) ** 1.07 for rank in range(len(kinds))]
    picks = rng.choices(range(len(kinds)), weights, k=count)
    start, step = now - KEEP_DAYS * DAY, KEEP_DAYS * DAY / count
    for n, pick in enumerate(picks):
        kind = kinds[pick]
        typed = kind.text if rng.random() < 0.7 else kind.text.capitalize()
        opened = rng.choice(pages) if kind.results and rng.random() < kind.open_rate else None
        yield {
            "at": start + n * step,
            "query": typed,
            "normalized": normalize_query(typed),
            "results": kind.results,
            "opened": opened,
        }


def load_records(database: Database, rows: Iterator[dict[str, Any]], batch: int = 20_000) -> None:
    insert = (
        "INSERT INTO search_records (at, query, normalized, results, opened)"
        " VALUES (:at, :query, :normalized, :results, :opened)"
    )
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == batch:
            with database.write() as db:
                db.run_many(insert, chunk)
            chunk = []
    with database.write() as db:
        db.run_many(insert, chunk)


def tidy(postgres_url: str | None) -> None:
    """What PostgreSQL's autovacuum would soon do: statistics, and the visibility map
    that index-only scans need. (SQLite: nothing; the app never runs ANALYZE.)"""
    if postgres_url is None:
        return
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE search_records")


@dataclass
class InsightsRun:
    variant: str
    load_s: float = 0.0
    rows: dict[tuple[str, str, int], Timing] = field(default_factory=dict)


def time_insights(app: Any, run: InsightsRun, indexes: str, repeats: int) -> None:
    records: SearchRecords = app.extensions[RECORDS_EXTENSION]
    editor = logged_in_client(app, f"editor{len(run.rows)}", "editor")
    for days in (30, 365):
        finder = TermFinder(app.extensions["masterywiki.search"])  # a new one: cold at first
        service = Timing("service")
        for n in range(repeats + 1):
            start = time.perf_counter()
            found = records.insights(days, 20, finder)
            service.add(ms_since(start), first=n == 0)
        assert found.searches > 0 and found.no_results and found.found_under
        page = Timing("page")
        for n in range(repeats + 1):
            start = time.perf_counter()
            response = editor.get(f"/-/insights?days={days}")
            page.add(ms_since(start), first=n == 0)
            assert response.status_code == 200, response.status_code
        run.rows[(indexes, "insights()", days)] = service
        run.rows[(indexes, "/-/insights", days)] = page
        print(f"   {run.variant} {indexes} days={days}: service {service.cell()} ms,"
              f" page {page.cell()} ms", flush=True)  # fmt: skip


def starter_repo(folder: Path) -> Path:
    shutil.copytree(starter_dir(), folder)
    for command in (["init", "-q", "-b", "main"], ["add", "-A"],
                    ["-c", "user.name=Bench", "-c", "user.email=bench@example.org",
                     "commit", "-q", "-m", "Starter wiki"]):  # fmt: skip
        subprocess.run(["git", "-C", str(folder), *command], check=True)
    return folder


def insights_variant(variant: str, url: str, postgres_url: str | None, workdir: Path,
                     args: argparse.Namespace) -> InsightsRun:  # fmt: skip
    repo = starter_repo(workdir / f"wiki-{variant}")
    app = create_app({"repo": repo, "instance": workdir / f"insights-{variant}",
                      "database_url": url})  # fmt: skip
    app.config["TESTING"] = True
    catalog = app.extensions["masterywiki"].wiki.refresh().catalog
    rng = random.Random(args.seed)
    kinds = query_kinds(catalog, rng, args.distinct)
    pages = [r.name for r in catalog.records()]
    database = app.extensions["masterywiki"].database
    run = InsightsRun(variant)
    start = time.perf_counter()
    load_records(database, record_rows(kinds, pages, args.records, time.time(), rng))
    tidy(postgres_url)
    run.load_s = time.perf_counter() - start
    print(f"   {variant}: {args.records:,} records loaded in {run.load_s:.0f} s", flush=True)
    time_insights(app, run, "schema", args.repeats)
    with database.write() as db:
        for statement in OLD_INDEX:
            db.run(statement)
    tidy(postgres_url)
    time_insights(app, run, "before", args.repeats)
    app.extensions["masterywiki.search"].close()
    database.close()
    return run


# ---------------------------------------------------------------- the report


def pct(values: list[float], q: int) -> float:
    return pageview.pct(values, q) if values else float("nan")


def report(recordings: list[Recording], runs: list[InsightsRun], args: argparse.Namespace,
           load_before: str, elapsed: float, reindex_s: float) -> str:  # fmt: skip
    lines = [
        "# Search records and insights",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs (nproc), {platform.platform()}, Python "
        f"{platform.python_version()}, load average before run {load_before}",
        f"- masterywiki {pageview.version_of(sys.executable, 'masterywiki')} at "
        f"{pageview.head_commit()}; run took {elapsed:.0f} s",
        "",
        f"## Recording a search ({args.pages:,} pages, full reindex {reindex_s:.0f} s)",
        "",
        f"`/-/search?q=` through the Flask test client, {len(search_bench.queries(spec_of(args)))}"
        f" queries x {args.rounds} rounds, recording on and off interleaved pair by pair.",
        "",
        "| database | search on: median / p90 ms | search off: median / p90 ms "
        "| added by recording: median / p90 ms | `record()` alone: median / p95 ms "
        "| writing 1,000 queued records: median ms |",
        "|---|---|---|---|---|---|",
    ]
    for r in recordings:
        lines.append(
            f"| {r.variant} | {statistics.median(r.on):.2f} / {pct(r.on, 90):.2f} "
            f"| {statistics.median(r.off):.2f} / {pct(r.off, 90):.2f} "
            f"| **{statistics.median(r.added):.2f}** / {pct(r.added, 90):.2f} "
            f"| {statistics.median(r.direct):.3f} / {pct(r.direct, 95):.3f} "
            f"| {statistics.median(r.batch):.1f} |"
        )
    lines += [
        "",
        f"## Insights over {args.records:,} records ({args.distinct:,} distinct queries, "
        f"{KEEP_DAYS} days)",
        "",
        "Each cell: first call in the process / median / max of the next "
        f"{args.repeats}, in ms. The first call also looks up which no-result queries name a "
        "glossary term (cached while the glossary's names stay the same). Indexes: "
        + "; ".join(f"`{k}`: {v}" for k, v in INDEXES.items())
        + ".",
        "",
        "| database | indexes | what | days=30 | days=365 |",
        "|---|---|---|---|---|",
    ]
    for run in runs:
        for indexes in INDEXES:
            for what in ("insights()", "/-/insights"):
                cells = [run.rows.get((indexes, what, d)) for d in (30, 365)]
                lines.append(
                    f"| {run.variant} | {indexes} | {what} | "
                    + " | ".join(c.cell() if c else "n/a" for c in cells)
                    + " |"
                )
    lines += [
        "",
        "Loading the records: " + "; ".join(f"{r.variant} {r.load_s:.0f} s" for r in runs),
    ]
    lines += ["", "Targets:", ""]
    for r in recordings:
        added = statistics.median(r.added)
        ok = "PASS" if added < ADDED_MS_TARGET else "FAIL"
        lines.append(
            f"- {ok}: recording adds < {ADDED_MS_TARGET:g} ms ({r.variant}: {added:.2f} ms)"
        )
    for run in runs:
        for indexes in INDEXES:
            page = [run.rows.get((indexes, "/-/insights", d)) for d in (30, 365)]
            worst = max((statistics.median(p.values) for p in page if p), default=float("nan"))
            ok = "PASS" if worst < INSIGHTS_MS_TARGET else "FAIL"
            lines.append(
                f"- {ok}: /-/insights median < {INSIGHTS_MS_TARGET:g} ms over "
                f"{args.records:,} records ({run.variant}, {indexes} indexes: {worst:,.0f} ms)"
            )
    lines += ["", "Notes:", "", *NOTES, "", "One noisy 2-core machine: compare rows of this run "
              "with each other only."]  # fmt: skip
    return "\n".join(lines) + "\n"


def spec_of(args: argparse.Namespace) -> corpus.CorpusSpec:
    return corpus.CorpusSpec(args.pages, args.history, args.seed)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=10000)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpora", type=Path, default=BENCH / "corpora")
    parser.add_argument("--rounds", type=int, default=10, help="rounds over the query list")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--skip-recording", action="store_true")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "insights.md")
    return parser.parse_args(argv)


@contextlib.contextmanager
def databases(
    args: argparse.Namespace, workdir: Path
) -> Iterator[Callable[[str], list[tuple[str, str, str | None]]]]:
    """(variant, database_url, PostgreSQL URL or None) for a purpose, by purpose name."""
    keys = [] if args.no_postgres else ["postgres"]
    with database_bench.postgres_servers(keys, workdir) as servers:

        def variants(purpose: str) -> list[tuple[str, str, str | None]]:
            found: list[tuple[str, str, str | None]] = [
                ("SQLite", f"sqlite:///{workdir / f'{purpose}.sqlite3'}", None)
            ]
            if "postgres" in servers:
                url = servers["postgres"].create_database(purpose)
                found.append(("PostgreSQL", url, url))
            return found

        yield variants


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spec = spec_of(args)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    recordings: list[Recording] = []
    runs: list[InsightsRun] = []
    reindex_s = 0.0
    with tempfile.TemporaryDirectory(prefix="insights-", dir=args.corpora) as tmp:
        workdir = Path(tmp)
        with databases(args, workdir) as variants:
            if not args.skip_recording:
                source = args.corpora / f"p{args.pages}-h{args.history}-s{args.seed}"
                corpus.ensure_corpus(source, spec)
                repo = pageview.clone(source, workdir / "repo")
                instance = workdir / "instance"
                print("== reindex", flush=True)
                reindex_s = reindex(repo, instance)
                texts = search_bench.queries(spec)
                for variant, url, _ in variants("recording"):
                    print(f"== recording on {variant}", flush=True)
                    app = create_app({"repo": repo, "instance": instance, "database_url": url})
                    recordings.append(time_recording(variant, app, texts, args.rounds))
                    r = recordings[-1]
                    print(f"   added {statistics.median(r.added):.2f} ms", flush=True)
                    app.extensions["masterywiki.search"].close()
                    app.extensions["masterywiki"].database.close()
            for variant, url, pg in variants("insights"):
                print(f"== insights on {variant}", flush=True)
                runs.append(insights_variant(variant, url, pg, workdir, args))
    elapsed = time.perf_counter() - started
    text = report(recordings, runs, args, load_before, elapsed, reindex_s)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print("\n" + text + f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
