"""Heading anchors: the ids schools link to stay the same, and repeats cost linear time."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from masterywiki.slugs import SlugRegistry


def first_free(wanted: list[str]) -> list[str]:
    """The ids as the registry has always given them: the first free of h, h-1, h-2, ..."""
    used: set[str] = set()
    out = []
    for slug in wanted:
        candidate, n = slug, 1
        while candidate in used:
            candidate, n = f"{slug}-{n}", n + 1
        used.add(candidate)
        out.append(candidate)
    return out


def claim_all(wanted: list[str]) -> list[str]:
    registry = SlugRegistry()
    return [registry.claim(slug) for slug in wanted]


def test_repeats_are_numbered_in_document_order() -> None:
    assert claim_all(["h", "h", "intro", "h"]) == ["h", "h-1", "intro", "h-2"]


def test_a_suffix_taken_by_another_heading_is_skipped() -> None:
    # `## h-1` reads like a generated suffix: the second `## h` must not reuse it.
    assert claim_all(["h", "h-1", "h", "h", "h-3", "h"]) == [
        "h",
        "h-1",
        "h-2",
        "h-3",
        "h-3-1",
        "h-4",
    ]
    assert claim_all(["h-2", "h", "h", "h", "h"]) == ["h-2", "h", "h-1", "h-3", "h-4"]


@given(st.lists(st.sampled_from(["h", "h-1", "h-2", "h-1-1", "h-10", "x", "x-1"]), max_size=60))
def test_same_ids_as_the_first_free_suffix(wanted: list[str]) -> None:
    assert claim_all(wanted) == first_free(wanted)


def test_many_repeats_take_linear_time() -> None:
    # 40,000 claims: the old count-from-1 loop took 6.3 s for 10,000 and ~100 s for these.
    wanted = ["h", "h-1"] * 20_000
    start = time.perf_counter()
    ids = claim_all(wanted)
    assert time.perf_counter() - start < 2.0
    assert len(set(ids)) == len(ids)
    assert ids[:6] == ["h", "h-1", "h-2", "h-1-1", "h-3", "h-1-2"]
