"""Faceted filtering with counts, pure: items in, the filtered items and counts out.

Within one facet the chosen values are alternatives (OR); across facets they all
apply (AND). A facet's counts are computed with every *other* facet applied, so
each count says how many results choosing that value would give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import quote_plus

T = TypeVar("T")
MAX_VALUES = 20  # values of one filter in one request; see `chosen`


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


def chosen(values: Iterable[str]) -> tuple[str, ...]:
    """The values a request chose for one filter: distinct, non-empty, in the order given,
    and at most MAX_VALUES of them.

    Values past the twentieth are ignored rather than refused with an error: the site's
    own links add one value per click, so only a hand-made or generated URL holds more,
    and it still gets an answer; the page shows the filters that applied (the API lists
    them under "filters"). Every facet link repeats the chosen values, so without a cap
    a page grew with the square of them: 5,000 `tag=` made 674 MB of HTML in 74 s.
    """
    found: dict[str, None] = {}
    for value in values:
        if value and value not in found:
            found[value] = None
            if len(found) == MAX_VALUES:
                break
    return tuple(found)


class QueryLinks:
    """Query strings for a listing's links: the same parameters with one filter value
    toggled, or with some parameters replaced (None drops one).

    Each parameter is encoded once, when the listing is shown, so a link costs only its
    own length; the old links re-encoded every parameter for every link.
    """

    def __init__(self, params: Mapping[str, Sequence[str]]) -> None:
        self._values = {name: [v for v in values if v] for name, values in params.items()}
        self._encoded = {name: [_pair(name, v) for v in vs] for name, vs in self._values.items()}

    def query(self, toggle: tuple[str, str] | None = None, **changes: object) -> str:
        """'a=1&b=2', in the order the parameters were given (new ones last)."""
        parts: list[str] = []
        toggled = [toggle[0]] if toggle else []
        for name in dict.fromkeys([*self._values, *changes, *toggled]):
            if name in changes:
                new = changes[name]
                parts += [_pair(name, str(new))] if new not in (None, "") else []
            elif toggle is not None and name == toggle[0]:
                values, encoded = self._values.get(name, []), self._encoded.get(name, [])
                if toggle[1] in values:
                    parts += [
                        pair for v, pair in zip(values, encoded, strict=True) if v != toggle[1]
                    ]
                else:
                    parts += [*encoded, _pair(name, toggle[1])]
            else:
                parts += self._encoded[name]
        return "&".join(parts)


def _pair(name: str, value: str) -> str:
    return f"{quote_plus(name)}={quote_plus(value)}"  # as urlencode writes it
