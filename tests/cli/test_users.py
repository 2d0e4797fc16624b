"""`masterywiki user ...`: accounts from the shell, errors as one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from masterywiki.cli import main
from masterywiki.cli import users as cli_users
from masterywiki.db.database import Database
from masterywiki.people.accounts import Accounts, User
from tests.auth_fixtures import FAST_HASHER, PASSWORD


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


def open_accounts(instance: Path) -> Accounts:
    return Accounts(Database.for_instance(instance), hasher=FAST_HASHER)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_users, "Accounts", lambda db: Accounts(db, hasher=FAST_HASHER))


def user_cli(instance: Path, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["user", *args, "--instance", str(instance)], input=stdin)


def test_help_lists_the_user_commands() -> None:
    output = CliRunner().invoke(main, ["user", "--help"]).output
    for command in ("add", "list", "set-role", "set-password", "remove"):
        assert command in output
    add_help = CliRunner().invoke(main, ["user", "add", "--help"]).output
    for option in ("--role", "--email", "--display-name", "--password-stdin", "--repo"):
        assert option in add_help


def test_add_with_password_stdin_list_set_role_remove(instance: Path) -> None:
    result = user_cli(
        instance,
        "add", "ada", "--role", "admin", "--email", "ada@example.org",
        "--display-name", "Ada Coach", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == "Added ada with the admin role.\n"
    assert user_cli(instance, "add", "bob", "--password-stdin", stdin=PASSWORD).exit_code == 0
    accounts = open_accounts(instance)
    assert accounts.authenticate("ada", PASSWORD) == User(
        "ada", "Ada Coach", "ada@example.org", "admin"
    )
    assert accounts.get_user("bob").role == "reader"

    listed = user_cli(instance, "list")
    assert listed.output.splitlines() == [
        "ada  admin      Ada Coach <ada@example.org>",
        "bob  reader     bob",
    ]
    result = user_cli(instance, "set-role", "bob", "editor")
    assert (result.exit_code, result.output) == (0, "bob now has the editor role.\n")
    assert accounts.get_user("bob").role == "editor"
    result = user_cli(instance, "remove", "bob")
    assert (result.exit_code, result.output) == (0, "Removed bob.\n")
    assert [u.username for u in accounts.list_users()] == ["ada"]


def test_add_prompts_twice_without_password_stdin(instance: Path) -> None:
    result = user_cli(instance, "add", "ada", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output, "the password is not echoed"
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert open_accounts(instance).authenticate("ada", PASSWORD).username == "ada"


def test_set_password(instance: Path) -> None:
    user_cli(instance, "add", "ada", "--password-stdin", stdin=PASSWORD)
    result = user_cli(instance, "set-password", "ada", "--password-stdin", stdin="new secret 123\n")
    assert result.exit_code == 0, result.output
    assert open_accounts(instance).authenticate("ada", "new secret 123").username == "ada"


def test_list_when_empty(instance: Path) -> None:
    result = user_cli(instance, "list")
    assert result.exit_code == 0
    assert "No users yet" in result.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "Ada", "--password-stdin"], PASSWORD, "Usernames are 1 to 40 lowercase"),
        (["add", "ada", "--password-stdin"], "short", "Passwords need at least 8 characters."),
        (["add", "ada", "--email", "nope", "--password-stdin"], PASSWORD, "look like an email"),
        (["add", "root", "--password-stdin"], PASSWORD, "There is already a user called 'root'."),
        (["set-role", "bob", "editor"], None, "There is no user called 'bob'."),
        (["set-role", "root", "reader"], None, "Cannot change the role of 'root'"),
        (["remove", "root"], None, "Cannot remove 'root': they are the only admin."),
        (["remove", "bob"], None, "There is no user called 'bob'."),
        (["set-password", "bob", "--password-stdin"], PASSWORD, "There is no user called 'bob'."),
    ],
)
def test_errors_are_one_line(
    instance: Path, args: list[str], stdin: str | None, message: str
) -> None:
    user_cli(instance, "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    result = user_cli(instance, *args, stdin=stdin)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert message in lines[0]


def test_unknown_role_is_a_usage_error(instance: Path) -> None:
    result = user_cli(instance, "set-role", "ada", "owner")
    assert result.exit_code == 2
    assert "'owner' is not one of 'reader', 'commenter', 'editor', 'admin'" in result.output


def test_repo_option_is_accepted(instance: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["user", "list", "--repo", str(tmp_path / "wiki"), "--instance", str(instance)]
    )
    assert result.exit_code == 0, result.output


def test_serve_prints_the_first_admin_link_until_an_admin_exists(
    instance: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("masterywiki.cli.serve._serve", lambda *args, **kwargs: None)
    serve = ["serve", "--instance", str(instance), "--port", "0"]
    output = CliRunner().invoke(main, serve).output
    hints = [line for line in output.splitlines() if line.startswith("No admin yet")]
    assert len(hints) == 1
    assert "open http://127.0.0.1:0/-/setup?token=" in hints[0]
    user_cli(instance, "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    assert "No admin yet" not in CliRunner().invoke(main, serve).output


def test_list_says_where_provider_accounts_sign_in(instance: Path) -> None:
    from masterywiki.people.identity import Identity
    from masterywiki.people.linked import account_for

    accounts = open_accounts(instance)
    ada = Identity("ldap", "uid=ada,dc=school", "ada", "Ada", "ada@school.org")
    account_for(accounts.database, ada, {}, "reader", 1.0)
    accounts.database.close()
    assert user_cli(instance, "list").output.splitlines() == [
        "ada  reader     Ada <ada@school.org>  (signs in with the school directory)",
    ]
