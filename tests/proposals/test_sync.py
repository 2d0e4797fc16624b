"""Suggested edits travel between servers with git sync: made on one, merged on another."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from masterywiki.db.database import Database
from masterywiki.discussion.service import CommentService, Policy
from masterywiki.git.remote import clone_repository
from masterywiki.people.accounts import User
from masterywiki.proposals.record import merged_message
from masterywiki.proposals.service import Proposals
from masterywiki.proposals.talk import ProposalTalk
from masterywiki.repository.edits import Editor
from masterywiki.repository.sync import SideBranches, Sync
from masterywiki.repository.wiki import Wiki
from tests.conftest import DATA, git, make_repo

READER = User("rae", "Rae Reader", "rae@example.org", "reader")
EDITOR = User("eve", "Eve Editor", "eve@example.org", "editor")


@dataclass
class Server:
    proposals: Proposals
    talk: ProposalTalk
    sync: Sync

    def text(self, name: str) -> str:
        wiki = self.proposals.wiki
        return wiki.source(wiki.refresh().catalog.pages[name])


@pytest.fixture
def central(tmp_path: Path) -> Path:
    seed = make_repo(tmp_path / "seed", source=DATA / "basic")
    path = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(seed), str(path))
    git(path, "config", "receive.denyNonFastForwards", "true")
    return path


@pytest.fixture
def server(tmp_path: Path, central: Path, database: Database) -> Iterator[Callable[[str], Server]]:
    database.upgrade()  # one database for both servers, as the README's setup has it
    made: list[Server] = []

    def build(name: str) -> Server:
        storage = clone_repository(str(central), tmp_path / name, "main")
        wiki = Wiki(storage)
        proposals = Proposals(wiki, Editor(wiki, 100_000), database)
        side = SideBranches("proposals/", merged_message)
        sync = Sync(storage, str(central), "main", fetch_interval=0, side=side)
        found = Server(proposals, ProposalTalk(proposals, CommentService(wiki, Policy())), sync)
        made.append(found)
        return found

    yield build
    for found in made:
        found.sync.close()
        found.proposals.storage.close()


def synced(*servers: Server) -> None:
    for _ in range(2):
        for found in servers:
            found.sync.sync_now()


def test_a_suggestion_made_on_one_server_is_merged_on_another(
    server: Callable[[str], Server], central: Path
) -> None:
    one, two = server("one"), server("two")
    text = one.text("guide/first") + "\nFrom server one.\n"
    made = one.proposals.propose("guide/first", text, "From one", None, READER)
    synced(one, two)
    assert git(central, "rev-parse", f"refs/heads/proposals/{made.id}") == made.tip
    seen = two.proposals.get(made.id)
    assert seen.summary == "From one" and seen.state == "open"
    two.proposals.merge(made.id, EDITOR)
    synced(one, two)
    assert one.proposals.get(made.id).state == "merged"
    assert "From server one." in one.text("guide/first")
    # Ids come from the shared database: a second suggestion never reuses one.
    second = two.proposals.propose("guide/second", two.text("guide/second") + "x\n", "", None,
                                   READER)  # fmt: skip
    assert second.id == made.id + 1


def test_comments_on_two_servers_meet_and_a_decision_wins(
    server: Callable[[str], Server], central: Path
) -> None:
    one, two = server("one"), server("two")
    made = one.proposals.propose(
        "guide/first", one.text("guide/first") + "x\n", "Idea", None, READER
    )
    synced(one, two)
    one.talk.post(made.id, "A question from one", EDITOR)
    two.talk.post(made.id, "A question from two", READER)
    two.proposals.decline(made.id, EDITOR, "Not now.")
    synced(one, two)
    for found in (one, two):
        proposal = found.proposals.get(made.id)
        assert proposal.state == "declined" and proposal.summary == "Idea"
        bodies = sorted(c.body for c in found.talk.discussion(proposal).comments)
        assert bodies == ["A question from one", "A question from two"]
    assert git(central, "fsck", "--no-progress") == ""


def test_release_tags_travel_and_never_move(
    server: Callable[[str], Server], central: Path, tmp_path: Path
) -> None:
    one, two = server("one"), server("two")
    for found in (one, two):
        found.sync.tags = "release/"
    git(tmp_path / "one", "tag", "-a", "release/2025-26", "-m", "Adopted")
    synced(one, two)
    assert git(central, "rev-parse", "refs/tags/release/2025-26") == git(
        tmp_path / "two", "rev-parse", "refs/tags/release/2025-26"
    )
    # The same name made apart on both: each keeps its own, nothing is forced.
    git(tmp_path / "one", "tag", "-a", "release/clash", "-m", "One's")
    git(tmp_path / "two", "commit", "--allow-empty", "-qm", "elsewhere")
    git(tmp_path / "two", "tag", "-a", "release/clash", "-m", "Two's")
    theirs = git(tmp_path / "two", "rev-parse", "refs/tags/release/clash")
    synced(one, two)
    assert git(central, "rev-parse", "refs/tags/release/clash") == git(
        tmp_path / "one", "rev-parse", "refs/tags/release/clash"
    )
    assert git(tmp_path / "two", "rev-parse", "refs/tags/release/clash") == theirs
