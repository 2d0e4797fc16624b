"""`masterywiki check` after a commit: it renders only what the commit can have changed,
and its findings are exactly those of a full check of the same commit."""

from __future__ import annotations

import dataclasses
import pickle
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from masterywiki.cli import main
from masterywiki.repository import checkstate, wikisnapshot
from tests.conftest import commit_files, git

WIKI = {
    "index.md": "# Home\n\nSee {doc}`guide/one` and {term}`rubric`.\n\n"
    "```{toctree}\nguide/index\nglossary/index\n```\n",
    "guide/index.md": "(guide-top)=\n# Guide\n\n```{toctree}\none\ntwo\n```\n",
    "guide/one.md": "# One\n\n[two](two.md#part), {ref}`guide-top`, {term}`Scoring Guide`,\n"
    "{term}`weight`, [gone](missing.md).\n",
    "guide/two.md": "# Two\n\n## Part\n\nBack to {doc}`one`.\n",
    "guide/three.md": "# Three\n\nNot in a toctree, linking {doc}`/index`.\n",
    "glossary/index.md": "# Glossary\n\n```{toctree}\nrubric\n```\n",
    "glossary/rubric.md": "---\ntype: term\naliases: [Scoring Guide]\n---\n# Rubric\n\nA guide.\n",
}
PAGES = len(WIKI)

# Each change, and the pages (at most) a check after it renders again.
CHANGES: dict[str, tuple[dict[str, str | None], int]] = {
    "edit removes a heading": ({"guide/two.md": "# Two\n\nBack to {doc}`one`.\n"}, 1),
    "rename": (
        {"guide/two.md": None, "guide/second.md": "# Two\n\n## Part\n\nBack to {doc}`one`.\n"},
        3,
    ),
    "delete a term": ({"glossary/rubric.md": None}, 3),
    "new page": (
        {"glossary/weight.md": "---\ntype: term\n---\n# Weight\n\nHow much it counts.\n"},
        2,
    ),
    "term alias changes": (
        {"glossary/rubric.md": "---\ntype: term\naliases: [Marking Guide]\n---\n# Rubric\n"},
        2,
    ),
    "term title changes": ({"glossary/rubric.md": "---\ntype: term\n---\n# Scoring Guide\n"}, 4),
    "toctree drops a page": (
        {"guide/index.md": "(guide-top)=\n# Guide\n\n```{toctree}\none\n```\n"},
        1,
    ),
    "label renamed": (
        {"guide/index.md": "(guide-start)=\n# Guide\n\n```{toctree}\none\ntwo\n```\n"},
        2,
    ),
    "redirect to a missing page": (
        {"guide/found.md": "---\nredirect_from: [guide/missing]\n---\n# Found\n"},
        2,
    ),
    "page title changes": (
        {"guide/one.md": WIKI["guide/one.md"].replace("# One", "# First") + "[x](nope.md)\n"},
        4,
    ),
}


def run(repo: Path, instance: Path, *args: str) -> tuple[list[str], int]:
    """The findings printed, and how many pages were rendered."""
    result = CliRunner().invoke(
        main, ["check", "--repo", str(repo), "--instance", str(instance), *args]
    )
    assert result.exit_code in (0, 1), result.output
    found = re.search(r"\((\d+) rendered", result.stderr)
    assert found, result.stderr
    return [line for line in result.stdout.splitlines() if line], int(found.group(1))


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_after_a_commit_only_what_changed_is_rendered_and_findings_match_a_full_check(
    change: str, repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(WIKI)
    before, rendered = run(repo, tmp_path / "kept")
    assert rendered == PAGES
    files, at_most = CHANGES[change]
    commit_files(repo, files, change)
    after, rendered = run(repo, tmp_path / "kept")
    full, everything = run(repo, tmp_path / "fresh", "--full")
    assert after == full
    assert after != before  # each change changes the findings
    assert 0 < rendered <= at_most < everything


def test_nothing_changed_renders_nothing(repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory(WIKI)
    first, _ = run(repo, tmp_path / "inst")
    again, rendered = run(repo, tmp_path / "inst")
    assert (again, rendered) == (first, 0)
    _, rendered = run(repo, tmp_path / "inst", "--full")
    assert rendered == PAGES


def test_a_rewritten_history_is_checked_from_the_pages_it_has(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(WIKI)
    run(repo, tmp_path / "inst")
    commit_files(repo, {"guide/two.md": "# Two\n"}, "drop the part")
    run(repo, tmp_path / "inst")
    git(repo, "reset", "-q", "--hard", "HEAD~1")  # back to before: the kept state is newer
    after, rendered = run(repo, tmp_path / "inst")
    assert after == run(repo, tmp_path / "fresh", "--full")[0]
    assert rendered == 1


@pytest.mark.parametrize(
    "damage", [b"", b"not a pickle", None], ids=["empty", "garbage", "other code"]
)
def test_unusable_kept_results_mean_a_full_check(
    damage: bytes | None,
    repo_factory: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = repo_factory(WIKI)
    first, _ = run(repo, tmp_path / "inst")
    state = tmp_path / "inst" / "cache" / checkstate.STATE_FILE
    assert state.is_file()
    if damage is None:
        monkeypatch.setattr(checkstate, "code_version", lambda: "another masterywiki")
    else:
        state.write_bytes(damage)
    again, rendered = run(repo, tmp_path / "inst")
    assert (again, rendered) == (first, PAGES)
    assert checkstate.load(state.parent) is not None  # written afresh


def test_a_run_of_commits_checked_one_by_one_matches_full_checks(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    """Each check starts from the wiki snapshot and results the one before kept: after
    every commit of a series, the findings are those of a full check."""
    repo = repo_factory(WIKI)
    run(repo, tmp_path / "kept")
    for change in (
        "new page",
        "term alias changes",
        "rename",
        "label renamed",
        "page title changes",
    ):
        commit_files(repo, CHANGES[change][0], change)
        after, _ = run(repo, tmp_path / "kept")
        assert after == run(repo, tmp_path / "fresh", "--full")[0], change


def test_the_wiki_snapshot_is_kept_until_far_behind(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_factory(WIKI)
    run(repo, tmp_path / "inst")
    cache = tmp_path / "inst" / "cache"
    first = wikisnapshot.load(cache)
    assert first is not None and first.commit == git(repo, "rev-parse", "HEAD")
    commit_files(repo, {"guide/two.md": "# Two\n"}, "one small change")
    run(repo, tmp_path / "inst")
    kept = wikisnapshot.load(cache)
    assert kept is not None and kept.commit == first.commit  # one file behind: not rewritten
    monkeypatch.setattr(wikisnapshot, "REWRITE_AFTER", 0)
    commit_files(repo, {"guide/three.md": "# Three\n"}, "another")
    after, _ = run(repo, tmp_path / "inst")
    kept = wikisnapshot.load(cache)
    assert kept is not None and kept.commit == git(repo, "rev-parse", "HEAD")
    assert after == run(repo, tmp_path / "fresh", "--full")[0]


@pytest.mark.parametrize("damage", ["garbage", "gone commit", "other code"])
def test_an_unusable_wiki_snapshot_means_reading_the_wiki(
    damage: str, repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(WIKI)
    run(repo, tmp_path / "inst")
    path = tmp_path / "inst" / "cache" / wikisnapshot.FILE_NAME
    kept = wikisnapshot.load(path.parent)
    assert kept is not None
    if damage == "garbage":
        path.write_bytes(b"not a pickle")
    elif damage == "gone commit":  # history rewritten and collected since
        wikisnapshot.save(path.parent, dataclasses.replace(kept, commit="0" * 40))
    else:
        data = pickle.loads(path.read_bytes())
        path.write_bytes(pickle.dumps({**data, "code": "another masterywiki"}))
    commit_files(repo, {"guide/two.md": "# Two\n"}, "drop the part")
    after, _ = run(repo, tmp_path / "inst")
    assert after == run(repo, tmp_path / "fresh", "--full")[0]
    renewed = wikisnapshot.load(path.parent)
    assert renewed is not None and renewed.commit == git(repo, "rev-parse", "HEAD")
