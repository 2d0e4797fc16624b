"""The editor's committed script is what its sources and package-lock.json build, and it
stays small enough to load on a school's slow connection."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "src" / "masterywiki" / "static" / "editor.js"
MAX_GZIPPED = 400 * 1024


def test_the_committed_editor_bundle_is_up_to_date() -> None:
    node = shutil.which("node")
    assert node is not None, "node runs the build script (the README's test command installs it)"
    assert (ROOT / "node_modules" / "esbuild").is_dir(), "run `npm install` first"
    result = subprocess.run(
        [node, "frontend/build.mjs", "--check"], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr or result.stdout


def test_the_editor_bundle_stays_small() -> None:
    size = len(gzip.compress(BUNDLE.read_bytes(), 9))
    assert size < MAX_GZIPPED, f"the editor's script is {size:,} bytes gzipped"
