"""The tests' own PostgreSQL server (tests/postgres.py) does what the database tests rely on.

It starts, each fresh-schema URL is an isolated namespace (through psycopg and through
SQLAlchemy), committed rows are shared between connections, and stopping it leaves no
process behind and the port free. Only the last test starts a second server of its own.
"""

from __future__ import annotations

import os
import pwd
import re
import socket
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, inspect, text

from tests import postgres
from tests.postgres import PostgresError, PostgresServer, fresh_schema_url, schema_name
from tests.processes import alive, children_of, processes_mentioning

# The fixtures, bound in this module so pytest finds them (conftest.py does not register
# them); assignments, not imports, since the tests' parameters reuse the names.
postgres_binaries = postgres.postgres_binaries
postgres_server = postgres.postgres_server
postgres_url = postgres.postgres_url


def schema_of(url: str) -> str:
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT current_schema()").fetchone()
    assert row is not None
    return str(row[0])


def port_is_free(port: int) -> bool:
    # SO_REUSEADDR as the server sets it: closed connections in TIME_WAIT do not count.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        probe.listen()
    return True


def test_the_session_server_takes_connections_as_masterywiki(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.url()
    assert url == f"postgresql://masterywiki@127.0.0.1:{postgres_server.port}/masterywiki"
    with psycopg.connect(url) as connection:
        user, database, encoding, fsync = connection.execute(
            "SELECT current_user, current_database(), pg_encoding_to_char(encoding),"
            " current_setting('fsync') FROM pg_database WHERE datname = current_database()"
        ).fetchone() or (None, None, None, None)
    assert (user, database, encoding, fsync) == ("masterywiki", "masterywiki", "UTF8", "off")
    assert postgres_server.process is not None
    assert postgres_server.process.poll() is None
    if os.geteuid() == 0:  # the server refuses root; it runs as Debian's postgres user
        owner = (Path("/proc") / str(postgres_server.process.pid)).stat().st_uid
        assert owner == pwd.getpwnam("postgres").pw_uid
    assert not port_is_free(postgres_server.port)


def test_create_database_returns_a_url_of_an_empty_database(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.create_database("created_by_test")
    assert url == postgres_server.url("created_by_test")
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT current_database()").fetchone() == ("created_by_test",)
        tables = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog',"
            " 'information_schema')"
        ).fetchone()
    assert tables == (0,)


def test_a_table_in_one_fresh_schema_is_invisible_through_another(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    other_url = fresh_schema_url(postgres_server.url(), "isolation_other")
    assert other_url.endswith("?options=-csearch_path%3Disolation_other")
    with psycopg.connect(postgres_url) as connection:
        connection.execute("CREATE TABLE pages (title text)")
        connection.execute("INSERT INTO pages VALUES ('Fractions')")
    with psycopg.connect(other_url) as connection:
        assert connection.execute("SELECT to_regclass('pages')").fetchone() == (None,)
        with pytest.raises(errors.UndefinedTable):
            connection.execute("SELECT * FROM pages")
    with psycopg.connect(postgres_server.url()) as connection:
        # The table landed in the fixture's schema, not in public.
        rows = connection.execute(
            "SELECT schemaname FROM pg_tables WHERE tablename = 'pages'"
        ).fetchall()
    assert rows == [(schema_of(postgres_url),)]
    assert schema_of(postgres_url) != "public"


def test_sqlalchemy_creates_tables_in_the_url_s_schema(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    # SQLAlchemy needs the driver in the scheme: plain postgresql:// means psycopg2.
    sqlalchemy_url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    other_url = fresh_schema_url(
        postgres_server.url().replace("postgresql://", "postgresql+psycopg://", 1),
        "sqlalchemy_other",
    )
    assert other_url.startswith("postgresql+psycopg://")
    metadata = MetaData()
    Table("people", metadata, Column("id", Integer, primary_key=True), Column("name", String))
    engine = create_engine(sqlalchemy_url)
    other = create_engine(other_url)
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO people (name) VALUES ('Ada')"))
        assert engine.dialect.default_schema_name == schema_of(postgres_url)
        assert inspect(engine).get_table_names() == ["people"]
        assert inspect(other).get_table_names() == []
        metadata.create_all(other)  # the same name again is no clash: another schema
        with other.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM people")).scalar() == 0
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM people")).scalars().all() == ["Ada"]
    finally:
        engine.dispose()
        other.dispose()


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_an_empty_schema_of_its_own(postgres_url: str, run: int) -> None:
    # Both runs create the same table: the second would fail with DuplicateTable if
    # postgres_url handed out a shared schema.
    schema = schema_of(postgres_url)
    assert re.fullmatch(rf"t\d+_test_each_test_gets_an_empty_schema_of_its_own_{run}", schema)
    with psycopg.connect(postgres_url) as connection:
        assert connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchone() == (0,)
        connection.execute("CREATE TABLE pages (title text)")


def test_two_connections_see_each_other_s_committed_rows(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as first, psycopg.connect(postgres_url) as second:
        first.execute("CREATE TABLE notes (body text)")
        first.commit()
        first.execute("INSERT INTO notes VALUES ('from first')")
        assert second.execute("SELECT count(*) FROM notes").fetchone() == (0,)
        second.rollback()
        first.commit()
        assert second.execute("SELECT body FROM notes").fetchall() == [("from first",)]
        second.execute("INSERT INTO notes VALUES ('from second')")
        second.commit()
        rows = first.execute("SELECT body FROM notes ORDER BY body").fetchall()
    assert rows == [("from first",), ("from second",)]


def test_schema_names_are_plain_identifiers() -> None:
    name = schema_name("test_x[Fractions & Décimals-2]" + "y" * 80, 12)
    assert name.startswith("t12_test_x_fractions_d_cimals_2_")
    assert len(name) == 63
    assert postgres.SCHEMA_NAME.fullmatch(name)
    with pytest.raises(ValueError, match="schema name"):
        fresh_schema_url("postgresql://nobody@127.0.0.1:1/none", "Robert'); DROP")


def test_missing_binaries_skip_or_fail_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "find_binaries", lambda: None)
    reason = postgres.postgres_available()
    assert reason is not None
    assert "apt-get install postgresql" in reason
    monkeypatch.delenv(postgres.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        postgres.require_postgres()
    monkeypatch.setenv(postgres.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install postgresql"):
        postgres.require_postgres()


@pytest.mark.usefixtures("postgres_binaries")
def test_stop_leaves_no_process_and_frees_the_port(tmp_path: Path) -> None:
    """A server of its own (about a second): the with block stops it despite an error."""
    server = PostgresServer(tmp_path / "own")
    backends: list[int] = []
    with pytest.raises(ZeroDivisionError), server:
        assert server.process is not None
        postmaster = server.process.pid
        assert processes_mentioning(str(server.data)) == [postmaster]
        # A second server on the same folder is refused, with the log saying why.
        with pytest.raises(PostgresError, match=r"postmaster\.pid"):
            PostgresServer(tmp_path / "own").start()
        connection = psycopg.connect(server.url())  # left open: stop() must cope
        connection.execute("CREATE TABLE kept (n int)")
        connection.commit()
        backends = children_of(postmaster)
        assert len(backends) >= 4  # checkpointer, writers, launchers, this connection
        port = server.port
        1 / 0  # noqa: B018  (a failing test inside the with block)
    connection.close()
    assert server.process is None
    assert not alive(postmaster)
    assert [pid for pid in backends if alive(pid)] == []
    assert processes_mentioning(str(server.data)) == []
    assert not (server.data / "postmaster.pid").exists()
    assert port_is_free(port)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(server.url(), connect_timeout=2)
    server.stop()  # a second stop is harmless
    with server, psycopg.connect(server.url()) as again:  # a restart keeps the data
        assert again.execute("SELECT count(*) FROM kept").fetchone() == (0,)
    assert processes_mentioning(str(server.data)) == []
