"""An incremental `build` writes exactly the files a full build of the same commit
writes, byte for byte, and leaves alone what the commit cannot have changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki import settings as settings_module
from masterywiki.repository import wikisnapshot
from masterywiki.site.build import BuildResult, build_site
from masterywiki.site.manifest import MANIFEST_FILE
from tests.conftest import commit_files, git

FIRST = Path(__file__).parent.parent / "data" / "basic" / "guide" / "first.md"
RESOURCE = "---\ntitle: Exit Ticket\ntype: resource\ntags: [alpha]\n---\n# Exit Ticket\n\nUse it.\n"

CHANGES: dict[str, dict[str, str | None]] = {
    "body edit": {"guide/first.md": FIRST.read_text() + "\nOne more paragraph.\n"},
    "title change": {"guide/second.md": "---\ntitle: Chapter Two\n---\n# Chapter Two\n"},
    "rename": {"guide/second.md": None, "guide/two.md": "# Two\n\n(second-label)=\n## Details\n"},
    "delete a term": {"glossary/rubric.md": None},
    "new page": {"guide/third.md": "# Third\n\nIn no toctree, linking [home](../index.md).\n"},
    "term alias": {
        "glossary/rubric.md": "---\ntitle: Rubric\ntype: term\naliases: [Scoring Guide]\n---\n"
        "# Rubric\n"
    },
    "toctree change": {"guide/index.md": "# Guide\n\n```{toctree}\nsecond\nfirst\n```\n"},
    "tag change": {"guide/first.md": FIRST.read_text().replace("[alpha, beta]", "[gamma]")},
    "new resource": {"guide/exit-ticket.md": RESOURCE},
}


def build(repo: Path, instance: Path, out: Path, **options: object) -> BuildResult:
    loaded = settings_module.load({"repo": repo, "instance": instance})
    return build_site(loaded, out, **options)  # type: ignore[arg-type]


def files_of(out: Path) -> dict[str, bytes]:
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_incremental_output_is_a_full_builds_byte_for_byte(
    change: str, repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(source="basic")
    kept = tmp_path / "kept"
    build(repo, tmp_path / "instance", kept)
    commit_files(repo, CHANGES[change], change)
    incremental = build(repo, tmp_path / "instance", kept)
    full = build(repo, tmp_path / "fresh-instance", tmp_path / "fresh", full=True)
    assert incremental.pages == full.pages and incremental.site_views == full.site_views
    built, expected = files_of(kept), files_of(tmp_path / "fresh")
    assert sorted(built) == sorted(expected)
    assert [name for name in built if built[name] != expected[name]] == []


def test_a_body_edit_leaves_the_site_views_alone(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(source="basic")
    out = tmp_path / "site"
    first = build(repo, tmp_path / "instance", out)
    views = [out / "-/glossary/index.html", out / "-/tags/alpha/index.html"]
    written = [view.stat().st_mtime_ns for view in views]
    commit_files(repo, CHANGES["body edit"], "body edit")
    edited = build(repo, tmp_path / "instance", out)
    assert edited.rendered == 1 and edited.site_views == first.site_views
    assert [view.stat().st_mtime_ns for view in views] == written
    commit_files(repo, CHANGES["tag change"], "tag change")
    build(repo, tmp_path / "instance", out)
    assert views[0].stat().st_mtime_ns != written[0]  # fetched and written again
    assert not views[1].parent.exists()  # no page is tagged alpha any more


@pytest.mark.parametrize("damage", [None, b"not a pickle"], ids=["kept", "damaged"])
def test_a_build_starts_from_the_kept_wiki_snapshot(
    damage: bytes | None, repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(source="basic")
    instance, kept = tmp_path / "instance", tmp_path / "kept"
    build(repo, instance, kept)
    cache = instance / "cache"
    first = wikisnapshot.load(cache)
    assert first is not None and first.commit == git(repo, "rev-parse", "HEAD")
    if damage is not None:
        (cache / wikisnapshot.FILE_NAME).write_bytes(damage)
    commit_files(repo, CHANGES["body edit"], "body edit")
    incremental = build(repo, instance, kept)
    build(repo, tmp_path / "fresh-instance", tmp_path / "fresh", full=True)
    assert incremental.rendered == 1
    assert files_of(kept) == files_of(tmp_path / "fresh")
    now = wikisnapshot.load(cache)
    assert now is not None
    # One commit behind is close enough to keep; a damaged one is replaced.
    assert now.commit == (first.commit if damage is None else git(repo, "rev-parse", "HEAD"))
