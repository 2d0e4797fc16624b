"""The wiki service on real repositories: freshness, caching and lookups."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki.errors import InvalidPagePath, PageNotFound
from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import PageMoved, Wiki
from masterywiki.web.app import create_app
from masterywiki.web.views.search import EXTENSION as SEARCH_KEY
from tests.conftest import commit_files, git


def test_reads_pages_and_last_change(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    page = wiki.page("guide/first")
    assert page.record.title == "First Chapter"
    assert page.change is not None and page.change.author == "Ada Coach"
    assert 'href="/guide/second#details"' in page.rendered.html


def test_outside_commit_is_seen_on_next_refresh(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    before = wiki.page("guide/first").rendered.html
    commit_files(basic_repo, {"guide/first.md": "# First Chapter\n\nRewritten outside.\n"}, "Push")
    after = wiki.page("guide/first")
    assert after.rendered.html != before and "Rewritten outside." in after.rendered.html
    assert after.change is not None and after.change.summary == "Push"


def test_new_term_changes_other_pages_rendering(basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/second.md": "# Second\n\nSee {term}`seat time`.\n"})
    wiki = Wiki(GitStorage(basic_repo))
    assert "unknown" in wiki.page("guide/second").rendered.html
    commit_files(
        basic_repo,
        {"glossary/seat-time.md": "---\ntype: term\nsummary: Hours in a chair.\n---\n# Seat Time"},
    )
    html = wiki.page("guide/second").rendered.html
    assert 'href="/glossary/seat-time"' in html and "unknown" not in html


def test_deleted_page_is_gone(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    wiki.page("guide/second")
    commit_files(basic_repo, {"guide/second.md": None}, "Remove")
    with pytest.raises(PageNotFound):
        wiki.page("guide/second")


def test_lookups_raise_typed_errors(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    with pytest.raises(InvalidPagePath):
        wiki.record("../etc/passwd")
    with pytest.raises(PageNotFound):
        wiki.record("guide/third")
    with pytest.raises(PageMoved) as moved:
        wiki.record("guide/index")
    assert moved.value.new_name == "guide"


def test_redirect_from_front_matter(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"index.md": "# Home", "new.md": "---\nredirect_from: [old]\n---\n# N"})
    with pytest.raises(PageMoved) as moved:
        Wiki(GitStorage(repo)).record("old")
    assert moved.value.new_name == "new"


def test_index_md_wins_over_sibling_file(repo_factory: Callable[..., Path]) -> None:
    repo = repo_factory({"index.md": "# H", "guide.md": "# File", "guide/index.md": "# Folder"})
    assert Wiki(GitStorage(repo)).record("guide").file == "guide/index.md"


def test_render_is_cached_by_blob(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    record = wiki.record("guide/first")
    assert wiki.rendered(record) is wiki.rendered(record)


def test_cache_file_is_reused_and_corruption_is_survived(basic_repo: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = Wiki(GitStorage(basic_repo), cache_dir=cache)
    first.refresh()
    assert (cache / "pages.pickle").exists()

    second = Wiki(GitStorage(basic_repo), cache_dir=cache)
    calls: list[int] = []
    original = second.storage.read_blobs

    def counting(shas: object) -> dict[str, bytes]:
        wanted = list(shas)  # type: ignore[call-overload]
        calls.append(len(wanted))
        return original(wanted)

    second.storage.read_blobs = counting  # type: ignore[method-assign]
    assert len(second.refresh().catalog) == 7
    assert sum(calls) == 0, "a warm cache file means no page is re-read"

    (cache / "pages.pickle").write_bytes(b"not a pickle")
    third = Wiki(GitStorage(basic_repo), cache_dir=cache)
    assert len(third.refresh().catalog) == 7


@pytest.mark.parametrize("wrong", ["list", "changes", "infos", "commit"])
def test_a_page_cache_of_the_wrong_shape_is_ignored(
    basic_repo: Path, tmp_path: Path, wrong: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "instance" / "cache"
    Wiki(GitStorage(basic_repo), cache_dir=cache).refresh()
    with (cache / "pages.pickle").open("rb") as handle:
        header, data = pickle.load(handle), pickle.load(handle)  # the header, then the pages
    if wrong == "list":
        data = [data]
    elif wrong == "commit":
        data["commit"] = 42
    else:
        data[wrong] = {key: 42 for key in data[wrong]}
    (cache / "pages.pickle").write_bytes(pickle.dumps(header) + pickle.dumps(data))
    with caplog.at_level(logging.WARNING):
        app = create_app({"repo": basic_repo, "instance": tmp_path / "instance"})
    try:
        assert app.test_client().get("/guide/first").status_code == 200
        assert "page cache" in caplog.text
    finally:
        app.extensions[SEARCH_KEY].close()
        app.extensions["masterywiki"].wiki.storage.close()


def test_a_page_cache_written_by_the_flat_layout_is_read_afresh(
    basic_repo: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Before the subpackages, the scans pickled as masterywiki.docinfo.DocInfo and
    # masterywiki.gitparse.Change: such a cache must be read again, never crash.
    cache = tmp_path / "cache"
    Wiki(GitStorage(basic_repo), cache_dir=cache).refresh()
    with (cache / "pages.pickle").open("rb") as handle:
        header, data = pickle.load(handle), pickle.load(handle)
    old = pickle.dumps(data, protocol=0)  # names classes as plain text lines
    for new_module, old_module in (
        (b"masterywiki.content.docinfo", b"masterywiki.docinfo"),
        (b"masterywiki.content.model", b"masterywiki.model"),
        (b"masterywiki.git.parse", b"masterywiki.gitparse"),
    ):
        assert new_module in old or new_module.endswith(b"model")
        old = old.replace(new_module + b"\n", old_module + b"\n")
    assert b"masterywiki.docinfo\n" in old
    (cache / "pages.pickle").write_bytes(pickle.dumps(header) + old)
    wiki = Wiki(GitStorage(basic_repo), cache_dir=cache)
    with caplog.at_level(logging.WARNING):
        assert len(wiki.refresh().catalog) == 7
    assert "ignoring unreadable page cache" in caplog.text
    assert b"masterywiki.content.docinfo" in (cache / "pages.pickle").read_bytes()
    wiki.storage.close()


def test_empty_repository(tmp_path: Path) -> None:
    from tests.conftest import git

    git(tmp_path, "init", "-q", "-b", "main")
    wiki = Wiki(GitStorage(tmp_path))
    assert wiki.refresh().commit is None
    with pytest.raises(PageNotFound):
        wiki.page("index")


def test_suggestions_for_a_typo(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    assert [r.name for r in wiki.suggestions("glossary/rubrik")][:1] == ["glossary/rubric"]


def test_incremental_snapshots_equal_a_fresh_read(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    wiki.refresh()
    steps: list[dict[str, str | None]] = [
        {"guide/first.md": "# First, edited\n"},
        {"guide/first.md": "# First\n\nSee {doc}`/glossary/rubric` and [two](second.md).\n"},
        {"guide/first.md": "# First\n\nSee {term}`rubric` only.\n"},
        {"guide/third.md": "---\ntype: term\n---\n# Third\n", "guide/second.md": None},
        {"guide/first.md": None, "guide/first/index.md": "# Now a folder\n"},
        {"glossary/rubric.md": "---\ntitle: Rubric\nredirect_from: [old-rubric]\n---\n"},
        {"guide/first/index.files/plan.txt": "plan", "guide/second.files/a.txt": "a"},
        {"guide/first/index.files/plan.txt": "plan v2", "guide/second.files/b.txt": "b"},
        {"guide/first/index.files/plan.txt": None, "guide/second.files/a.txt": None},
    ]
    assert wiki.refresh().attachments == {}  # built once: later snapshots carry it forward
    for step in steps:
        commit_files(basic_repo, step)
        incremental = wiki.refresh()
        assert incremental.attachments == Wiki(GitStorage(basic_repo)).refresh().attachments
        fresh = Wiki(GitStorage(basic_repo)).refresh()
        assert incremental.files == fresh.files
        assert incremental.catalog.pages == fresh.catalog.pages
        assert incremental.catalog.version == fresh.catalog.version
        assert incremental.catalog.redirects == fresh.catalog.redirects
        assert incremental.catalog.kinds == fresh.catalog.kinds
        assert incremental.changes == fresh.changes
        for name in fresh.catalog.pages:
            assert incremental.catalog.neighbours(name) == fresh.catalog.neighbours(name)
            # (asked at every step, so the next step updates them rather than builds them)
            assert incremental.catalog.backlinks(name) == fresh.catalog.backlinks(name)


def test_force_push_to_unrelated_history(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    wiki.refresh()
    git(basic_repo, "checkout", "-q", "--orphan", "rewritten")
    git(basic_repo, "rm", "-rqf", ".")
    commit_files(basic_repo, {"index.md": "# A new start\n"}, "Start over")
    git(basic_repo, "branch", "-M", "main")
    snapshot = wiki.refresh()
    assert list(snapshot.catalog.pages) == ["index"]
    assert snapshot.changes["index.md"].summary == "Start over"


def test_a_vanished_previous_commit_means_reading_afresh(basic_repo: Path) -> None:
    """History rewritten and garbage-collected under a running server (or a restored
    repository under an old cache): the next refresh reads everything again."""
    wiki = Wiki(GitStorage(basic_repo))
    commit_files(basic_repo, {"guide/first.md": "# Doomed\n"}, "to be rewritten")
    assert wiki.refresh().catalog.get("guide/first").title == "Doomed"
    git(basic_repo, "reset", "-q", "--hard", "HEAD~1")
    commit_files(basic_repo, {"guide/first.md": "# Rewritten\n"}, "the new history")
    git(basic_repo, "reflog", "expire", "--expire=now", "--all")
    git(basic_repo, "gc", "-q", "--prune=now")
    assert wiki.refresh().catalog.get("guide/first").title == "Rewritten"


def test_a_cold_start_reads_pages_in_batches(
    basic_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("masterywiki.repository.pagescan.BATCH", 3)
    wiki = Wiki(GitStorage(basic_repo))
    sizes: list[int] = []
    original = wiki.storage.read_blobs

    def counting(shas: list[str]) -> dict[str, bytes]:
        sizes.append(len(shas))
        return original(shas)

    wiki.storage.read_blobs = counting  # type: ignore[method-assign]
    assert len(wiki.refresh().catalog) == 7
    assert sizes == [3, 3, 1]


def tree_listings(wiki: Wiki) -> list[str]:
    """The commits whose files `wiki` counts from now on, as they are counted."""
    listed: list[str] = []
    original = wiki.storage.file_count

    def counting(commit: str) -> int:
        listed.append(commit)
        return original(commit)

    wiki.storage.file_count = counting  # type: ignore[method-assign]
    return listed


def test_the_file_count_is_listed_once_per_commit(basic_repo: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    listed = tree_listings(wiki)
    first = wiki.file_count()
    assert wiki.file_count() == first and len(listed) == 1
    commit_files(basic_repo, {"new.md": "# New\n"})
    assert wiki.file_count() == first + 1 and len(listed) == 2


def test_a_start_knows_the_wikis_size_from_the_page_caches_header(
    basic_repo: Path, tmp_path: Path
) -> None:
    """Whether to read a wiki in the background is decided without listing its tree
    when an earlier start left a page cache (its header holds the page count)."""
    cache = tmp_path / "cache"
    pages = len(Wiki(GitStorage(basic_repo), cache_dir=cache).refresh().catalog)
    wiki = Wiki(GitStorage(basic_repo), cache_dir=cache)
    listed = tree_listings(wiki)
    assert wiki.size_hint() == pages and listed == []
    (cache / "pages.pickle").write_bytes(b"not a pickle")
    assert wiki.size_hint() == wiki.file_count() and len(listed) == 1  # counted instead


def test_a_read_page_cache_is_rewritten_only_after_many_new_pages(
    basic_repo: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    Wiki(GitStorage(basic_repo), cache_dir=cache).refresh()
    written = (cache / "pages.pickle").stat().st_mtime_ns
    commit_files(basic_repo, {"guide/new.md": "# New\n"}, "one new page")
    wiki = Wiki(GitStorage(basic_repo), cache_dir=cache)
    assert "guide/new" in wiki.refresh().catalog  # read from git, beside the cache
    assert (cache / "pages.pickle").stat().st_mtime_ns == written
    many = {f"guide/more-{i}.md": f"# More {i}\n" for i in range(30)}
    commit_files(basic_repo, many, "many new pages")
    Wiki(GitStorage(basic_repo), cache_dir=cache).refresh()
    assert (cache / "pages.pickle").stat().st_mtime_ns != written
