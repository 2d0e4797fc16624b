"""`masterywiki check` on pages' care: unreadable owner and review keys always, and
with `--stale` overdue pages and pages readers report as outdated (from the database)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from masterywiki.cli import main
from masterywiki.db.database import Database
from masterywiki.stewardship.feedback import Feedback


def check(repo: Path, instance: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        main, ["check", "--repo", str(repo), "--instance", str(instance), *args]
    )
    return result.exit_code, [line for line in result.stdout.splitlines() if line]


def test_stale_pages_and_outdated_reports_are_warnings(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    long_ago = (date.today() - timedelta(days=400)).isoformat()
    repo = repo_factory({
        "index.md": "# Home\n\n```{toctree}\nold\nfresh\nodd\n```\n",
        "old.md": f"---\nowner: ada\nreview_every: 1 year\nreviewed: {long_ago}\n---\n# Old\n",
        "fresh.md": "---\nowner: bo\nreview_every: 1 year\n---\n# Fresh\n",
        "odd.md": "---\nowner: Ada Lovelace!\nreview_every: sometimes\n---\n# Odd\n",
    })  # fmt: skip
    instance = tmp_path / "instance"
    database = Database.for_instance(instance)
    feedback = Feedback(database)
    feedback.send("fresh", None, "outdated", "The dates are last year's.", None, address="1.2.3.4")
    feedback.send("fresh", None, "unclear", "", None, address="1.2.3.5")  # not 'outdated'
    database.close()

    code, lines = check(repo, instance)
    assert code == 0
    assert (
        "odd.md:2: warning: owner: give usernames, like `owner: ada` or `owner: [ada, bo]`" in lines
    )
    assert any(line.startswith("odd.md:2: warning: review_every:") for line in lines)
    assert not any("review was due" in line or "reader report" in line for line in lines)

    code, lines = check(repo, instance, "--stale")
    assert code == 0, "warnings only"
    due = (date.today() - timedelta(days=400) + timedelta(days=365)).isoformat()
    leap = [line for line in lines if line.startswith("old.md:1: warning: review was due")]
    assert len(leap) == 1 and "(last reviewed: " in leap[0] and "owner: ada" in leap[0]
    assert leap[0].split("review was due ")[1][:10] in {
        due,
        (date.fromisoformat(due) + timedelta(days=1)).isoformat(),
    }
    assert "fresh.md:1: warning: 1 open reader report says it is outdated" in lines
