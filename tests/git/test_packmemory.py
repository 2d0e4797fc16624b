"""The pack memory of the git processes the wiki starts stay small."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from masterywiki.git.packmemory import PACK_SETTINGS, bound_pack_memory
from masterywiki.git.storage import GitStorage


def test_the_settings_join_an_empty_environment() -> None:
    environ: dict[str, str] = {}
    bound_pack_memory(environ)
    assert environ == {
        "GIT_CONFIG_COUNT": "3",
        "GIT_CONFIG_KEY_0": "core.packedGitWindowSize",
        "GIT_CONFIG_VALUE_0": "1m",
        "GIT_CONFIG_KEY_1": "core.packedGitLimit",
        "GIT_CONFIG_VALUE_1": "8m",
        "GIT_CONFIG_KEY_2": "core.deltaBaseCacheLimit",
        "GIT_CONFIG_VALUE_2": "8m",
    }


def test_settings_already_given_stay_and_a_second_call_adds_nothing() -> None:
    environ = {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "user.name",
        "GIT_CONFIG_VALUE_0": "Coach",
        "GIT_CONFIG_KEY_1": "core.packedgitlimit",  # git's keys ignore case
        "GIT_CONFIG_VALUE_1": "64m",
    }
    bound_pack_memory(environ)
    bound_pack_memory(environ)
    assert environ["GIT_CONFIG_COUNT"] == "4"
    assert environ["GIT_CONFIG_VALUE_1"] == "64m"
    assert (environ["GIT_CONFIG_KEY_2"], environ["GIT_CONFIG_VALUE_2"]) == (
        "core.packedGitWindowSize",
        "1m",
    )


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def _cat_files() -> list[int]:
    """This process's `git cat-file` children."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"cat-file" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
    return found


def test_a_long_lived_reader_holds_little_of_a_large_pack(tmp_path: Path) -> None:
    repo = tmp_path / "wiki"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for n in range(24):  # 48 MB that does not compress: a pack six times the limit
        (repo / f"scan-{n}.bin").write_bytes(os.urandom(2 * 1024 * 1024))
    # Large files go straight into packs as they are added, and uncompressed: quick.
    git = ["git", "-C", str(repo), "-c", "user.name=T", "-c", "user.email=t@example.org",
           "-c", "core.bigFileThreshold=1m", "-c", "core.compression=0"]  # fmt: skip
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "files"], check=True)
    packs = (repo / ".git" / "objects" / "pack").glob("*.pack")
    assert sum(pack.stat().st_size for pack in packs) > 48_000_000
    storage = GitStorage(repo)
    assert subprocess.run(["git", "-C", str(repo), "config", "core.packedGitLimit"],
                          capture_output=True, text=True, check=True).stdout.strip() == (
        PACK_SETTINGS["core.packedGitLimit"]
    )  # fmt: skip
    before = set(_cat_files())
    blobs = storage.tree(storage.head() or "")
    for blob in blobs.values():  # through GitPython's persistent `cat-file`
        assert len(storage.read_blob(blob)) == 2 * 1024 * 1024
    readers = [pid for pid in _cat_files() if pid not in before]
    assert readers, "the blobs were not read by a cat-file of this process"
    # Without the bound the reader keeps every window it touched: over 48 MB; with
    # 16 MB of windows, 21 MB.
    assert max(map(_rss_mb, readers)) < 17
    storage.close()
