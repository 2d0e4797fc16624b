"""`masterywiki backup` and `restore`: the content and accounts round trip, while serving."""

from __future__ import annotations

import tarfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from masterywiki.cli import main
from masterywiki.db.database import DATABASE_FILE as DATABASE
from masterywiki.db.database import Database, engine_url
from masterywiki.git.storage import Author, GitStorage
from masterywiki.people.accounts import Accounts
from masterywiki.repository.edits import Editor
from masterywiki.repository.wiki import Wiki
from tests.auth_fixtures import FAST_HASHER, PASSWORD
from tests.conftest import DATA, git, make_repo


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Path]:
    """An instance with its repository and two accounts."""
    instance = tmp_path / "instance"
    make_repo(instance / "wiki", source=DATA / "basic")
    accounts = Accounts(Database.for_instance(instance), hasher=FAST_HASHER)
    accounts.add_user("ada", PASSWORD, role="admin")
    accounts.add_user("bob", PASSWORD, role="editor")
    return instance, instance / "wiki"


def test_backup_and_restore_round_trip(served: tuple[Path, Path], tmp_path: Path) -> None:
    instance, repo = served
    # A suggested edit is a branch of its own: it is kept too.
    suggested = git(repo, "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "A suggestion")
    git(repo, "update-ref", "refs/heads/proposals/7", suggested)
    out = tmp_path / "wiki-backup.tar"
    result = cli("backup", str(out), "--instance", str(instance))
    assert result.exit_code == 0, result.output
    head = git(repo, "rev-parse", "HEAD")
    assert f"at {head[:10]} and the accounts" in result.output
    with tarfile.open(out) as archive:
        assert sorted(archive.getnames()) == ["backup.json", DATABASE, "wiki.bundle"]

    fresh = tmp_path / "fresh"
    result = cli("restore", str(out), "--instance", str(fresh))
    assert result.exit_code == 0, result.output
    restored = fresh / "wiki"
    assert git(restored, "rev-parse", "HEAD") == head
    assert git(restored, "log", "--format=%H") == git(repo, "log", "--format=%H")
    assert git(restored, "remote") == "", "the bundle is not left as a remote"
    assert git(restored, "rev-parse", "refs/heads/proposals/7") == suggested
    assert (restored / "guide" / "first.md").exists(), "the work tree is checked out"
    git(restored, "fsck", "--strict")
    accounts = Accounts(Database.for_instance(fresh), hasher=FAST_HASHER)
    assert accounts.authenticate("bob", PASSWORD).role == "editor"
    assert [u.username for u in accounts.list_users()] == ["ada", "bob"]


def aside_repo(instance: Path) -> Path:
    (found,) = [p for p in instance.iterdir() if p.name.startswith("wiki.before-restore-")]
    return found


def test_restore_refuses_to_overwrite_without_force(
    served: tuple[Path, Path], tmp_path: Path
) -> None:
    instance, repo = served
    out = tmp_path / "backup.tar"
    assert cli("backup", str(out), "--instance", str(instance)).exit_code == 0
    (repo / "guide" / "first.md").write_text("local change\n")
    git(repo, "commit", "-qam", "after the backup")
    after = git(repo, "rev-parse", "HEAD")

    refused = cli("restore", str(out), "--instance", str(instance))
    assert refused.exit_code == 1 and "--force" in refused.output
    assert git(repo, "rev-parse", "HEAD") == after

    forced = cli("restore", str(out), "--instance", str(instance), "--force")
    assert forced.exit_code == 0, forced.output
    assert git(repo, "rev-parse", "HEAD") == git(aside_repo(instance), "rev-parse", "HEAD~1")
    assert git(aside_repo(instance), "rev-parse", "HEAD") == after, "nothing is lost"
    assert any(p.name.startswith(DATABASE + ".before-restore-") for p in instance.iterdir())


def test_a_backup_taken_while_saving_is_consistent(
    served: tuple[Path, Path], tmp_path: Path
) -> None:
    instance, repo = served
    editor = Editor(Wiki(GitStorage(repo)), 100_000)
    stop = threading.Event()

    def keep_saving() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            head = editor.storage.head()
            editor.save(
                "guide/first", f"# First\n\nsave {n}\n", f"save {n}", head, Author("A", "a@a")
            )

    saver = threading.Thread(target=keep_saving)
    saver.start()
    try:
        outs = [tmp_path / f"b{n}.tar" for n in range(3)]
        for out in outs:
            taken = cli("backup", str(out), "--instance", str(instance))
            assert taken.exit_code == 0, taken.output
    finally:
        stop.set()
        saver.join()
        editor.storage.close()
    for n, out in enumerate(outs):
        target = tmp_path / f"restored{n}"
        assert cli("restore", str(out), "--instance", str(target)).exit_code == 0
        restored = git(target / "wiki", "rev-parse", "HEAD")
        git(repo, "merge-base", "--is-ancestor", restored, "HEAD")  # a real commit of ours
        git(target / "wiki", "fsck", "--strict")


@pytest.mark.parametrize(
    ("content", "manifest", "message"),
    [
        (b"not a tar file", "{}", "is not a masterywiki backup"),
        (None, "{}", "is not a readable git bundle"),
        (None, "[1, 2]", "backup.json is not a backup manifest"),
        (None, '{"branch": 7}', "backup.json is not a backup manifest"),
    ],
    ids=["not-tar", "bad-bundle", "manifest-a-list", "branch-a-number"],
)
def test_restore_rejects_what_is_not_a_backup(
    tmp_path: Path, content: bytes | None, manifest: str, message: str
) -> None:
    bad = tmp_path / "bad.tar"
    if content is not None:
        bad.write_bytes(content)
    else:
        (tmp_path / "backup.json").write_text(manifest)
        (tmp_path / "wiki.bundle").write_text("junk")
        with tarfile.open(bad, "w") as archive:
            archive.add(tmp_path / "backup.json", arcname="backup.json")
            archive.add(tmp_path / "wiki.bundle", arcname="wiki.bundle")
    result = cli("restore", str(bad), "--instance", str(tmp_path / "instance"))
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "instance" / "wiki").exists()


def test_backup_of_a_missing_repository_is_one_line(tmp_path: Path) -> None:
    result = cli("backup", str(tmp_path / "x.tar"), "--instance", str(tmp_path / "none"))
    assert result.exit_code == 1 and "not a folder" in result.output


def test_a_postgresql_deployment_backs_up_and_restores(tmp_path: Path, postgres_url: str) -> None:
    instance = tmp_path / "instance"
    make_repo(instance / "wiki", source=DATA / "basic")
    shared = Database(engine_url(postgres_url, tmp_path))
    accounts = Accounts(shared, hasher=FAST_HASHER)
    accounts.add_user("ada", PASSWORD, role="admin")
    accounts.add_user("bob", PASSWORD, role="editor")
    env = {"MASTERYWIKI_DATABASE_URL": postgres_url}
    out = tmp_path / "backup.tar"
    result = CliRunner().invoke(main, ["backup", str(out), "--instance", str(instance)], env=env)
    assert result.exit_code == 0 and "and the accounts" in result.output, result.output
    accounts.remove_user("bob")
    accounts.add_user("carl", PASSWORD)

    fresh = tmp_path / "fresh"  # a new server's instance, the same PostgreSQL
    args = ["restore", str(out), "--instance", str(fresh)]
    refused = CliRunner().invoke(main, args, env=env)
    assert refused.exit_code == 1 and "--force" in refused.output
    assert "carl" in [u.username for u in accounts.list_users()], "nothing was touched"

    forced = CliRunner().invoke(main, [*args, "--force"], env=env)
    assert forced.exit_code == 0, forced.output
    assert [u.username for u in accounts.list_users()] == ["ada", "bob"]
    assert accounts.authenticate("bob", PASSWORD).role == "editor"
    assert accounts.add_user("dora", PASSWORD).username == "dora", "ids continue past copied ones"
    (aside,) = fresh.glob("database.before-restore-*.sqlite3")
    kept = Accounts(Database(f"sqlite:///{aside}"), hasher=FAST_HASHER)
    assert [u.username for u in kept.list_users()] == ["ada", "carl"], "what it held is kept"
    shared.close()
