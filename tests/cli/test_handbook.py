"""`masterywiki pdf PATH OUT`: the same handbook as /PATH/-/pdf, with progress."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from masterywiki.cli import main
from tests.conftest import commit_files, git
from tests.poppler import pdf_text


def run(repo: Path, tmp_path: Path, *args: str) -> tuple[int, str]:
    options = ["--repo", str(repo), "--instance", str(tmp_path / "instance")]
    result = CliRunner().invoke(main, ["pdf", *args, *options])
    return result.exit_code, result.output


def test_pdf_writes_the_section_with_progress(basic_repo: Path, tmp_path: Path) -> None:
    git(basic_repo, "tag", "-a", "-m", "Adopted", "release/2025-26-adopted")
    out = tmp_path / "guide.pdf"
    code, output = run(basic_repo, tmp_path, "/guide/", str(out))
    assert code == 0, output
    assert "Collecting pages" in output
    assert "Laying out pages (pass 1)" in output
    assert "Wrote" in output and "'Guide', 3 wiki pages and 0 glossary terms" in output
    assert "version 2025-26-adopted" in output
    text = pdf_text(out)
    order = [text.rindex(title) for title in ("/guide\n", "/guide/first\n", "/guide/second\n")]
    assert order == sorted(order)
    assert "Version 2025-26-adopted" in text


def test_the_home_page_and_a_missing_page(basic_repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.pdf"
    code, output = run(basic_repo, tmp_path, "index", str(out))
    assert code == 0, output
    assert "'Test Wiki Home', 7 wiki pages" in output
    code, output = run(basic_repo, tmp_path, "nope", str(tmp_path / "nope.pdf"))
    assert code == 1 and "Error: There is no page at 'nope'." in output
    assert not (tmp_path / "nope.pdf").exists()


def test_pdf_of_a_release(basic_repo: Path, tmp_path: Path) -> None:
    git(basic_repo, "tag", "-a", "-m", "Adopted", "release/2025-26")
    commit_files(basic_repo, {"guide/first.md": "# First Chapter\n\nRewritten since.\n"})
    out = tmp_path / "released.pdf"
    code, output = run(basic_repo, tmp_path, "guide", str(out), "--rev", "2025-26")
    assert code == 0, output
    assert "version 2025-26" in output
    text = pdf_text(out)
    assert "Principles" in text and "Rewritten since." not in text
    code, output = run(basic_repo, tmp_path, "guide", str(out), "--rev", "nope")
    assert code == 1 and "no release or revision called 'nope'" in output
