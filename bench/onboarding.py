"""Onboarding benchmark: what recording a reader's openings adds to a page view, the
first (uncached) look-up of a page's version, and the admins' confirmation report.

    python bench/onboarding.py
    python bench/onboarding.py --accounts 2000 --rounds 500

On the bundled starter wiki, SQLite, the app through the Flask test client (no HTTP):

1. Page views by a logged-in reader, with the onboarding markers (the "progress" one
   records the opening; the path shows the reader's progress; the grading policy its
   confirmation box) and with both swapped for no-ops, interleaved pair by pair (the
   order alternating) for ``--rounds`` rounds: a plain page, a step of the path with a
   confirmation box, and the path itself. Reported: medians of on and off and of the
   paired differences (what onboarding adds).
2. A page's version read from git with an empty cache (every starter page once), and
   one opening written to the database (a new page each time, so each is a write).
3. ``/-/acknowledgements`` and its CSV as an admin with ``--accounts`` accounts, half
   of them having confirmed the grading policy: median of ``--repeats`` calls.

The table is written to bench/results/onboarding.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.auth_fixtures import accounts_of, login, make_user  # noqa: E402

from masterywiki.onboarding.confirmations import Confirmations  # noqa: E402
from masterywiki.onboarding.progress import Openings  # noqa: E402
from masterywiki.onboarding.versions import Versions  # noqa: E402
from masterywiki.web.app import create_app  # noqa: E402
from masterywiki.web.views import acknowledgements, markers  # noqa: E402

PAGES = {
    "plain page": "/framework/school-wide-systems",
    "step with confirmation box": "/framework/grading-policy",
    "the path (progress)": "/onboarding",
}
FILLERS = ("progress", "acknowledge")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def timed(call: Callable[..., Any], *args: Any) -> float:
    start = time.perf_counter()
    call(*args)
    return time.perf_counter() - start


def page_views(app: Any, client: Any, rounds: int) -> list[str]:
    fillers = app.extensions[markers.EXTENSION]
    real = {name: fillers[name] for name in FILLERS}
    off = {name: (lambda _name: "") for name in FILLERS}
    rows = []
    for label, url in PAGES.items():
        client.get(url)  # warm: the page cache, the version cache
        on_times, off_times, diffs = [], [], []
        for number in range(rounds):
            pair = []
            for which in (real, off) if number % 2 else (off, real):
                fillers.update(which)
                pair.append((which is real, timed(client.get, url)))
            fillers.update(real)
            with_it = next(t for is_on, t in pair if is_on)
            without = next(t for is_on, t in pair if not is_on)
            on_times.append(with_it)
            off_times.append(without)
            diffs.append(with_it - without)
        rows.append(
            f"| {label} (`{url}`) | {ms(statistics.median(on_times))} |"
            f" {ms(statistics.median(off_times))} | {ms(statistics.median(diffs))} |"
        )
    return rows


def cold_versions(app: Any) -> tuple[float, float, int]:
    wiki = app.extensions["masterywiki"].wiki
    snapshot = wiki.refresh()
    records = list(snapshot.catalog.records())
    times = []
    for record in records:
        versions = Versions(wiki.storage)  # empty cache each time
        times.append(timed(versions.of, record, snapshot))
    openings = Openings(app.extensions["masterywiki"].database)
    writes = [timed(openings.record, "bench-writer", record.name, "0" * 40) for record in records]
    return statistics.median(times), statistics.median(writes), len(records)


def report(app: Any, admin: Any, accounts: int, repeats: int) -> list[str]:
    service: Confirmations = app.extensions[acknowledgements.EXTENSION]
    wiki = app.extensions["masterywiki"].wiki
    snapshot = wiki.refresh()
    policy = snapshot.catalog.pages["framework/grading-policy"]
    people = accounts_of(app)
    for number in range(accounts):
        name = f"teacher{number:05d}"
        people.add_user(name, "a long enough password", role="reader", name=name.title())
        if number % 2 == 0:
            service.confirm(name, policy, snapshot)
    rows = []
    for label, url in (
        ("report", "/-/acknowledgements"),
        ("CSV", "/-/acknowledgements?format=csv"),
    ):
        admin.get(url)
        times = [timed(admin.get, url) for _ in range(repeats)]
        size = len(admin.get(url).data)
        rows.append(
            f"| {label} (`{url}`), {accounts:,} accounts | {ms(statistics.median(times))} |"
            f" {size / 1024:.0f} KiB |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    # The app's background threads may still be writing there when the run ends.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        app = create_app({"instance": Path(folder) / "instance"})
        app.config["TESTING"] = True
        make_user(app, "reader", "reader")
        make_user(app, "boss", "admin")
        reader, admin = app.test_client(), app.test_client()
        login(reader, "reader")
        login(admin, "boss")
        views = page_views(app, reader, args.rounds)
        version, write, pages = cold_versions(app)
        listing = report(app, admin, args.accounts, args.repeats)
        app.extensions["masterywiki"].wiki.storage.close()
    lines = [
        "# Onboarding benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()},"
        f" {platform.machine()}, SQLite; `python bench/onboarding.py --rounds {args.rounds}"
        f" --accounts {args.accounts}`. A shared 2-core machine: compare rows of one run.",
        "",
        "## Page views by a logged-in reader (ms, median)",
        "",
        "| page | with onboarding | without | added (paired) |",
        "|---|---|---|---|",
        *views,
        "",
        "## Uncached work (ms, median)",
        "",
        f"- a page's version from git, empty cache: {ms(version)} (every one of {pages} pages)",
        f"- writing one opening (a new row): {ms(write)}",
        "",
        "## The admins' report (ms, median)",
        "",
        "| what | time | size |",
        "|---|---|---|",
        *listing,
        "",
    ]
    out = ROOT / "bench" / "results" / "onboarding.md"
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
