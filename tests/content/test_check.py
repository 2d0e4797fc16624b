"""`masterywiki check`: every kind of finding, its line, and the exit status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from masterywiki.cli import main
from masterywiki.content.check import PARALLEL_FROM, diagnose
from masterywiki.git.storage import GitStorage
from masterywiki.repository.instance import create_wiki
from masterywiki.repository.wiki import Wiki
from tests.conftest import commit_files


def run_check(repo: Path, tmp_path: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        main, ["check", "--repo", str(repo), "--instance", str(tmp_path / "inst"), *args]
    )
    lines = [line for line in result.stdout.splitlines() if line]
    return result.exit_code, lines


@pytest.fixture
def broken(repo_factory: Callable[..., Path]) -> Path:
    return repo_factory(source="broken")


EXPECTED = [
    "Notes.md:1: warning: not served: page file names use lowercase a-z, 0-9 and '-'",
    "guide/first.md:2: error: front matter is not valid YAML: did not find expected ',' or ']'",
    "guide/fourth.md:1: warning: page is not in any toctree, so no menu leads to it",
    "guide/second.md:1: warning: page is not in any toctree, so no menu leads to it",
    "guide/second.md:2: error: redirect_from 'guide/first' names a live page, which the "
    "redirect would shadow",
    "guide/second.md:2: error: redirect_from 'guide/second' points the page at itself",
    "guide/second.md:10: error: label 'dup-label' is already defined in guide/first.md",
    "guide/third.md:1: warning: page is not in any toctree, so no menu leads to it",
    "guide/third.md:2: error: redirect_from 'gone' is also claimed by guide/fourth.md",
    "guide/third.md:2: error: term or alias 'Scoring Guide' is also claimed by guide/second.md",
    "index.md:7: error: link to a page that does not exist: guide/missing",
    "index.md:7: error: unknown label: no-such-label",
    "index.md:7: error: unknown glossary term: nonexistent term",
    "index.md:8: error: link to #no-such-anchor, which is not a heading or label in guide/first",
    "index.md:10: warning: unknown role {unknownrole}",
    "index.md:14: error: toctree entry names a missing page: guide/ghost",
]


def test_every_finding_with_its_line(broken: Path, tmp_path: Path) -> None:
    status, lines = run_check(broken, tmp_path)
    assert status == 1
    bad_redirect = [line for line in lines if "'../Bad Path'" in line]
    assert len(bad_redirect) == 1 and bad_redirect[0].startswith("guide/second.md:2: error:")
    assert [line for line in lines if "'../Bad Path'" not in line] == EXPECTED


def test_json_output(broken: Path, tmp_path: Path) -> None:
    status, lines = run_check(broken, tmp_path, "--format", "json")
    assert status == 1
    findings = json.loads("\n".join(lines))
    assert {"path", "line", "severity", "kind", "message"} <= set(findings[0])
    kinds = {f["kind"] for f in findings}
    assert {"front-matter", "label", "term", "redirect", "anchor", "toctree", "file"} <= kinds


def test_processes_share_a_large_wiki_and_find_the_same(broken: Path, tmp_path: Path) -> None:
    pages = {
        f"extra/page-{n:03}.md": f"# Page {n}\n\n## Part\n\n[next](page-{n + 1:03}.md#part)"
        f" [gone](ghost-{n}.md) {{term}}`rubric`\n"
        for n in range(PARALLEL_FROM)
    }
    commit_files(broken, pages, "many pages")
    _, serial = run_check(broken, tmp_path, "--format", "json", "--processes", "1")
    _, shared = run_check(broken, tmp_path, "--format", "json", "--processes", "2")
    found = json.loads("\n".join(serial))
    assert json.loads("\n".join(shared)) == found
    assert len([f for f in found if "ghost-" in f["message"]]) == PARALLEL_FROM
    # the last page's "next" has no page; every other anchor exists (headings came back)
    assert [f["path"] for f in found if "page-" in f["message"]] == [
        f"extra/page-{PARALLEL_FROM - 1:03}.md"
    ]


def test_warnings_alone_exit_zero(repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory({"index.md": "# Home\n", "lonely.md": "# Lonely\n"})
    status, lines = run_check(repo, tmp_path)
    assert status == 0
    assert lines == ["lonely.md:1: warning: page is not in any toctree, so no menu leads to it"]


def test_the_starter_wiki_is_clean(tmp_path: Path) -> None:
    create_wiki(str(tmp_path / "wiki"))
    status, lines = run_check(tmp_path / "wiki", tmp_path)
    assert (status, lines) == (0, [])


def test_shadowed_page_file_is_reported(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"index.md": "# H\n\n```{toctree}\nguide\n```\n", "guide.md": "# File",
                         "guide/index.md": "# Folder"})  # fmt: skip
    wiki = Wiki(GitStorage(repo))
    snapshot = wiki.refresh()
    rendered = {r.name: wiki.rendered(r) for r in snapshot.catalog.records()}
    found = [str(d) for d in diagnose(snapshot.catalog, rendered, snapshot.files)]
    assert found == ["guide.md:1: warning: not served: guide/index.md is the page 'guide'"]


def test_unreadable_comment_lines_are_reported(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    good = '{"type": "comment", "id": "c1", "author": "ada", "created": "2026-01-01T00:00:00Z", '
    good += '"body": "Fine"}'
    repo = repo_factory({"index.md": "# Home\n", "index.comments.jsonl": f"{good}\n{{not json\n"})
    status, lines = run_check(repo, tmp_path)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith("index.comments.jsonl:2: error: ")


def test_old_addresses_from_another_wiki_are_accepted_once(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    toctree = "# Home\n\n```{toctree}\nnotes\nweek\n```\n"
    repo = repo_factory(
        {
            "index.md": toctree,
            "notes.md": '---\nredirect_from: ["Meeting Notes", "Notes/../x"]\n---\n# Notes\n',
            "week.md": '---\nredirect_from: ["meeting notes"]\n---\n# Week\n',
        }
    )
    status, lines = run_check(repo, tmp_path)
    assert status == 1
    assert lines == [
        "notes.md:2: error: redirect_from 'Notes/../x': A page address cannot contain "
        "'.' or '..' segments.",
        "week.md:2: error: redirect_from 'meeting notes' is also claimed by notes.md",
    ]
