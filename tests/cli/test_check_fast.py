"""`masterywiki check --full` with the fast scan (content/checkscan) and the forked scan
of a cold start gives the same findings and kept results as rendering every page."""

from __future__ import annotations

import marshal
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from masterywiki.cli import main
from masterywiki.content import check as check_module
from masterywiki.repository import checkstate
from masterywiki.repository import wiki as wiki_module

ROOT = Path(__file__).resolve().parents[2]
BROKEN = {  # findings of each kind, so the comparison is not of two empty lists
    "extra/broken.md": "# Broken\n\n[gone](gone.md) {term}`nothing` {foo}`x`\n\n## Same\n\n"
    "## Same\n\n[to a heading](../index.md#no-such-heading)\n",
}


def starter_files() -> dict[str, str]:
    root = ROOT / "wiki"
    files = {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    return {**files, **BROKEN}


def run(repo: Path, instance: Path, *args: str) -> tuple[str, int]:
    """The findings printed, and how many pages were checked."""
    result = CliRunner().invoke(
        main, ["check", "--full", "--repo", str(repo), "--instance", str(instance), *args]
    )
    assert result.exit_code in (0, 1), result.output
    found = re.search(r"\((\d+) rendered", result.stderr)
    assert found, result.stderr
    return result.stdout, int(found.group(1))


def kept(instance: Path) -> object:
    """Every page's kept result (lookups, problems, anchors) and every lookup's answer."""
    data = marshal.loads((instance / "cache" / checkstate.STATE_FILE).read_bytes())
    *pages, keys, answers = data[2]
    return pages, dict(zip(keys, answers, strict=True))  # answers in any order


def test_the_fast_scan_changes_no_finding_and_no_kept_result(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_factory(starter_files())
    fast, pages = run(repo, tmp_path / "fast", "--processes", "1")
    assert "gone.md" in fast and "nothing" in fast and "no-such-heading" in fast
    monkeypatch.setattr(check_module, "scan_check", lambda *_args: None)  # render all
    rendered, _ = run(repo, tmp_path / "rendered", "--processes", "1")
    assert fast == rendered
    assert kept(tmp_path / "fast") == kept(tmp_path / "rendered")
    assert pages > 100


def test_a_cold_start_scanned_in_processes_finds_the_same(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_factory(starter_files())
    alone, _ = run(repo, tmp_path / "alone", "--processes", "1")
    monkeypatch.setattr(wiki_module, "SCAN_FORKED_FROM", 1)
    monkeypatch.setattr(check_module, "PARALLEL_FROM", 1)
    forked, _ = run(repo, tmp_path / "forked", "--processes", "2")
    assert alone == forked
    assert kept(tmp_path / "alone") == kept(tmp_path / "forked")
