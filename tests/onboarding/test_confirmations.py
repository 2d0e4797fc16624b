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
    assert service.version(record, snapshot) == first
    done = service.confirm("tina", record, snapshot, seen=first)
    assert (done.username, done.page, done.commit, done.at) == ("tina", "policy", first, clock.now)
    clock.now += 10
    assert service.confirm("tina", record, snapshot).at == done.at  # the first time is kept

    commit_files(repo, {"policy.md": POLICY + "Typo.\n"}, "Typo\n\nMinor-change: yes")
    snapshot = wiki.refresh()
    assert service.version(snapshot.catalog.pages["policy"], snapshot) == first  # still tina's

    git(repo, "mv", "policy.md", "rules.md")
    git(repo, "commit", "-q", "-m", "Move")
    snapshot = wiki.refresh()
    assert service.version(snapshot.catalog.pages["rules"], snapshot) == first  # nothing to read

    real = commit_files(repo, {"rules.md": POLICY + "A new rule.\n"}, "New rule")
    snapshot = wiki.refresh()
    rules = snapshot.catalog.pages["rules"]
    assert service.version(rules, snapshot) == real
    with pytest.raises(VersionChanged, match="changed since you opened it"):
        service.confirm("tina", rules, snapshot, seen=first)
    service.confirm("tina", rules, snapshot)
    found = service.of_pages(["policy", "rules"], "tina")
    assert sorted((c.page, c.commit) for c in found) == [("policy", first), ("rules", real)]
    assert service.of_pages(["rules"]) == [c for c in found if c.page == "rules"]
    assert service.of_pages([]) == []


def test_every_server_gives_the_same_version_after_a_revert(repo: Path, wiki: Wiki) -> None:
    warm = Versions(wiki.storage)
    snapshot = wiki.refresh()
    warm.of(snapshot.catalog.pages["policy"], snapshot)  # cached for the first text
    commit_files(repo, {"policy.md": POLICY + "B.\n"}, "B")
    back = commit_files(repo, {"policy.md": POLICY}, "Back to A")  # the same text again
    snapshot = wiki.refresh()
    record = snapshot.catalog.pages["policy"]
    assert warm.of(record, snapshot) == Versions(wiki.storage).of(record, snapshot) == back


def test_a_page_that_does_not_ask_is_refused(wiki: Wiki, database: Database) -> None:
    snapshot = wiki.refresh()
    with pytest.raises(NotAsked, match="does not ask readers to confirm"):
        Confirmations(database, Versions(wiki.storage)).confirm(
            "tina", snapshot.catalog.pages["plain"], snapshot
        )
