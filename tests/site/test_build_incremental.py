"""An incremental `build` writes exactly the files a full build of the same commit
writes, byte for byte, and leaves alone what the commit cannot have changed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki import settings as settings_module
from masterywiki.repository import wikisnapshot
from masterywiki.site import searchparts, static_search
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


@pytest.fixture(params=[1000, 2], ids=["one-part", "four-parts"])
def part_pages(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Pages a search index part holds: the fixture wiki's 7 pages in one part or in 4."""
    monkeypatch.setattr(static_search, "PART_PAGES", request.param)
    return int(request.param)


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_incremental_output_is_a_full_builds_byte_for_byte(
    change: str, part_pages: int, repo_factory: Callable[..., Path], tmp_path: Path
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


def search_files(out: Path) -> dict[str, int]:
    """The search index's files and what an incremental build keeps of it: mtimes."""
    found = [*(out / "-/search").glob("searchindex*.js"), *(out / searchparts.KEEP_DIR).iterdir()]
    return {path.relative_to(out).as_posix(): path.stat().st_mtime_ns for path in found}


def built_in_four_parts(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    """The basic fixture wiki (7 pages) built into `tmp_path/site`, its search index in
    four parts of about two pages."""
    monkeypatch.setattr(static_search, "PART_PAGES", 2)
    repo = repo_factory(source="basic")
    out = tmp_path / "site"
    build(repo, tmp_path / "instance", out)
    return repo, out


def test_a_body_edit_rewrites_one_part_of_the_search_index(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, out = built_in_four_parts(repo_factory, tmp_path, monkeypatch)
    before = search_files(out)
    assert len(before) == 2 * 4  # four parts, each with its kept entries
    commit_files(repo, CHANGES["body edit"], "body edit")
    build(repo, tmp_path / "instance", out)
    after = search_files(out)
    part = static_search.part_of("guide/first", 4)
    changed = {
        searchparts.index_file(part),
        searchparts.kept_file(part),
        *([searchparts.index_file(0)] if part == 0 else []),
    }
    assert sorted(f for f in after if after[f] != before[f]) == sorted(changed)
    index = searchparts.read_index(out)
    assert static_search.search(index, "paragraph")[0][0] == "guide/first/"
    assert static_search.search(index, "rubric")[0][1] == "Rubric"


@pytest.mark.parametrize("pages", [2, 9], ids=["halved", "doubled"])
def test_a_site_that_doubles_or_halves_splits_its_index_again(
    pages: int,
    repo_factory: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(static_search, "PART_PAGES", 2)
    repo = repo_factory(source="basic")
    out = tmp_path / "site"
    build(repo, tmp_path / "instance", out)  # 7 pages: 4 parts
    if pages < 7:
        change: dict[str, str | None] = {f"guide/{n}.md": None for n in ("first", "second")}
        change |= {"glossary/rubric.md": None, "glossary/grade-composition.md": None}
        change["guide/index.md"] = "# Guide\n"
        change["glossary/index.md"] = "# Glossary\n"
    else:
        change = {f"guide/new-{i}.md": f"# New {i}\n\nWords.\n" for i in range(2)}
    commit_files(repo, change, "resize")
    incremental = build(repo, tmp_path / "instance", out)
    full = build(repo, tmp_path / "fresh-instance", tmp_path / "fresh", full=True)
    assert incremental.pages == full.pages
    parts = static_search.part_count(full.pages)
    assert parts == (2 if pages < 7 else 8)
    assert files_of(out) == files_of(tmp_path / "fresh")
    kept = sorted(p.name for p in (out / searchparts.KEEP_DIR).iterdir())
    assert kept == sorted(f"search-{k}.json" for k in range(parts))
    found = sorted(p.name for p in (out / "-/search").glob("searchindex*.js"))
    assert found == sorted(static_search.part_file(k) for k in range(parts))


def test_damaged_kept_entries_render_their_part_again(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, out = built_in_four_parts(repo_factory, tmp_path, monkeypatch)
    files = page_files(repo)
    parts = [[n for n in files if static_search.part_of(n, 4) == k] for k in range(4)]
    members = max(parts, key=len)
    part = parts.index(members)
    (out / searchparts.kept_file(part)).write_text("{not json")
    edited = files[members[0]]
    commit_files(repo, {edited: (repo / edited).read_text() + "\nMore.\n"}, "body edit")
    again = build(repo, tmp_path / "instance", out)
    assert again.rendered == len(members) > 1  # the edited page and its part's others
    build(repo, tmp_path / "fresh-instance", tmp_path / "fresh", full=True)
    assert files_of(out) == files_of(tmp_path / "fresh")


def page_files(repo: Path) -> dict[str, str]:
    """The fixture wiki's pages: name -> file."""
    found = {}
    for path in sorted(repo.rglob("*.md")):
        file = path.relative_to(repo).as_posix()
        name = file.removesuffix(".md")
        found[name.removesuffix("/index") if name != "index" else name] = file
    return found
