"""Faceted filtering with counts, pure: items in, the filtered items and counts out.

Within one facet the chosen values are alternatives (OR); across facets they all
apply (AND). A facet's counts are computed with every *other* facet applied, so
each count says how many results choosing that value would give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Faceted(Generic[T]):
    items: list[T]
    facets: dict[str, list[FacetValue]]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    total: int

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)

    @property
    def has_next(self) -> bool:
        return self.last < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def facet(
    items: Sequence[T],
    keys: Mapping[str, Callable[[T], str | None]],
    selected: Mapping[str, set[str]],
) -> Faceted[T]:
    def matches(item: T, skip: str | None = None) -> bool:
        return all(
            keys[name](item) in chosen
            for name, chosen in selected.items()
            if chosen and name != skip and name in keys
        )

    counts: dict[str, list[FacetValue]] = {}
    for name, key in keys.items():
        tally: dict[str, int] = {}
        for item in items:
            value = key(item)
            if value and matches(item, skip=name):
                tally[value] = tally.get(value, 0) + 1
        chosen = selected.get(name, set())
        for value in chosen - tally.keys():
            tally[value] = 0  # keep a chosen value visible so it can be unchosen
        counts[name] = [
            FacetValue(value, count, value in chosen)
            for value, count in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        ]
    return Faceted([item for item in items if matches(item)], counts)


def paginate(items: Sequence[T], number: int, size: int) -> Page[T]:
    total = len(items)
    last_page = max(1, -(-total // size))
    number = min(max(number, 1), last_page)
    start = (number - 1) * size
    return Page(list(items[start : start + size]), number, size, total)
