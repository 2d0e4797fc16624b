"""Read confirmations on a real repository and database: the version asked for follows
minor changes and moves, confirming records it once, a changed page is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from masterywiki.db.database import Database
from masterywiki.git.storage import GitStorage
from masterywiki.onboarding.confirmations import Confirmations, NotAsked, VersionChanged
from masterywiki.onboarding.versions import Versions
from masterywiki.repository.wiki import Wiki
from tests.clock import Clock
from tests.conftest import commit_files, git

POLICY = "---\ntitle: Policy\nacknowledge: true\n---\n# Policy\n\n" + "A rule.\n" * 20


@pytest.fixture
def repo(repo_factory: Callable[..., Path]) -> Path:
    return repo_factory({"index.md": "# Home\n", "policy.md": POLICY, "plain.md": "# Plain\n"})


@pytest.fixture
def wiki(repo: Path) -> Iterator[Wiki]:
    found = Wiki(GitStorage(repo))
    yield found
    found.storage.close()


def test_confirming_the_version_then_a_change_asks_again_and_a_minor_one_does_not(
    repo: Path, wiki: Wiki, database: Database
) -> None:
    clock = Clock()
    service = Confirmations(database, Versions(wiki.storage), now=clock)
    first = git(repo, "rev-parse", "HEAD")
    snapshot = wiki.refresh()
    record = snapshot.catalog.pages["policy"]
    assert service.version(record, first) == first
    done = service.confirm("tina", record, first, seen=first)
    assert (done.username, done.page, done.commit, done.at) == ("tina", "policy", first, clock.now)
    clock.now += 10
    assert service.confirm("tina", record, first).at == done.at  # the first time is kept

    minor = commit_files(repo, {"policy.md": POLICY + "Typo.\n"}, "Typo\n\nMinor-change: yes")
    record = wiki.refresh().catalog.pages["policy"]
    assert service.version(record, minor) == first  # still the version tina confirmed

    git(repo, "mv", "policy.md", "rules.md")
    git(repo, "commit", "-q", "-m", "Move")
    moved = git(repo, "rev-parse", "HEAD")
    rules = wiki.refresh().catalog.pages["rules"]
    assert service.version(rules, moved) == first  # a move is no change to read

    real = commit_files(repo, {"rules.md": POLICY + "A new rule.\n"}, "New rule")
    rules = wiki.refresh().catalog.pages["rules"]
    assert service.version(rules, real) == real
    with pytest.raises(VersionChanged, match="changed since you opened it"):
        service.confirm("tina", rules, real, seen=first)
    service.confirm("tina", rules, real)
    found = service.of_pages(["policy", "rules"], "tina")
    assert sorted((c.page, c.commit) for c in found) == [("policy", first), ("rules", real)]
    assert service.of_pages(["rules"]) == [c for c in found if c.page == "rules"]
    assert service.of_pages([]) == []


def test_a_page_that_does_not_ask_is_refused(wiki: Wiki, database: Database) -> None:
    snapshot = wiki.refresh()
    with pytest.raises(NotAsked, match="does not ask readers to confirm"):
        Confirmations(database, Versions(wiki.storage)).confirm(
            "tina", snapshot.catalog.pages["plain"], snapshot.commit or ""
        )
