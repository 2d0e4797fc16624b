"""A throwaway PostgreSQL server for the tests, started and stopped by the tests themselves.

The database layer runs on SQLite and on PostgreSQL; this module lets its tests run
against a real PostgreSQL without any setup on the machine beyond Debian's
``postgresql`` package. `PostgresServer` runs ``initdb`` and ``postgres`` in a temp
folder (as the ``postgres`` system user when the tests run as root, since the server
refuses to run as root), and `fresh_schema_url` gives each test an empty schema of its
own in one shared database, which is far cheaper than a database per test.

The fixtures are not registered here; conftest.py (or a test module) imports them::

    from tests.postgres import postgres_server, postgres_url  # noqa: F401

Tests that start a server of their own use ``postgres_binaries`` so they skip, or
fail under ``MASTERYWIKI_REQUIRE_POSTGRES=1``, exactly as the session server does.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

USER = "masterywiki"
DATABASE = "masterywiki"
SYSTEM_USER = "postgres"  # the account Debian's postgresql package creates
REQUIRE_ENV = "MASTERYWIKI_REQUIRE_POSTGRES"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# A schema name is an unquoted identifier in search_path, so keep it to what needs no quoting.
SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresError(RuntimeError):
    """The server could not be set up, started or reached."""


def find_binaries() -> Path | None:
    """The folder holding initdb and postgres: Debian's newest version, else the PATH's."""
    versions: list[tuple[int, Path]] = []
    for folder in Path("/usr/lib/postgresql").glob("*/bin"):
        if folder.parent.name.isdigit() and (folder / "initdb").exists():
            versions.append((int(folder.parent.name), folder))
    if versions:
        return max(versions)[1]
    initdb = shutil.which("initdb")
    if initdb is not None and shutil.which("postgres") is not None:
        return Path(initdb).parent
    return None


def postgres_available() -> str | None:
    """None when a server can be started here, else the reason why not."""
    folder = find_binaries()
    if folder is None:
        return "PostgreSQL's initdb and postgres are not installed (apt-get install postgresql)"
    if not (folder / "postgres").exists():
        return f"{folder} has initdb but no postgres binary"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return f"running as root and there is no {SYSTEM_USER!r} user to run the server as"
    return None


def free_port() -> int:
    """A TCP port nothing listens on right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def plain_url(url: str) -> str:
    """The URL as libpq reads it: SQLAlchemy's ``postgresql+psycopg://`` without the driver."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


def fresh_schema_url(base_url: str, schema: str) -> str:
    """Create an empty schema in base_url's database; return a URL whose search_path is it.

    The schema goes into the URL as libpq's ``options`` parameter, percent-encoded
    (``?options=-csearch_path%3Dname``) so both psycopg and SQLAlchemy decode it to
    ``-csearch_path=name``; tables created without a schema then land in that schema,
    and the ``public`` schema is out of sight. base_url may name a driver
    (``postgresql+psycopg://``); the result keeps it.
    """
    if not SCHEMA_NAME.fullmatch(schema):
        raise ValueError(f"not a plain lower-case schema name of at most 63 characters: {schema!r}")
    with psycopg.connect(plain_url(base_url), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    separator = "&" if urlsplit(base_url).query else "?"
    return f"{base_url}{separator}options={quote(f'-csearch_path={schema}', safe='')}"


def schema_name(label: str, number: int) -> str:
    """A valid schema name from a test's name, unique through the number."""
    cleaned = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
    return f"t{number}_{cleaned}"[:63].rstrip("_")


class PostgresServer:
    """One PostgreSQL server on a free localhost port, with its files under a base folder.

    Use ``with PostgresServer(folder) as server:`` or call start() and stop(). The
    server trusts every local connection (it holds nothing but test data) and runs
    without fsync, since its data is thrown away; `durable` keeps PostgreSQL's own
    crash-safe settings (for benchmarks that compare with a syncing SQLite).
    """

    def __init__(self, base: Path, durable: bool = False) -> None:
        self.base = Path(base)
        self.durable = durable
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.log = self.base / "server.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.bin: Path | None = None

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create a database (from template1) and return its URL."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def start(self) -> None:
        """initdb, start the server, wait until it takes connections, create the database."""
        if self.process is not None:
            raise PostgresError("the server is already running")
        reason = postgres_available()
        if reason is not None:
            raise PostgresError(reason)
        self.bin = find_binaries()
        self.base.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            self._hand_over_to_system_user()
        initialised = (self.data / "PG_VERSION").exists()  # a restart after stop()
        if not initialised:
            # C.UTF-8 compares bytes like C but lower()/upper() know non-ASCII letters.
            options = ["-A", "trust", "-U", USER, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
            self._run("initdb", *options, "-D", str(self.data))
        # Another process may take the port between free_port() and the server's bind.
        for _attempt in range(3):
            self.port = free_port()
            log_start = self.log.stat().st_size if self.log.exists() else 0
            self._launch()
            try:
                self._wait_until_ready()
                break
            except PostgresError:
                if self.process is not None and self.process.poll() is None:
                    self.stop()
                    raise
                self.process = None
                with self.log.open("rb") as log:
                    log.seek(log_start)
                    if b"could not bind" not in log.read():
                        raise
        else:
            raise PostgresError(f"no free port after three tries\n{self.log_tail()}")
        # In case the fixture's teardown never runs (an internal error in pytest, say).
        atexit.register(self.stop)
        if initialised:
            return
        try:
            self.create_database(DATABASE)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Fast shutdown (SIGINT); kill the server's process group if it does not stop."""
        process, self.process = self.process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_TIMEOUT)
            return  # the postmaster waits for its children before it exits
        except subprocess.TimeoutExpired:
            pass
        # It leads its own process group (start_new_session), so this ends its children
        # too; the group is still ours to signal since the leader is not yet reaped.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def _hand_over_to_system_user(self) -> None:
        """As root: give the folders to the postgres user and let it reach them.

        pytest's temp folders are 0700 root, so each folder above the base that others
        cannot search gets the search bit (o+x: enter, not list). Every one is checked:
        another pytest session starting meanwhile makes `pytest-of-root` 0700 again.
        """
        account = pwd.getpwnam(SYSTEM_USER)
        for folder in (self.base, self.data, self.sockets):
            os.chown(folder, account.pw_uid, account.pw_gid)
        for folder in self.base.resolve().parents:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)

    def _process_options(self) -> dict[str, Any]:
        """Popen arguments: a clean environment, and the postgres user when we are root."""
        # PG* variables from the caller's shell (PGDATA, PGPORT, ...) must not steer the server.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        options: dict[str, Any] = {"env": env, "cwd": self.base}
        if os.geteuid() == 0:
            account = pwd.getpwnam(SYSTEM_USER)
            env.update(HOME=account.pw_dir, USER=SYSTEM_USER, LOGNAME=SYSTEM_USER)
            # extra_groups=[] drops root's supplementary groups too.
            options.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
        return options

    def _run(self, program: str, *args: str) -> None:
        assert self.bin is not None
        result = subprocess.run(
            [str(self.bin / program), *args],
            capture_output=True,
            text=True,
            check=False,
            **self._process_options(),
        )
        if result.returncode != 0:
            raise PostgresError(f"{program} failed ({result.returncode}):\n{result.stderr}")

    def _launch(self) -> None:
        assert self.bin is not None
        command = [
            str(self.bin / "postgres"),
            "-D", str(self.data),
            "-k", str(self.sockets),
            "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1",
        ]  # fmt: skip
        if not self.durable:  # throwaway data: no need to survive a crash
            command += ["-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off"]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: stop() can end every server process at once, and
                # Ctrl-C in the terminal reaches pytest (which then stops it) only.
                start_new_session=True,
                **self._process_options(),
            )

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise PostgresError(
                    f"postgres exited with {self.process.returncode} while starting; "
                    f"log {self.log}:\n{self.log_tail()}"
                )
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"postgres did not accept connections on port {self.port} within "
                        f"{START_TIMEOUT:.0f} s ({error}); log {self.log}:\n{self.log_tail()}"
                    ) from error
            time.sleep(0.05)


def require_postgres() -> None:
    """Skip the test when PostgreSQL is missing, or fail when the environment demands it."""
    reason = postgres_available()
    if reason is None:
        return
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(
            f"{REQUIRE_ENV}=1 but {reason}. Install the server: apt-get install postgresql",
            pytrace=False,
        )
    pytest.skip(reason)


@pytest.fixture
def postgres_binaries() -> None:
    """For tests that start servers of their own: skip (or fail) as postgres_server does."""
    require_postgres()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """One server for the whole session, stopped at its end however the session went."""
    require_postgres()
    server = PostgresServer(tmp_path_factory.mktemp("postgres"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


schema_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """A URL of the session server's database whose search_path is a new, empty schema."""
    return fresh_schema_url(
        postgres_server.url(), schema_name(request.node.name, next(schema_numbers))
    )
