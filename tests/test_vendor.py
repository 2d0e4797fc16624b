"""The committed copies of KaTeX and mermaid in static/vendor/ are what
`npm run vendor` writes from the locked node_modules (frontend/vendor.mjs)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_static_vendor_matches_the_lockfile() -> None:
    node = shutil.which("node")
    if node is None:  # CI installs node (.ci/run): a missing one must not pass silently
        pytest.fail("node is missing: install nodejs, then run `npm install`")
    if not (ROOT / "node_modules" / "katex").is_dir():
        pytest.fail("node_modules is missing: run `npm install` at the repository root")
    check = subprocess.run(
        [node, str(ROOT / "frontend" / "vendor.mjs"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
