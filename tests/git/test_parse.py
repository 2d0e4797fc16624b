"""Parsing git's output: real output from a small temp repository, and literal strings.

The repository's history has what the parsers must survive: a path with a space,
a non-ASCII path, a path git quotes, an empty file, a rename, a deletion and a
merge commit. Git runs with the same arguments as `storage` gives it.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from masterywiki.git.parse import (
    LOG_FORMAT,
    Change,
    Revision,
    as_str,
    count_ls_tree_blobs,
    is_sha,
    newest_changes,
    packed_ref,
    parse_batch,
    parse_batch_check,
    parse_changed_files,
    parse_index,
    parse_log,
    parse_ls_tree,
    parse_names,
    parse_raw_changes,
    parse_renames,
    parse_tree_entries,
    unquote_path,
)
from tests.conftest import GIT_ENV

START = 1_700_000_000  # commit times are fixed, one minute apart
QUOTED = 'say "hi".md'  # git C-quotes this name in non -z output, even with quotePath=false
SHA = "0123456789abcdef0123456789abcdef01234567"


def run(repo: Path, *args: str, input: bytes | None = None, when: int = START) -> bytes:
    stamp = f"@{when} +0000"
    env = {**GIT_ENV, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    result = subprocess.run(
        ["git", "-C", str(repo), *args], input=input, env=env, capture_output=True, check=True
    )
    return result.stdout


def sha_of(repo: Path, rev: str) -> str:
    return run(repo, "rev-parse", rev).decode().strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("gitparse")
    run(repo, "init", "-q", "-b", "main")
    (repo / "café").mkdir()
    files = {"my page.md": "one\ntwo\n", "café/ü.md": "x\n", QUOTED: "q\n", "empty.md": ""}
    for path, text in files.items():
        (repo / path).write_text(text)
    run(repo, "add", "-A")
    run(repo, "commit", "-q", "-m", "Start")
    run(repo, "tag", "start")
    run(repo, "mv", "my page.md", "renamed page.md")
    run(repo, "commit", "-q", "-m", "Rename it", when=START + 60)
    run(repo, "checkout", "-q", "-b", "side")
    (repo / "café/ü.md").write_text("x\ny\n")
    run(repo, "commit", "-q", "-am", "Side edit", when=START + 120)
    run(repo, "checkout", "-q", "main")
    run(repo, "rm", "-q", QUOTED)
    run(repo, "commit", "-q", "-m", "Delete quote", when=START + 180)
    run(repo, "merge", "-q", "--no-edit", "side", when=START + 240)
    return repo


def log_output(repo: Path) -> str:
    args = ["-c", "core.quotePath=false", "log", "--name-status", "-M", f"--format={LOG_FORMAT}"]
    return run(repo, *args, "main", "--").decode("utf-8", "replace")


def test_log_reads_each_commit_newest_first(repo: Path) -> None:
    rows = parse_log(log_output(repo))
    assert [row.summary for row in rows] == [
        "Merge branch 'side'",
        "Delete quote",
        "Side edit",
        "Rename it",
        "Start",
    ]
    newest = rows[0]
    assert newest.commit == sha_of(repo, "main") and newest.short == newest.commit[:10]
    assert (newest.author, newest.email) == ("Ada Coach", "ada@example.org")
    assert [row.date for row in rows] == [
        datetime.fromtimestamp(START + 60 * minute, tz=UTC) for minute in (4, 3, 2, 1, 0)
    ]


def test_log_reads_renames_edits_deletions_and_merges(repo: Path) -> None:
    files = {row.summary: row.files for row in parse_log(log_output(repo))}
    assert files["Merge branch 'side'"] == (), "git lists no files for a merge without -m"
    assert files["Rename it"] == (("R", "my page.md -> renamed page.md"),), "score dropped"
    assert files["Side edit"] == (("M", "café/ü.md"),), "not quoted with quotePath=false"
    assert files["Delete quote"] == (("D", QUOTED),)


def test_log_unquotes_the_paths_git_quotes(repo: Path) -> None:
    # git C-quotes names with `"`, `\\` or control characters even with quotePath=false
    assert '"say \\"hi\\".md"' in log_output(repo)
    start = parse_log(log_output(repo))[-1]
    assert sorted(start.files) == [
        ("A", "café/ü.md"),
        ("A", "empty.md"),
        ("A", "my page.md"),
        ("A", QUOTED),
    ]


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("plain name.md", "plain name.md"),
        ('"say \\"hi\\".md"', 'say "hi".md'),
        ('"back\\\\slash.md"', "back\\slash.md"),
        ('"a\\tb\\nc.md"', "a\tb\nc.md"),
        ('"caf\\303\\251.md"', "café.md"),  # octal UTF-8, as with quotePath=true
        ('"raw\\377.md"', b"raw\xff.md".decode("utf-8", "surrogateescape")),
        ('"', '"'),
    ],
)
def test_unquote_path(printed: str, name: str) -> None:
    assert unquote_path(printed) == name


def test_log_literal_copies_and_empty_output() -> None:
    out = (
        f"\x1e{SHA}\x1fZoë\x1fzoe@example.org\x1f{START}\x1fCopy\tand rename\n"
        "\nC075\tguide/a.md\tguide/b.md\nM\tindex.md\n"
    )
    assert parse_log(out) == [
        Revision(
            SHA,
            "Zoë",
            "zoe@example.org",
            datetime.fromtimestamp(START, tz=UTC),
            "Copy\tand rename",
            (("C", "guide/a.md -> guide/b.md"), ("M", "index.md")),
        )
    ]
    assert parse_log("") == []


def test_newest_changes_names_the_last_commit_per_path(repo: Path) -> None:
    args = ["-c", "core.quotePath=false", "log", "--no-renames", "--name-only"]
    out = run(repo, *args, f"--format={LOG_FORMAT}", "main")
    found = dict(newest_changes(out.splitlines(keepends=True)))
    summaries = {path: change.summary for path, change in found.items()}
    assert summaries == {
        "renamed page.md": "Rename it",
        "my page.md": "Rename it",  # --no-renames: the old name was deleted there
        "café/ü.md": "Side edit",
        QUOTED: "Delete quote",
        "empty.md": "Start",
    }
    merge = sha_of(repo, "main")
    assert all(change.commit != merge for change in found.values()), "a merge touches nothing"
    assert found["empty.md"] == Change(
        sha_of(repo, "start"),
        "Ada Coach",
        "ada@example.org",
        datetime.fromtimestamp(START, tz=UTC),
        "Start",
    )


def test_newest_changes_reads_only_as_far_as_asked() -> None:
    header = f"\x1e{SHA}\x1fAda\x1fada@example.org\x1f{START}\x1fEdit\n".encode()
    lines = iter([b"stray.md\n", header, b"\n", b"a.md\n", b"a.md\n", b"b.md\n"])
    changes = newest_changes(lines)
    path, change = next(changes)
    assert (path, change.summary) == ("a.md", "Edit"), "paths before any header are skipped"
    assert list(lines) == [b"a.md\n", b"b.md\n"], "the rest is left unread"


def test_ls_tree_maps_each_blob(repo: Path) -> None:
    out = run(repo, "ls-tree", "-r", "-z", "--full-tree", "main")
    files = parse_ls_tree(out)
    assert set(files) == {"renamed page.md", "café/ü.md", "empty.md"}
    assert count_ls_tree_blobs(out) == len(files)
    assert all(blob == sha_of(repo, f"main:{path}") for path, blob in files.items())


def test_ls_tree_literal_skips_submodules_and_keeps_undecodable_names() -> None:
    out = f"160000 commit {SHA}\tvendor/lib\x00100644 blob {SHA}\tcaf".encode() + b"\xe9.md\x00"
    files = parse_ls_tree(out)
    assert files == {"caf\udce9.md": SHA}
    assert count_ls_tree_blobs(out) == 1
    assert next(iter(files)).encode("utf-8", "surrogateescape") == b"caf\xe9.md"


def test_batch_reads_contents_and_skips_missing_objects(repo: Path) -> None:
    wanted = [sha_of(repo, "main:café/ü.md"), SHA, sha_of(repo, "main:empty.md")]
    out = run(repo, "cat-file", "--batch", input="\n".join(wanted).encode() + b"\n")
    assert parse_batch(out, wanted) == {wanted[0]: b"x\ny\n", wanted[2]: b""}


def test_batch_check_sizes_only_blobs(repo: Path) -> None:
    wanted = [sha_of(repo, "main:café/ü.md"), sha_of(repo, "main^{tree}"), SHA]
    out = run(repo, "cat-file", "--batch-check", input="\n".join(wanted).encode() + b"\n")
    assert parse_batch_check(out, wanted) == {wanted[0]: 4}


def test_changed_files_gives_new_blobs_and_deletions(repo: Path) -> None:
    out = run(repo, "diff-tree", "-r", "-z", "--no-renames", "start", "main")
    assert parse_changed_files(out) == {
        "my page.md": None,
        "renamed page.md": sha_of(repo, "main:renamed page.md"),
        "café/ü.md": sha_of(repo, "main:café/ü.md"),
        QUOTED: None,  # -z output is never quoted
    }
    assert parse_changed_files(b"") == {}


def test_renames_map_old_paths_to_new(repo: Path) -> None:
    out = run(repo, "diff-tree", "-r", "-z", "-M", "--diff-filter=R", "start", "main")
    assert parse_renames(out) == {"my page.md": "renamed page.md"}
    assert parse_renames(b"") == {}


def test_packed_ref_reads_the_packed_refs_file() -> None:
    packed = (
        "# pack-refs with: peeled fully-peeled sorted \n"
        f"{SHA} refs/heads/main\n"
        f"{'f' * 40} refs/tags/v1\n"
        f"^{'e' * 40}\n"
    )
    assert packed_ref(packed, "refs/heads/main") == SHA
    assert packed_ref(packed, "refs/tags/v1") == "f" * 40
    assert packed_ref(packed, "refs/heads/missing") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SHA, True),
        ("abcd", True),
        ("a" * 64, True),
        ("abc", False),
        ("a" * 65, False),
        (SHA.upper(), False),
        ("main", False),
        ("HEAD~1", False),
        ("--output=x", False),
        ("", False),
    ],
)
def test_is_sha(text: str, expected: bool) -> None:
    assert is_sha(text) is expected


def test_as_str_decodes_bytes_only() -> None:
    assert as_str(b"blob") == "blob"
    assert as_str("blob") == "blob"


def test_raw_changes_of_diff_tree_and_log(repo: Path) -> None:
    start, main = sha_of(repo, "start"), sha_of(repo, "main")
    out = run(repo, "diff-tree", "-r", "-z", "--no-renames", start, main)
    changes = {path: (before, after) for path, before, after in parse_raw_changes(out)}
    ue = "café/ü.md"
    assert changes[ue] == (
        ("100644", sha_of(repo, f"start:{ue}")),
        ("100644", sha_of(repo, f"main:{ue}")),
    )
    assert changes[QUOTED][1] is None and changes["renamed page.md"][0] is None
    # `git log --raw` puts a blank field between commits; every version is read
    out = run(repo, "log", "--format=", "--raw", "-z", "--no-abbrev", "--no-renames", "main")
    versions = {after for path, _, after in parse_raw_changes(out) if path == ue}
    assert {entry[1] for entry in versions if entry} == {
        sha_of(repo, f"start:{ue}"),
        sha_of(repo, f"main:{ue}"),
    }


def test_index_entries_and_tree_entries_agree(repo: Path) -> None:
    index = parse_index(run(repo, "ls-files", "-s", "-z"))
    tree = parse_tree_entries(run(repo, "ls-tree", "-r", "-z", "--full-tree", "main"))
    assert index == tree and set(tree) == {"renamed page.md", "café/ü.md", "empty.md"}
    names = parse_names(run(repo, "ls-tree", "-r", "-z", "--name-only", "main"))
    assert names == set(tree)


def test_a_path_starting_with_a_colon_and_unmerged_stages() -> None:
    raw = f":100644 000000 {SHA} {'0' * 40} D\x00:odd.md\x00".encode()
    assert parse_raw_changes(raw) == [(":odd.md", ("100644", SHA), None)]
    staged = f"100644 {SHA} 1\tx.md\x00100644 {SHA} 2\tx.md\x00100755 {SHA} 0\ty.md\x00"
    assert parse_index(staged.encode()) == {"x.md": None, "y.md": ("100755", SHA)}
