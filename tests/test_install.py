"""A built wheel carries what the package needs beside its code.

That an installed wheel serves the starter wiki is proven the way a person does it,
by the README's set-up line in a fresh clone (tests/test_readme_setup.py).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True,
    )  # fmt: skip
    (built,) = out.glob("masterywiki-*.whl")
    return built


def test_wheel_carries_templates_static_files_and_starter_content(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "masterywiki/templates/page.html",
        "masterywiki/static/wiki.css",
        "masterywiki/starter/index.md",
        "masterywiki/starter/glossary/rubric.md",
        "masterywiki/static/diagrams.js",
        "masterywiki/static/vendor/katex/katex.min.js",
        "masterywiki/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2",
        "masterywiki/static/vendor/mermaid/mermaid.esm.min.mjs",
    ):
        assert required in names, required
