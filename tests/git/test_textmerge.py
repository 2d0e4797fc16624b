"""Three-way text merges with git merge-file (no repository needed)."""

from __future__ import annotations

from masterywiki.git.textmerge import Merge, merge

BASE = "# Grading\n\nIntro\n\nmiddle one\nmiddle two\nmiddle three\n\nOutro\n"


def test_changes_to_different_lines_merge_cleanly() -> None:
    ours = BASE.replace("Intro", "Intro, reworded")
    theirs = BASE.replace("Outro", "Outro, reworded")
    assert merge(BASE, ours, theirs) == Merge(
        BASE.replace("Intro", "Intro, reworded").replace("Outro", "Outro, reworded"), 0
    )


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    assert merge("", "same\n", "same\n") == Merge("same\n", 0)


def test_conflicts_are_counted_and_marked_with_the_edit_labels() -> None:
    result = merge("a\nb\nc\n", "a\nX\nc\n", "a\nY\nc\n")
    assert result == Merge(
        "a\n<<<<<<< your version\nX\n=======\nY\n>>>>>>> saved meanwhile\nc\n", 1
    )


def test_each_conflict_block_counts_and_labels_can_be_chosen() -> None:
    base = "top\n" + "".join(f"{n}\n" for n in range(5)) + "bottom\n"
    ours = base.replace("top", "our top").replace("bottom", "our bottom")
    theirs = base.replace("top", "their top").replace("bottom", "their bottom")
    result = merge(base, ours, theirs, ("mine", "ancestor", "theirs"))
    assert result.conflicts == 2
    assert result.text.count("<<<<<<< mine\n") == 2
    assert result.text.count(">>>>>>> theirs\n") == 2
    assert "ancestor" not in result.text, "the base shows only in diff3 style"


def test_unicode_survives_the_round_trip() -> None:
    result = merge("Zoë\n", "Zoë ✓\n", "Zoë\n")
    assert result == Merge("Zoë ✓\n", 0)
