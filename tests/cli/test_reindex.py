"""`masterywiki reindex`: rebuilds the index into a new folder, with a progress bar."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from masterywiki.cli import main
from masterywiki.cli import reindex as reindex_module
from masterywiki.git.storage import GitStorage
from masterywiki.repository import wiki as wiki_module
from masterywiki.repository.wiki import Snapshot, Wiki
from masterywiki.search import SearchService
from masterywiki.search.store import FIRST_BUILD_LOCK, WriteLock
from masterywiki.web.startup import STARTUP_LOCK
from tests.conftest import git


def state(instance: Path) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((instance / "search" / "state.json").read_text())
    return loaded


def test_reindex_builds_the_index(basic_repo: Path, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    args = ["reindex", "--repo", str(basic_repo), "--instance", str(instance)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Indexing pages" in result.output
    assert "Indexed 7 pages at" in result.output
    first = state(instance)
    assert first["commit"] == git(basic_repo, "rev-parse", "HEAD")
    again = CliRunner().invoke(main, [*args, "--processes", "2"])
    assert again.exit_code == 0, again.output
    second = state(instance)
    assert second["folder"] != first["folder"]
    assert not (instance / "search" / first["folder"]).exists()
    service = SearchService(Wiki(GitStorage(basic_repo)), instance / "search")
    assert service.search("rubric").hits[0].name == "glossary/rubric"
    service.close()


def test_reindex_uses_the_environment(basic_repo: Path, tmp_path: Path) -> None:
    env = {"MASTERYWIKI_REPO": str(basic_repo), "MASTERYWIKI_INSTANCE": str(tmp_path / "i")}
    result = CliRunner().invoke(main, ["reindex"], env=env)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "i" / "search" / "state.json").exists()


def test_reindex_reports_a_bad_repository_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(
        main, ["reindex", "--repo", str(tmp_path / "empty"), "--instance", str(tmp_path / "i")]
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "not a git repository" in result.output
    assert len(result.output.strip().splitlines()) == 1


def reindex_if_missing_in_a_thread(
    repo: Path, instance: Path, name: str
) -> tuple[threading.Thread, list[Result]]:
    """`reindex --if-missing` started in a thread named `name`, half a second ago; the
    list gets its result when it ends."""
    args = ["reindex", "--if-missing", "--repo", str(repo), "--instance", str(instance)]
    outcome: list[Result] = []
    child = threading.Thread(
        target=lambda: outcome.append(CliRunner().invoke(main, args)), name=name
    )
    child.start()
    child.join(0.5)
    return child, outcome


def test_if_missing_waits_for_a_build_under_way_and_reads_no_page(
    basic_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    refreshed_by: list[str] = []
    original = Wiki.refresh

    def refresh(self: Wiki) -> Snapshot:
        refreshed_by.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(Wiki, "refresh", refresh)
    building = WriteLock(instance / "search" / FIRST_BUILD_LOCK)  # another worker's child
    assert building.acquire(1)
    child, outcome = reindex_if_missing_in_a_thread(basic_repo, instance, name="second")
    assert child.is_alive()  # waiting for the first build
    service = SearchService(Wiki(GitStorage(basic_repo)), instance / "search")
    service.rebuild()
    building.release()
    child.join(30)
    assert outcome[0].exit_code == 0, outcome[0].output
    assert outcome[0].output == "The search index is there already.\n"
    assert "second" not in refreshed_by
    service.close()
    service.wiki.storage.close()


def test_if_missing_builds_a_missing_index_once(basic_repo: Path, tmp_path: Path) -> None:
    args = ["reindex", "--if-missing", "--repo", str(basic_repo), "--instance", str(tmp_path)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0 and "Indexed 7 pages at" in first.output, first.output
    folder = state(tmp_path)["folder"]
    again = CliRunner().invoke(main, args)
    assert again.output == "The search index is there already.\n"
    assert state(tmp_path)["folder"] == folder


def test_if_missing_starts_from_the_page_cache_a_starting_server_writes(
    basic_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    cache = instance / "cache"
    cache.mkdir(parents=True)
    scanned_by: list[str] = []
    original = wiki_module.scan_blobs

    def scan_blobs(storage: Any, blobs: list[str], *args: Any) -> Any:
        scanned_by.extend(threading.current_thread().name for _ in blobs)
        return original(storage, blobs, *args)

    monkeypatch.setattr(wiki_module, "scan_blobs", scan_blobs)
    # A server's process holds the start-up lock while it reads the pages (web/startup.py).
    held = os.open(cache / STARTUP_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(held, fcntl.LOCK_EX)
    child, outcome = reindex_if_missing_in_a_thread(basic_repo, instance, name="child")
    assert child.is_alive()  # waiting for the server's read
    server = Wiki(GitStorage(basic_repo), cache_dir=cache)
    server.refresh()  # reads every page and writes the cache file
    os.close(held)
    child.join(30)
    assert outcome[0].exit_code == 0, outcome[0].output
    assert "Indexed 7 pages at" in outcome[0].output
    assert "child" not in scanned_by  # the pages came from the cache file
    service = SearchService(server, instance / "search")
    assert service.search("rubric").hits[0].name == "glossary/rubric"
    service.close()
    server.storage.close()


def test_if_missing_reads_the_pages_itself_without_a_starting_server(
    basic_repo: Path, tmp_path: Path
) -> None:
    instance = tmp_path / "instance"
    (instance / "cache").mkdir(parents=True)
    (instance / "cache" / STARTUP_LOCK).touch()  # left by a server that has stopped
    args = ["reindex", "--if-missing", "--repo", str(basic_repo), "--instance", str(instance)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and "Indexed 7 pages at" in result.output, result.output


def test_if_missing_waits_for_a_starting_server_for_a_while_only(
    basic_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reindex_module, "STARTUP_WAIT", 0.5)
    instance = tmp_path / "instance"
    (instance / "cache").mkdir(parents=True)
    held = os.open(instance / "cache" / STARTUP_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(held, fcntl.LOCK_EX)  # a server's process that never finishes reading
    try:
        args = ["reindex", "--if-missing", "--repo", str(basic_repo), "--instance", str(instance)]
        result = CliRunner().invoke(main, args)
    finally:
        os.close(held)
    assert result.exit_code == 0 and "Indexed 7 pages at" in result.output, result.output
