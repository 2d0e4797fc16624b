"""Suggested edits benchmark: listing 1,000 open suggestions and opening one, at 10,000
pages, beside a page view of the same app in the same run.

    python bench/proposals.py
    python bench/proposals.py --pages 1000 --proposals 200

The corpus is bench/corpus.py's (built if missing), cloned afresh. ``--proposals``
suggestions are made through the service (one branch each, as the web form makes
them) by readers, on pages spread over the corpus; their making is timed too. Then, as
a logged-in editor through the Flask test client (no HTTP), each of these is fetched
``--repeats`` times, interleaved round by round, after one first call: the list
``/-/proposals`` (its first 50 of all the open ones), the same as JSON, one suggestion
``/-/proposals/<id>`` (with its two diffs), and a page view of a corpus page, the
yardstick of the run. The figures are first call / median / max in ms; the target is
50 ms for the list and for one suggestion. Written to bench/results/proposals.md.
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
from pathlib import Path

import corpus
import pageview

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))  # tests.auth_fixtures: an editor's login

from tests.auth_fixtures import logged_in_client  # noqa: E402

from masterywiki.people.accounts import User  # noqa: E402
from masterywiki.web.app import create_app  # noqa: E402
from masterywiki.web.views.proposals import EXTENSION  # noqa: E402

TARGET_MS = 50.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--proposals", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--corpora", type=Path, default=BENCH / "corpora")
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "proposals.md")
    return parser.parse_args(argv)


def ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    spec = corpus.CorpusSpec(args.pages, args.history, args.seed)
    source = args.corpora / f"p{args.pages}-h{args.history}-s{args.seed}"
    corpus.ensure_corpus(source, spec)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory(
        prefix="proposals-", dir=args.corpora, ignore_cleanup_errors=True
    ) as tmp:
        work = Path(tmp)
        repo = pageview.clone(source, work / "repo")
        app = create_app({"repo": repo, "instance": work / "instance"})
        app.config["TESTING"] = True
        service = app.extensions[EXTENSION]
        wiki = app.extensions["masterywiki"].wiki
        wiki.refresh()
        pages = sorted(wiki.snapshot.catalog.pages)
        step = max(1, len(pages) // args.proposals)
        made_ms: list[float] = []
        print(f"== making {args.proposals} suggestions", flush=True)
        for n in range(args.proposals):
            name = pages[(n * step) % len(pages)]
            text = wiki.source(wiki.snapshot.catalog.pages[name]) + f"\nSuggestion {n}.\n"
            reader = User(f"reader{n % 50}", f"Reader {n % 50}", "", "reader")
            start = time.perf_counter()
            service.propose(name, text, f"Suggestion {n}", None, reader)
            made_ms.append(ms(start))
        editor = logged_in_client(app, "edna", "editor")
        middle = args.proposals // 2 or 1
        view = corpus.page_url(1, args.pages)
        urls = {
            "list /-/proposals (50 of all open)": "/-/proposals",
            "list as JSON": "/-/api/v1/proposals",
            "one suggestion /-/proposals/<id>": f"/-/proposals/{middle}",
            "a page view (the yardstick)": view,
        }
        timings: dict[str, list[float]] = {label: [] for label in urls}
        first: dict[str, float] = {}
        for label, url in urls.items():
            start = time.perf_counter()
            status = editor.get(url).status_code
            first[label] = ms(start)
            assert status == 200, (url, status)
        for _ in range(args.repeats):
            for label, url in urls.items():
                start = time.perf_counter()
                editor.get(url)
                timings[label].append(ms(start))
        start = time.perf_counter()
        subprocess.run(["git", "-C", str(repo), "for-each-ref", "refs/heads/proposals/"],
                       check=True, capture_output=True)  # fmt: skip
        for_each_ref = ms(start)
        app.extensions["masterywiki.search"].close()  # its index builder writes in `tmp`
        wiki.storage.close()
        app.extensions["masterywiki"].database.close()
    lines = [
        "# Suggested edits: listing and opening at scale",
        "",
        f"{args.pages:,} pages ({args.history:,} history commits), {args.proposals:,} open"
        f" suggestions, {args.repeats} rounds; Flask test client as a logged-in editor."
        f" Python {platform.python_version()}, load before: {load}.",
        "",
        "| request | first call ms | median ms | max ms | target |",
        "|---|---|---|---|---|",
    ]
    for label, values in timings.items():
        target = "" if "yardstick" in label else f"< {TARGET_MS:.0f} ms"
        lines.append(
            f"| {label} | {first[label]:,.1f} | {statistics.median(values):,.1f}"
            f" | {max(values):,.1f} | {target} |"
        )
    lines += [
        "",
        f"- Making one suggestion (a branch, a commit, an id from the database): median"
        f" {statistics.median(made_ms):,.1f} ms, max {max(made_ms):,.1f} ms.",
        f"- `git for-each-ref refs/heads/proposals/` alone: {for_each_ref:,.1f} ms.",
        "- The list reads the suggestions' refs from git's files (loose and packed-refs)"
        " and parses each tip commit once (kept by its id), so a request starts no git"
        " process; one suggestion reads its tip and three texts through the running"
        " `cat-file` and diffs two pairs.",
    ]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
