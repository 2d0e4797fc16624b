"""Settings from defaults, the config file and the environment, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from masterywiki.errors import ConfigError
from masterywiki.settings import load


def test_numbers_come_from_the_environment_and_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "masterywiki.toml").write_text(
        'max_comment_bytes = 4096\nsite_name = "Riverbend"\n'
    )
    loaded = load({"instance": tmp_path}, {"MASTERYWIKI_MAX_PAGE_BYTES": " 2048 "})
    assert loaded.max_page_bytes == 2048
    assert loaded.max_comment_bytes == 4096
    assert loaded.site_name == "Riverbend"


@pytest.mark.parametrize("raw", ["²", "٣", "1e6", "-5", "12 KB", "9" * 5000])
def test_a_number_setting_that_is_not_a_plain_number_is_a_config_error(
    tmp_path: Path, raw: str
) -> None:
    with pytest.raises(ConfigError, match="setting 'max_page_bytes' must be a whole number"):
        load({"instance": tmp_path}, {"MASTERYWIKI_MAX_PAGE_BYTES": raw})


def test_unknown_settings_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load({"instance": tmp_path, "colour": "blue"})
