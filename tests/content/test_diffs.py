"""Inline diffs with word-level highlights."""

from __future__ import annotations

from masterywiki.content.diffs import Segment, diff_texts


def test_changed_words_are_highlighted() -> None:
    diff = diff_texts("Grades reflect effort.\n", "Grades reflect learning.\n")
    kinds = [(row.kind, row.old_line, row.new_line) for row in diff.rows]
    assert kinds == [("del", 1, None), ("add", None, 1)]
    assert diff.rows[0].segments == (Segment("Grades reflect "), Segment("effort", True),
                                     Segment("."))  # fmt: skip
    assert [s.text for s in diff.rows[1].segments if s.changed] == ["learning"]
    assert (diff.added, diff.removed) == (1, 1)


def test_pure_additions_and_deletions() -> None:
    diff = diff_texts("a\nb\n", "a\nb\nc\n")
    assert [(r.kind, r.new_line) for r in diff.rows] == [("same", 1), ("same", 2), ("add", 3)]
    assert diff.rows[-1].segments == (Segment("c", True),)


def test_long_unchanged_runs_are_folded() -> None:
    old = "".join(f"line {i}\n" for i in range(100))
    new = old.replace("line 50\n", "line fifty\n")
    diff = diff_texts(old, new)
    kinds = [row.kind for row in diff.rows]
    assert kinds == ["skip"] + ["same"] * 3 + ["del", "add"] + ["same"] * 3 + ["skip"]
    assert diff.rows[0].skipped == 47 and diff.rows[-1].skipped == 46


def test_identical_texts() -> None:
    assert diff_texts("same\n", "same\n").unchanged
