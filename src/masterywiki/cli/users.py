"""`masterywiki user add|list|set-role|set-password|remove`: accounts from the shell."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from masterywiki import settings as settings_module
from masterywiki.cli.group import _content_options, _one_line_errors, main
from masterywiki.db.database import Database
from masterywiki.people.accounts import ROLES, Accounts


def _accounts(repo: Path | None, instance: Path) -> Accounts:
    # The repository is not needed for accounts; `--repo` is accepted so every
    # content command takes the same options.
    loaded = settings_module.load({"repo": repo, "instance": instance})
    database = Database.for_instance(loaded.instance, loaded.database_url)
    click.get_current_context().call_on_close(database.close)
    return Accounts(database)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.read()
        return text.removesuffix("\n").removesuffix("\r")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


SOURCES = {"oidc": "OpenID Connect", "ldap": "the school directory"}  # local: nothing said
role_choice = click.Choice(ROLES)
password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (for scripts)."
)


@click.group()
def user() -> None:
    """Manage accounts: roles are reader < commenter < editor < admin."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=role_choice, default="reader", show_default=True)
@click.option("--email", default="", help="Email address.")
@click.option("--display-name", default="", help="Name shown on edits [default: NAME].")
@password_stdin
@_content_options
@_one_line_errors
def add(
    name: str,
    role: str,
    email: str,
    display_name: str,
    password_stdin: bool,
    repo: Path | None,
    instance: Path,
) -> None:
    """Add the user NAME (asks for the password twice unless --password-stdin)."""
    accounts = _accounts(repo, instance)
    created = accounts.add_user(
        name, _read_password(password_stdin), role=role, name=display_name, email=email
    )
    click.echo(f"Added {created.username} with the {created.role} role.")


@user.command("list")
@_content_options
@_one_line_errors
def list_(repo: Path | None, instance: Path) -> None:
    """List the accounts: username, role, display name, email, and where they sign in."""
    users = _accounts(repo, instance).list_users()
    if not users:
        click.echo("No users yet. Add one with: masterywiki user add NAME --role admin")
        return
    width = max(len(u.username) for u in users)
    for found in users:
        line = f"{found.username:<{width}}  {found.role:<9}  {found.name}"
        line += f" <{found.email}>" if found.email else ""
        click.echo(
            line + (f"  (signs in with {SOURCES[found.source]})" if found.source in SOURCES else "")
        )


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=role_choice)
@_content_options
@_one_line_errors
def set_role(name: str, role: str, repo: Path | None, instance: Path) -> None:
    """Give the user NAME the role ROLE."""
    changed = _accounts(repo, instance).set_role(name, role)
    click.echo(f"{changed.username} now has the {changed.role} role.")


@user.command("set-password")
@click.argument("name")
@password_stdin
@_content_options
@_one_line_errors
def set_password(name: str, password_stdin: bool, repo: Path | None, instance: Path) -> None:
    """Set a new password for NAME and log them out everywhere."""
    accounts = _accounts(repo, instance)
    accounts.get_user(name)  # fail before asking for a password
    accounts.set_password(name, _read_password(password_stdin))
    click.echo(f"Changed the password of {name}; their sessions have ended.")


@user.command("remove")
@click.argument("name")
@_content_options
@_one_line_errors
def remove(name: str, repo: Path | None, instance: Path) -> None:
    """Remove the user NAME (their page history stays in git)."""
    _accounts(repo, instance).remove_user(name)
    click.echo(f"Removed {name}.")


main.add_command(user)
