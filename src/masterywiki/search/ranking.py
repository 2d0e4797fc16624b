"""The best documents of a bitmap by additive weights, found without scoring each one.

A document's score is the sum of the weights of the bitmaps ("leaves") that hold it,
times a boost for the documents of one more bitmap (glossary terms). Documents with
the same leaves score the same, so the search splits the candidates by one leaf at a
time into groups, best bound first, and stops once the wanted number of documents sit
in groups whose exact score no other group can beat. At 100,000 pages a common word's
title and summary matches are thousands of documents; scoring each one in Python cost
a search 100 ms and more, where a few dozen splits of big integers cost a millisecond.
Pure: bitmaps in, document numbers out.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterator, Sequence

# The positions of the set bits of each byte value.
_BYTE_BITS = tuple(tuple(bit for bit in range(8) if value >> bit & 1) for value in range(256))
_SET_BYTES = re.compile(rb"[^\x00]+")


def members(bits: int, limit: int | None = None) -> Iterator[int]:
    """The document numbers in a bitmap, in order (runs of empty bytes skipped in C)."""
    if limit is not None and limit <= 0:
        return
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    found = 0
    for run in _SET_BYTES.finditer(data):
        for index, byte in enumerate(run.group(), run.start()):
            base = index << 3
            for bit in _BYTE_BITS[byte]:
                yield base + bit
                found += 1
                if found == limit:
                    return


def best(
    candidates: int,
    leaves: Sequence[tuple[int, float]],
    boosted: int,
    boost: float,
    wanted: int,
) -> list[tuple[int, float]]:
    """The `wanted` best documents of `candidates` with their scores, best first, and
    the lower document number first among equal scores.

    `leaves`: (bitmap, weight >= 0) pairs; a document's score is the sum of the weights
    of the leaves holding it, times `boost` (>= 1) if `boosted` holds it."""
    ordered = sorted((pair for pair in leaves if pair[1] > 0), key=lambda pair: -pair[1])
    left = list(itertools.accumulate((w for _, w in reversed(ordered)), initial=0.0))[::-1]
    # Heap entries: (-upper bound, 1 once exact, tie-breaker, bits, partial sum, next
    # leaf, multiplier). A group still to split pops before an exact one of the same
    # bound, so every document that could score S is placed before S is handed out.
    order = itertools.count()
    heap: list[tuple[float, int, int, int, float, int, float]] = []

    def push(bits: int, partial: float, leaf: int, multiplier: float) -> None:
        if bits:
            exact = int(leaf == len(ordered))
            bound = multiplier * (partial + left[leaf])
            heapq.heappush(heap, (-bound, exact, next(order), bits, partial, leaf, multiplier))

    boosted &= candidates
    push(boosted, 0.0, 0, boost)
    push(candidates ^ boosted, 0.0, 0, 1.0)
    found: list[tuple[int, float]] = []
    while heap and len(found) < wanted:
        negative, exact, _, bits, partial, leaf, multiplier = heapq.heappop(heap)
        if not exact:
            inside = bits & ordered[leaf][0]
            push(inside, partial + ordered[leaf][1], leaf + 1, multiplier)
            push(bits ^ inside, partial, leaf + 1, multiplier)
            continue
        while heap and heap[0][:2] == (negative, 1):  # equal scores: lower numbers first
            bits |= heapq.heappop(heap)[3]
        score = -negative
        found += [(docnum, score) for docnum in members(bits, wanted - len(found))]
    return found
