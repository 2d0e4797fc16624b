"""A first start of a large wiki answers at once ("starting") and reads its pages behind."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki
from masterywiki.search.tables import SegmentTables
from masterywiki.web import startup as startup_module
from masterywiki.web.app import create_app
from masterywiki.web.startup import Startup
from masterywiki.web.views.search import EXTENSION as SEARCH_KEY

PAGES = {
    f"sec/page-{n:03d}.md": f"---\ntitle: Page {n}\n---\n# Page {n}\n\nText.\n" for n in range(30)
}
PAGES["index.md"] = "# Home\n\n```{toctree}\nsec/page-000\n```\n"
PAGES["sec/page-002.md"] = (
    "# Linked\n\nSee [one](page-001.md), {doc}`/sec/page-003` and {term}`Rubric`.\n"
)


class HeldRead:
    """Makes Wiki.refresh wait until the test lets it go on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        original = Wiki.refresh

        def held(wiki: Wiki) -> object:
            self.release.wait(30)
            return original(wiki)

        monkeypatch.setattr(Wiki, "refresh", held)


def test_a_large_first_start_shows_pages_from_git_and_starting_for_the_rest(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(startup_module, "BACKGROUND_ABOVE_FILES", 10)
    held = HeldRead(monkeypatch)
    app = create_app({"repo": repo_factory(PAGES), "instance": tmp_path / "instance"})
    client = app.test_client()

    # A page is read straight from git while the wiki is not read yet: its links point
    # where their paths say, and a note says the rest is coming.
    page = client.get("/sec/page-002")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = BeautifulSoup(page.data, "html.parser")
    assert html.select_one("main h1").get_text(strip=True) == "Linked"
    links = [a["href"] for a in html.select(".body p a")]
    assert links == ["/sec/page-001", "/sec/page-003", "/-/search?q=Rubric"]
    assert "The wiki is starting" in html.select_one("[role=status]").get_text()
    assert "masterywiki:" not in page.get_data(as_text=True)  # no per-visitor marker left
    assert client.get("/").status_code == 200
    # A page no file holds may still be an old address the catalog redirects: wait.
    assert client.get("/sec/nowhere").status_code == 503

    page = client.get("/-/glossary")  # needs every page: "starting"
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "2"
    assert "The wiki is starting" in page.get_data(as_text=True)
    health = client.get("/-/healthz")
    assert health.status_code == 503 and health.json is not None
    assert health.json["status"] == "starting"
    assert client.get("/-/api/v1/pages/sec/page-001").json["status"] == "starting"  # type: ignore[index]
    with client.get("/-/static/wiki.css") as style:
        assert style.status_code == 200

    held.release.set()
    assert app.extensions["masterywiki"].startup.wait(30)
    assert "Page 1" in client.get("/sec/page-001").get_data(as_text=True)
    assert client.get("/-/healthz").status_code == 200
    app.extensions["masterywiki"].wiki.storage.close()


def test_the_background_read_begins_after_the_first_answer(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process answers its first visitor before reading the wiki behind them
    (they would take turns), and reads it anyway when nobody comes."""
    monkeypatch.setattr(startup_module, "BACKGROUND_ABOVE_FILES", 10)
    monkeypatch.setattr(startup_module, "FIRST_ANSWER_WAIT", 30.0)
    monkeypatch.setattr(startup_module, "COMMIT_GRAPH_ABOVE_PAGES", 10)
    repo = repo_factory(PAGES)
    app = create_app({"repo": repo, "instance": tmp_path / "instance"})
    startup = app.extensions["masterywiki"].startup
    try:
        assert not startup.wait(0.5), "nothing read before the first answer"
        assert app.test_client().get("/sec/page-002").status_code == 200  # from git
        assert startup.wait(30)
        # Then git's commit-graph is brought up to date, for page histories.
        chain = repo / ".git" / "objects" / "info" / "commit-graphs" / "commit-graph-chain"
        deadline = time.monotonic() + 30
        while not chain.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert chain.exists()
    finally:
        app.extensions["masterywiki"].wiki.storage.close()

    monkeypatch.setattr(startup_module, "FIRST_ANSWER_WAIT", 0.2)
    alone = Startup(Wiki(GitStorage(repo_factory(PAGES))), background_above=0)
    alone.begin()
    assert alone.wait(30)  # no visitor: read after the wait
    alone.wiki.storage.close()


def test_a_small_wiki_is_read_before_the_first_answer(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    app = create_app({"repo": repo_factory(PAGES), "instance": tmp_path / "instance"})
    assert app.extensions["masterywiki"].startup.ready.is_set()
    assert app.test_client().get("/sec/page-002").status_code == 200
    app.extensions["masterywiki"].wiki.storage.close()


def test_while_one_process_scans_the_others_wait_for_its_cache_in_the_background(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_factory(PAGES)
    cache = tmp_path / "cache"
    held = HeldRead(monkeypatch)
    first = Startup(Wiki(GitStorage(repo), cache_dir=cache), background_above=0)
    first.begin()  # returns at once: it reads in the background, holding the lock
    assert not first.ready.is_set()

    second_wiki = Wiki(GitStorage(repo), cache_dir=cache)
    scanned: list[tuple[int, int]] = []
    second_wiki.read_progress = lambda done, total: scanned.append((done, total))
    second = Startup(second_wiki, background_above=0)
    second.begin()  # returns at once too: its pages come from git meanwhile
    assert not second.wait(0.5), "the second waits for the first one's cache file"

    held.release.set()
    assert first.wait(30) and second.wait(30)
    assert first.pages_read == first.pages_total == len(PAGES)
    assert scanned == []  # the second read the first one's cache file, not the pages
    assert second_wiki.snapshot.catalog.get("sec/page-003") is not None
    for wiki in (first.wiki, second_wiki):
        wiki.storage.close()


def test_a_failed_read_is_shown_not_retried_forever(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_wiki: Wiki) -> None:
        raise OSError("disk gone")

    wiki = Wiki(GitStorage(repo_factory(PAGES)), cache_dir=tmp_path / "cache")
    monkeypatch.setattr(Wiki, "refresh", broken)
    starting = Startup(wiki, background_above=0)
    starting.begin()
    for _ in range(300):
        if starting.error:
            break
        threading.Event().wait(0.01)
    assert starting.error == "OSError: disk gone"
    assert not starting.ready.is_set()
    wiki.storage.close()


def test_a_slow_start_says_when_it_is_ready(
    repo_factory: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(startup_module, "PROGRESS_EVERY_SECONDS", 0.0)  # every start is slow
    wiki = Wiki(GitStorage(repo_factory(PAGES)), cache_dir=tmp_path / "cache")
    with caplog.at_level(logging.INFO, logger="masterywiki.web.startup"):
        Startup(wiki).begin()
    assert f"Ready: {len(PAGES)} pages read in" in caplog.text
    wiki.storage.close()


def test_an_unreadable_cache_counts_as_none(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cache another version wrote (or a damaged one) spares nothing: a large wiki
    # then reads in the background, like a first start, rather than keep every
    # process busy before its first answer.
    repo = repo_factory(PAGES)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "pages.pickle").write_bytes(b"not a pickle")
    held = HeldRead(monkeypatch)
    wiki = Wiki(GitStorage(repo), cache_dir=cache)
    assert not wiki.has_page_cache()
    starting = Startup(wiki, background_above=0)
    starting.begin()
    assert not starting.ready.is_set()
    held.release.set()
    assert starting.wait(30)
    assert wiki.has_page_cache() and wiki.snapshot.catalog.get("sec/page-004") is not None
    fresh = Wiki(GitStorage(repo), cache_dir=cache)
    assert fresh.has_page_cache(), "the read wrote a good cache for the next start"
    for each in (wiki, fresh):
        each.storage.close()


def test_a_large_wiki_is_indexed_for_search_at_start_not_on_the_first_search(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("masterywiki.web.views.search.BACKGROUND_ABOVE_FILES", 10)
    loaded: list[str] = []
    load = SegmentTables.load.__func__  # type: ignore[attr-defined]

    def counted(cls: type[SegmentTables], folder: Path, segment_id: str) -> SegmentTables:
        loaded.append(segment_id)
        return load(cls, folder, segment_id)  # type: ignore[no-any-return]

    monkeypatch.setattr(SegmentTables, "load", classmethod(counted))
    app = create_app({"repo": repo_factory(PAGES), "instance": tmp_path / "instance"})
    search = app.extensions[SEARCH_KEY]
    deadline = time.monotonic() + 30
    while (search.read_state() is None or not loaded) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert search.read_state() is not None, "no index was built without a search"
    # The worker opened the new index itself: its first search loads no tables.
    assert loaded, "the new index was left for the first search to open"
    before = list(loaded)
    assert search.progress() == (0, 0)  # no build under way: its progress file is gone
    assert not (search.folder / "building.json").exists()
    hits = app.test_client().get("/-/api/v1/search?q=linked").json
    assert hits is not None and [h["path"] for h in hits["results"]] == ["sec/page-002"]
    assert loaded == before


def test_a_large_wiki_restarts_from_its_cache_in_the_background(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_factory(PAGES)
    cache = tmp_path / "cache"
    earlier = Startup(Wiki(GitStorage(repo), cache_dir=cache), background_above=0)
    earlier.begin()
    assert earlier.wait(30) and (cache / "pages.pickle").exists()

    held = HeldRead(monkeypatch)
    wiki = Wiki(GitStorage(repo), cache_dir=cache)
    scanned: list[tuple[int, int]] = []
    wiki.read_progress = lambda done, total: scanned.append((done, total))
    restart = Startup(wiki, background_above=0)
    restart.begin()  # answers at once (pages from git) while the cache file is read
    assert not restart.ready.is_set()
    held.release.set()
    assert restart.wait(30)
    assert scanned == [] and wiki.snapshot.catalog.get("sec/page-005") is not None
    for each in (earlier.wiki, wiki):
        each.storage.close()


@pytest.mark.own_template_cache
def test_a_restart_loads_the_compiled_templates_instead_of_compiling_them(
    basic_repo: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    instance = tmp_path / "instance"

    def first_page(compiled: list[str]) -> str:
        app = create_app({"repo": basic_repo, "instance": instance})
        original = app.jinja_env.compile

        def counting(source: str, name: str | None = None, *args: object) -> object:
            compiled.append(str(name))
            return original(source, name, *args)  # type: ignore[arg-type]

        app.jinja_env.compile = counting  # type: ignore[method-assign,assignment]
        try:
            html = app.test_client().get("/guide/first").get_data(as_text=True)
            return re.sub(r'value="[\w-]{40,}"', "", html)  # each visitor's own form token
        finally:
            app.extensions[SEARCH_KEY].close()
            app.extensions["masterywiki"].wiki.storage.close()

    before: list[str] = []
    page = first_page(before)
    assert "page.html" in before and any((instance / "cache" / "templates").iterdir())
    after: list[str] = []
    assert first_page(after) == page and after == []  # the same page, nothing compiled

    (instance / "cache" / "templates").rename(tmp_path / "moved")
    (instance / "cache" / "templates").write_text("not a folder")
    with caplog.at_level(logging.WARNING):
        assert first_page([]) == page  # no place to keep them: compiled, and said so
    assert "templates are compiled at each start" in caplog.text
