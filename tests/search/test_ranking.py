"""The best documents by additive weights, against scoring every document."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from masterywiki.search.ranking import best, members
from masterywiki.search.tables import bitmap

BOOST = 1.2


def scored_one_by_one(
    candidates: int, leaves: list[tuple[int, float]], boosted: int, wanted: int
) -> list[tuple[int, float]]:
    scores = []
    for docnum in members(candidates):
        score = sum(weight for bits, weight in leaves if bits >> docnum & 1)
        scores.append((docnum, score * (BOOST if boosted >> docnum & 1 else 1.0)))
    scores.sort(key=lambda item: (-item[1], item[0]))
    return scores[:wanted]


def same(found: list[tuple[int, float]], expected: list[tuple[int, float]]) -> None:
    assert [d for d, _ in found] == [d for d, _ in expected]
    for (_, a), (_, b) in zip(found, expected, strict=True):
        assert abs(a - b) < 1e-9


bitmaps = st.sets(st.integers(0, 300)).map(bitmap)
# Weights from a few values, so that many documents tie and the order among them shows.
weights = st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.25])


@settings(max_examples=200, deadline=None)
@given(
    candidates=bitmaps,
    leaves=st.lists(st.tuples(bitmaps, weights), max_size=8),
    boosted=bitmaps,
    wanted=st.integers(1, 40),
)
def test_the_best_are_those_scoring_each_document_finds(
    candidates: int, leaves: list[tuple[int, float]], boosted: int, wanted: int
) -> None:
    found = best(candidates, leaves, boosted, BOOST, wanted)
    same(found, scored_one_by_one(candidates, leaves, boosted, wanted))


def test_a_large_wiki_with_many_leaves() -> None:
    rng = random.Random(7)
    size = 100_000
    candidates = bitmap(rng.sample(range(size), 30_000))
    leaves = [
        (bitmap(rng.sample(range(size), rng.choice([50, 2_000, 20_000]))), rng.random() * 5)
        for _ in range(12)
    ]
    boosted = bitmap(rng.sample(range(size), 500))
    for wanted in (1, 10, 20, 200):
        same(
            best(candidates, leaves, boosted, BOOST, wanted),
            scored_one_by_one(candidates, leaves, boosted, wanted),
        )


def test_no_candidates_no_leaves_and_nothing_wanted() -> None:
    assert best(0, [(0b111, 1.0)], 0, BOOST, 10) == []
    assert best(0b1011, [], 0, BOOST, 10) == [(0, 0.0), (1, 0.0), (3, 0.0)]
    assert best(0b1011, [], 0b1000, BOOST, 2) == [(0, 0.0), (1, 0.0)]  # boosted nothing
    assert best(0b1011, [(0b1010, 1.0)], 0b1000, BOOST, 2) == [(3, 1.2), (1, 1.0)]
    assert best(0b1011, [(0b1, 1.0)], 0, BOOST, 0) == []


def test_members_skips_long_empty_runs() -> None:
    ids = [0, 7, 8, 80_000, 80_001, 99_999]
    assert list(members(bitmap(ids))) == ids
    assert list(members(bitmap(ids), limit=4)) == ids[:4]
    assert list(members(bitmap(ids), limit=0)) == []
