"""Opening the content repository for an instance, creating or cloning it on first run."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from masterywiki.git.remote import clone_repository, remote_has_branch
from masterywiki.git.storage import GitStorage, init_repository
from masterywiki.repository.starter import dated
from masterywiki.repository.sync import normalize_remote
from masterywiki.resources import starter_files
from masterywiki.settings import Settings

STARTER_MESSAGE = "Create the wiki from the masterywiki starter content"


def create_wiki(path: str, today: date | None = None) -> GitStorage:
    """`masterywiki init DIR`: a new repository holding the starter content, its
    review dates as of `today` (see starter.py)."""
    files = dated(starter_files(), today or date.today())
    return init_repository(path, files, STARTER_MESSAGE)


def open_repository(settings: Settings) -> tuple[GitStorage, bool]:
    """The instance's repository, and whether it was just created from the starter.

    With a `remote` set, a missing (or empty) repository is cloned (bare) from it; when
    the remote has no branch yet, the starter content is used and git sync pushes
    it there. Otherwise the default repository (INSTANCE/wiki) is created from
    the starter content when missing; an explicitly configured one must exist.
    Raises NotARepository, RemoteUnavailable.
    """
    default_repo = settings.instance / "wiki"
    repo = settings.repo
    if settings.remote and not (repo.exists() and any(repo.iterdir())):
        return _clone_once(settings)
    if repo == default_repo and not default_repo.exists():
        settings.instance.mkdir(parents=True, exist_ok=True)
        return create_wiki(str(default_repo)), True
    return GitStorage(repo), False


def _clone_once(settings: Settings) -> tuple[GitStorage, bool]:
    """Clone into a temporary folder and move it into place under a file lock, so
    several workers starting at once make one clone and never see half of one."""
    repo = settings.repo
    repo.parent.mkdir(parents=True, exist_ok=True)
    settings.instance.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.instance / ".clone.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if repo.exists() and any(repo.iterdir()):
            return GitStorage(repo), False  # another worker cloned it meanwhile
        url = normalize_remote(settings.remote)
        folder = Path(tempfile.mkdtemp(prefix=".clone-", dir=repo.parent))
        try:
            if remote_has_branch(url, settings.branch):
                # Bare: a server's clone is written by the wiki only, and with no work
                # tree to keep in step every commit and merge costs less.
                clone_repository(url, folder / "wiki", settings.branch, bare=True).close()
                created = False
            else:
                create_wiki(str(folder / "wiki")).close()
                created = True
            if repo.exists():
                repo.rmdir()  # empty, checked above
            (folder / "wiki").rename(repo)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return GitStorage(repo), created
    finally:
        os.close(fd)
