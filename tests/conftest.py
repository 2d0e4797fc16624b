"""Shared fixtures: real git repositories in temp folders and the Flask test client."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import FileSystemBytecodeCache

from masterywiki.db.database import DATABASE_FILE, Database, engine_url
from masterywiki.web import app as web_app
from masterywiki.web.app import create_app
from tests.postgres import postgres_server, postgres_url  # noqa: F401 (fixtures)

pytest_plugins = ["tests.auth_fixtures", "tests.mail"]  # logins; the `smtp` fixture

DATA = Path(__file__).parent / "data"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Coach",
    "GIT_AUTHOR_EMAIL": "ada@example.org",
    "GIT_COMMITTER_NAME": "Ada Coach",
    "GIT_COMMITTER_EMAIL": "ada@example.org",
    "HOME": "/tmp",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


@pytest.fixture(scope="session")
def compiled_templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("compiled-templates")


@pytest.fixture(autouse=True)
def shared_compiled_templates(
    request: pytest.FixtureRequest, compiled_templates: Path
) -> Iterator[None]:
    """An app keeps its compiled templates in its instance, and most tests make a new
    instance: the apps of one test process share one folder instead, so each template is
    compiled once per process, not once per test (a third of a small test's time).
    Jinja keys each entry by the template's name and source checksum. Tests of that
    cache itself are marked `own_template_cache`."""
    if request.node.get_closest_marker("own_template_cache"):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            web_app,
            "FileSystemBytecodeCache",
            lambda _: FileSystemBytecodeCache(str(compiled_templates)),
        )
        yield


def git(repo: Path, *args: str) -> str:
    """`git -C repo *args` as a person at the command line: tried again while git's index
    is locked (a wiki that just saved brings the work tree along in a background thread,
    which holds the lock for a moment)."""
    for _ in range(300):
        try:
            return _git_once(repo, *args)
        except subprocess.CalledProcessError as failed:
            if "index.lock" not in (failed.stderr or ""):
                raise
            time.sleep(0.05)
    return _git_once(repo, *args)


def _git_once(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def commit_files(repo: Path, files: dict[str, str | None], message: str = "change") -> str:
    """Write (or delete, for None) files and commit them; returns the new sha."""
    for path, text in files.items():
        target = repo / path
        if text is None:
            git(repo, "rm", "-q", path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        git(repo, "add", path)
    try:
        git(repo, "commit", "-q", "-m", message)
    except subprocess.CalledProcessError as failed:
        said = (failed.stdout or "") + (failed.stderr or "")
        if "nothing to commit" not in said and "no changes added" not in said:
            raise
        # A wiki that just saved brings the work tree along in a background thread, and
        # its index entries follow the branch: it can set back what `git add` staged
        # (the files stay as written). Stage them again, as a person would.
        git(repo, "add", "-A", "--", *files)
        git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_repo(path: Path, files: dict[str, str] | None = None, source: Path | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    if source is not None:
        shutil.copytree(source, path, dirs_exist_ok=True)
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "Initial pages")
    if files:
        commit_files(path, dict(files), "Add pages")
    return path


@pytest.fixture
def repo_factory(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def build(files: dict[str, str] | None = None, source: str | None = None) -> Path:
        return make_repo(
            tmp_path / f"repo{next(counter)}", files, DATA / source if source else None
        )

    return build


@pytest.fixture
def basic_repo(repo_factory: Callable[..., Path]) -> Path:
    return repo_factory(source="basic")


@pytest.fixture
def app(basic_repo: Path, tmp_path: Path) -> Iterator[Flask]:
    application = create_app({"repo": basic_repo, "instance": tmp_path / "instance"})
    application.config["TESTING"] = True
    yield application
    application.extensions["masterywiki"].wiki.storage.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The one database for accounts and operational data: each test that uses it runs
    twice, on a SQLite file and on a fresh schema of a real PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'instance' / DATABASE_FILE}"
    else:
        url = engine_url(request.getfixturevalue("postgres_url"), tmp_path)
    found = Database(url)
    yield found
    found.close()
