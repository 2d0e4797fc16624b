"""`masterywiki check` on onboarding: an unreadable `acknowledge` and a path with no steps
are warnings (the exit status stays 0); a path whose steps are pages elsewhere is clean."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from masterywiki.cli import main


def test_onboarding_warnings(repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory({
        "index.md": "# Home\n\n```{toctree}\npolicy\nstart\nempty\n```\n",
        "policy.md": "---\nacknowledge: yes please\n---\n# Policy\n",
        "start.md": "---\ntype: path\n---\n# Start\n\n```{toctree}\n/policy\n```\n",
        "empty.md": "---\ntype: path\n---\n# Empty\n",
    })  # fmt: skip
    result = CliRunner().invoke(
        main, ["check", "--repo", str(repo), "--instance", str(tmp_path / "instance")]
    )
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if line] == [
        "empty.md:1: warning: this onboarding path has no steps: list them in a {toctree}",
        "policy.md:2: warning: 'acknowledge' must be true or false (it is 'yes please')",
    ]
