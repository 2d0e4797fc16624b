"""Printable handbook benchmark: a section of 50 pages as one PDF, against the 20 s target.

    python bench/handbook.py
    python bench/handbook.py --pages 1000 --section 3

On bench/corpus.py's corpus (20 sections; at 1,000 pages each section index lists 50
pages of 300-2,000 words with headings, lists and tables), the section `sec-NN` is
printed three ways, each timed from the outside:

* ``masterywiki pdf sec-NN OUT``: the command a school runs, in a new process (start-up,
  reading the catalog, rendering the pages, laying out and writing the PDF);
* ``/sec-NN/-/pdf`` through the app (Flask test client, no HTTP), first request in the
  process: pages rendered from markdown, then laid out;
* the same again ``--repeats`` times with the app's PDF cache emptied each time, so the
  page HTML is cached but the PDF is laid out anew (what a second handbook of the day
  costs); median and max.

The output is checked: `pdftotext` must find every page's title in order. The table is
written to bench/results/handbook.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import corpus

BENCH = Path(__file__).resolve().parent
REPO_ROOT = BENCH.parent
TARGET_SECONDS = 20.0


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(x for x in info.stdout.splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def check_order(pdf: Path, titles: list[str]) -> None:
    text = pdf_text(pdf)
    at = 0
    for title in titles:
        found = text.find(title, at)
        if found < 0:
            raise SystemExit(f"{title!r} is missing from {pdf}, or out of order")
        at = found


def git_head(repo: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--history", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--section", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    spec = corpus.CorpusSpec(args.pages, args.history, args.seed)
    repo = BENCH / "corpora" / f"p{spec.pages}-h{spec.history}-s{spec.seed}"
    corpus.ensure_corpus(repo, spec)
    section = f"sec-{args.section:02d}"
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()

    from masterywiki.web.app import create_app
    from masterywiki.web.views.handbook import CACHE_KEY

    with tempfile.TemporaryDirectory(prefix="handbook-bench-") as tmp:
        work = Path(tmp)
        cli_pdf = work / "cli.pdf"
        command = [sys.executable, "-m", "masterywiki", "pdf", section, str(cli_pdf),
                   "--repo", str(repo), "--instance", str(work / "cli-instance")]  # fmt: skip
        begin = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        cli_seconds = time.perf_counter() - begin

        app = create_app({"repo": repo, "instance": work / "app-instance"})
        wiki = app.extensions["masterywiki"].wiki
        wiki.refresh()
        catalog = wiki.snapshot.catalog
        members = [catalog.pages[section], *catalog.descendants(section)]
        titles = [record.title for record in members]
        client = app.test_client()
        begin = time.perf_counter()
        response = client.get(f"/{section}/-/pdf")
        first_seconds = time.perf_counter() - begin
        assert response.status_code == 200, response.data[:300]
        web_pdf = work / "web.pdf"
        web_pdf.write_bytes(response.data)
        again = []
        for _ in range(args.repeats):
            app.extensions[CACHE_KEY].clear()
            begin = time.perf_counter()
            assert client.get(f"/{section}/-/pdf").status_code == 200
            again.append(time.perf_counter() - begin)
        cached_begin = time.perf_counter()
        client.get(f"/{section}/-/pdf")
        cached_ms = (time.perf_counter() - cached_begin) * 1000
        wiki.storage.close()
        for pdf in (cli_pdf, web_pdf):
            check_order(pdf, titles)
        printed = page_count(web_pdf)
        size = web_pdf.stat().st_size
        words = sum(len(wiki.source(record).split()) for record in members)

    rows = [
        ("`masterywiki pdf` (new process, everything)", f"{cli_seconds:.1f}"),
        ("`/-/pdf`, first request (pages rendered, then laid out)", f"{first_seconds:.1f}"),
        (
            f"`/-/pdf`, PDF laid out again (median / max of {args.repeats})",
            f"{statistics.median(again):.1f} / {max(again):.1f}",
        ),
        ("`/-/pdf`, the same PDF kept from earlier", f"{cached_ms / 1000:.3f}"),
    ]
    worst = max(cli_seconds, first_seconds, *again)
    verdict = "within" if worst < TARGET_SECONDS else "OVER"
    lines = [
        "# Printable handbook",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python "
        f"{platform.python_version()}, load average before run {load_before}",
        f"- masterywiki at {git_head(REPO_ROOT)}; WeasyPrint "
        f"{__import__('weasyprint').__version__}; run took {time.perf_counter() - started:.0f} s",
        "",
        f"Section `{section}` of the {spec.pages:,}-page corpus: {len(members)} wiki pages"
        f" ({words:,} words), printed as {printed} PDF pages ({size / 1024:,.0f} KiB);"
        " every page's title found in order by `pdftotext`.",
        "",
        "| how | seconds |",
        "|---|---|",
        *[f"| {how} | {seconds} |" for how, seconds in rows],
        "",
        f"Target: a section of 50 pages in under {TARGET_SECONDS:.0f} s: {verdict}"
        f" (slowest {worst:.1f} s).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = args.out or BENCH / "results" / "handbook.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
