"""The README documents every setting and command, and CI runs its test command."""

from __future__ import annotations

import re
from pathlib import Path

import click

from masterywiki.cli import main
from masterywiki.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    for setting in SETTINGS:
        assert f"`{setting.name}`" in README, setting.name
        assert f"`{setting.env}`" in README, setting.env


def test_every_command_is_documented() -> None:
    assert isinstance(main, click.Group)
    for name in main.commands:
        assert f"`masterywiki {name}" in README, name


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"## Run the tests\n\n```sh\n(.+?)\n```", README, re.S)
    assert len(blocks) == 1
    assert blocks[0].strip() in (ROOT / ".ci" / "run").read_text()
