"""`masterywiki db upgrade` and `db copy --to URL`, against a real SQLite file and a
real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from masterywiki.cli import main
from masterywiki.db import migrations
from masterywiki.db.database import Database
from masterywiki.people.accounts import Accounts
from tests.auth_fixtures import FAST_HASHER, PASSWORD


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_upgrade_says_what_it_did(tmp_path: Path) -> None:
    instance = str(tmp_path / "instance")
    first = cli("db", "upgrade", "--instance", instance)
    assert first.exit_code == 0, first.output
    for number, _title, _step in migrations.STEPS:
        assert f"Applied migration {number}:" in first.output
    assert f"is now at schema version {migrations.LATEST}" in first.output
    again = cli("db", "upgrade", "--instance", instance)
    assert "Applied" not in again.output and "was already at schema version" in again.output


def test_copy_into_postgresql_then_serve_from_it(tmp_path: Path, postgres_url: str) -> None:
    instance = tmp_path / "instance"
    local = Database.for_instance(instance)
    accounts = Accounts(local, hasher=FAST_HASHER)
    accounts.add_user("ada", PASSWORD, "admin")
    accounts.add_user("bob", PASSWORD, "editor")
    local.close()

    copied = cli("db", "copy", "--to", postgres_url, "--instance", str(instance))
    assert copied.exit_code == 0, copied.output
    assert any(line.split()[:2] == ["users", "2"] for line in copied.output.splitlines())
    assert "Copied 2 rows" in copied.output
    again = cli("db", "copy", "--to", postgres_url, "--instance", str(instance))
    assert "(2 there already)" in again.output and "Copied 0 rows" in again.output

    listed = cli("user", "list", "--instance", str(tmp_path / "other"),
                 env={"MASTERYWIKI_DATABASE_URL": postgres_url})  # fmt: skip
    assert listed.exit_code == 0, listed.output
    assert "ada" in listed.output and "bob" in listed.output


def test_copy_errors_are_one_line(tmp_path: Path) -> None:
    instance = str(tmp_path / "instance")
    wrong = cli("db", "copy", "--to", "mysql://u@h/w", "--instance", instance)
    assert wrong.exit_code == 1 and "is not supported" in wrong.output
    assert "Traceback" not in wrong.output
    same = cli("db", "copy", "--to", f"sqlite:///{tmp_path / 'instance' / 'masterywiki.sqlite3'}",
               "--instance", instance)  # fmt: skip
    assert same.exit_code == 1 and "the database in use" in same.output
