"""`masterywiki release NAME`: tags HEAD, refuses bad and taken names in one line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from masterywiki.cli import main
from tests.conftest import git


def run(repo: Path, tmp_path: Path, *args: str) -> tuple[int, str]:
    options = ["--repo", str(repo), "--instance", str(tmp_path / "instance")]
    result = CliRunner().invoke(main, ["release", *args, *options])
    return result.exit_code, result.output


def test_release_tags_head_with_a_message(basic_repo: Path, tmp_path: Path) -> None:
    code, output = run(basic_repo, tmp_path, "2025-26-adopted", "--message", "Adopted in June")
    assert code == 0, output
    head = git(basic_repo, "rev-parse", "HEAD")
    assert f"Released revision {head[:10]} as '2025-26-adopted'" in output
    assert git(basic_repo, "rev-parse", "release/2025-26-adopted^{commit}") == head
    assert "Adopted in June" in git(basic_repo, "tag", "-n9", "-l", "release/*")


def test_bad_and_taken_names_are_refused_with_a_clear_message(
    basic_repo: Path, tmp_path: Path
) -> None:
    code, output = run(basic_repo, tmp_path, "school year")
    assert code == 1
    assert output.startswith("Error: 'school year' is not a valid release name")
    code, output = run(basic_repo, tmp_path, "v1..2")
    assert code == 1 and "not a valid git tag name" in output
    assert run(basic_repo, tmp_path, "v1")[0] == 0
    code, output = run(basic_repo, tmp_path, "v1")
    assert code == 1 and "already a release called 'v1'" in output
    assert git(basic_repo, "tag", "-l") == "release/v1"
