"""The command line: help, init, and one-line errors."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from masterywiki.cli import main
from tests.conftest import git


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "init" in result.output and "serve" in result.output
    serve_help = CliRunner().invoke(main, ["serve", "--help"]).output
    for option in ("--repo", "--instance", "--host", "--port", "--workers", "--dev", "--reload"):
        assert option in serve_help


def test_init_creates_a_repository_with_one_commit(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "wiki")])
    assert result.exit_code == 0, result.output
    assert "Created a wiki" in result.output
    assert git(tmp_path / "wiki", "rev-list", "--count", "HEAD") == "1"
    assert (tmp_path / "wiki/glossary/rubric.md").exists()


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    expected = f"Error: {tmp_path} already exists and is not empty."
    assert result.output.strip().splitlines() == [expected]
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_serve_not_a_repository_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["serve", "--repo", str(tmp_path), "--instance", str(tmp_path / "i"), "--port", "0"]
    )
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path} is not a git repository."


def test_serve_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--instance", str(tmp_path / "i"), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: port {port} on 127.0.0.1 is already in use; choose another with --port"
    )
    assert not (tmp_path / "i").exists(), "nothing is created when the server cannot start"


def test_unwritable_instance_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(main, ["serve", "--instance", str(blocker / "inst"), "--port", "0"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("Error: Not a directory")
