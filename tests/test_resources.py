"""The bundled folders are found wherever the package is installed."""

from __future__ import annotations

from pathlib import Path

from masterywiki.resources import starter_dir, starter_files


def test_starter_under_a_hidden_folder_keeps_every_file(tmp_path: Path) -> None:
    # pip installs into `.venv/lib/python3.x/site-packages/masterywiki/starter`.
    root = tmp_path / ".venv" / "lib" / "site-packages" / "masterywiki" / "starter"
    (root / "glossary").mkdir(parents=True)
    (root / "index.md").write_text("# Home\n")
    (root / "glossary" / "rubric.md").write_text("# Rubric\n")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "secret.md").write_text("not content\n")
    (root / "glossary" / ".DS_Store").write_bytes(b"\0")

    assert starter_files(root) == {
        "glossary/rubric.md": b"# Rubric\n",
        "index.md": b"# Home\n",
    }


def test_bundled_starter_has_the_home_page_and_glossary() -> None:
    files = starter_files()
    assert "index.md" in files
    assert sum(name.startswith("glossary/") for name in files) >= 30
    assert len(files) == sum(
        1
        for path in starter_dir().rglob("*")
        if path.is_file() and not path.relative_to(starter_dir()).as_posix().startswith(".")
    )
