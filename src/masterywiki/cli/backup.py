"""`masterywiki backup OUT` and `masterywiki restore BACKUP`: the content and accounts.

A backup is one tar file: `wiki.bundle` (a git bundle of the branch and its whole
history), `masterywiki.sqlite3` (the database's lasting rows, from SQLite or
PostgreSQL alike, see db/copying.py) and `backup.json`. Both copies are consistent
while the wiki is serving: git reads the branch once and objects never change; the
database is read in one snapshot. The search index and caches are derived data and
are rebuilt.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from masterywiki import settings as settings_module
from masterywiki.cli.group import _content_options, _one_line_errors, main
from masterywiki.db.copying import copy_rows, row_counts
from masterywiki.db.database import DATABASE_FILE as DATABASE
from masterywiki.db.database import Database
from masterywiki.errors import NotARepository
from masterywiki.git import remote as gitremote
from masterywiki.git.storage import GitStorage

BUNDLE, MANIFEST, FORMAT = "wiki.bundle", "backup.json", 1
SIDE_BRANCHES = ("proposals/",)  # suggested edits: branches of their own, kept too
DERIVED = ("search", "cache")  # instance folders rebuilt from git


def _copy_database(source: Database, target: Database, replace: bool = False) -> None:
    try:
        copy_rows(source, target, replace=replace)
    finally:
        source.close()
        target.close()


def _holds_accounts(url: str) -> bool:
    probe = Database(url)
    try:
        return row_counts(probe)["users"] > 0
    finally:
        probe.close()


def _sqlite_file(path: Path) -> Database:
    return Database(f"sqlite:///{path.resolve()}")


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@_content_options
@_one_line_errors
def backup(out: Path, repo: Path | None, instance: Path) -> None:
    """Write the content (a git bundle with all history) and the accounts to OUT,
    a tar file; safe while the wiki is serving."""
    loaded = settings_module.load({"repo": repo, "instance": instance})
    storage = GitStorage(loaded.repo)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=out.parent or None) as folder:
        work = Path(folder)
        commit = gitremote.bundle(storage, work / BUNDLE, SIDE_BRANCHES)
        database = Database.for_instance(loaded.instance, loaded.database_url)
        _copy_database(database, _sqlite_file(work / DATABASE))
        members = [BUNDLE, DATABASE]
        manifest = {
            "format": FORMAT,
            "commit": commit,
            "branch": storage.branch().removeprefix("refs/heads/"),
            "created": datetime.now(UTC).isoformat(),
            "accounts": DATABASE in members,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        partial = work / "backup.tar"
        with tarfile.open(partial, "w") as archive:
            for name in [MANIFEST, *members]:
                archive.add(work / name, arcname=name)
        partial.replace(out)
    storage.close()
    accounts = " and the accounts" if manifest["accounts"] else ""
    click.echo(f"Backed up the wiki at {commit[:10]}{accounts} to {out}.")


def _aside(path: Path) -> Path:
    """Move `path` out of the way (never delete it); returns where it went."""
    target = path.with_name(f"{path.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
    path.rename(target)
    return target


@main.command()
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False, exists=True,
                path_type=Path))  # fmt: skip
@click.option("--force", is_flag=True, help="Move an existing repository and accounts aside.")
@_content_options
@_one_line_errors
def restore(backup_file: Path, force: bool, repo: Path | None, instance: Path) -> None:
    """Restore the content and accounts from BACKUP (made by `masterywiki backup`).

    Stop the server first. An existing repository or accounts database is kept:
    the command refuses, or with --force moves them aside (`*.before-restore-*`).
    """
    loaded = settings_module.load({"repo": repo, "instance": instance})
    with tempfile.TemporaryDirectory(prefix="masterywiki-restore-") as folder:
        work = Path(folder)
        try:
            with tarfile.open(backup_file) as archive:
                for name in (MANIFEST, BUNDLE, DATABASE):
                    if name in archive.getnames():
                        archive.extract(name, work, filter="data")
            manifest = json.loads((work / MANIFEST).read_text())
            if not isinstance(manifest, dict) or not isinstance(manifest.get("branch", ""), str):
                raise ValueError(f"{MANIFEST} is not a backup manifest")
        except (tarfile.TarError, OSError, ValueError) as error:
            raise NotARepository(f"{backup_file} is not a masterywiki backup ({error}).") from None
        gitremote.verify_bundle(work / BUNDLE)
        target = loaded.repo
        configured = Database.for_instance(loaded.instance, loaded.database_url)
        database = configured.sqlite_path
        has_accounts = (work / DATABASE).exists()
        busy: list[Path | str] = [p for p in (target,) if p.exists() and any(p.iterdir())]
        busy += [database] if has_accounts and database and database.exists() else []
        shared = has_accounts and configured.is_postgres and _holds_accounts(configured.url)
        if shared and not force:
            busy.append(configured.display_url)
        if busy and not force:
            names = " and ".join(str(p) for p in busy)
            raise NotARepository(f"{names} already exist(s); use --force to move them aside.")
        if shared:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            aside = loaded.instance / f"database.before-restore-{stamp}.sqlite3"
            loaded.instance.mkdir(parents=True, exist_ok=True)
            _copy_database(Database(configured.url), _sqlite_file(aside))
            click.echo(f"Copied what {configured.display_url} held to {aside}.")
        for path in (p for p in busy if isinstance(p, Path)):
            click.echo(f"Moved {path} aside to {_aside(path)}.")
            for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
                extra.unlink(missing_ok=True)
        if target.exists():
            target.rmdir()  # empty
        branch = manifest.get("branch", "main")
        gitremote.clone_repository(str(work / BUNDLE), target, branch, side=SIDE_BRANCHES).close()
        if has_accounts:
            loaded.instance.mkdir(parents=True, exist_ok=True)
            _copy_database(_sqlite_file(work / DATABASE), configured, replace=shared)
    for derived in DERIVED:
        shutil.rmtree(loaded.instance / derived, ignore_errors=True)
    commit = str(manifest.get("commit", ""))[:10]
    accounts = " and the accounts" if has_accounts else ""
    click.echo(f"Restored the wiki at {commit}{accounts} into {target}.")
