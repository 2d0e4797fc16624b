"""Per-segment search tables: the bitmaps of document numbers."""

from __future__ import annotations

from array import array

from masterywiki.search.ranking import members
from masterywiki.search.tables import bitmap


def test_a_bitmap_holds_the_documents_given() -> None:
    ids = [0, 3, 8, 9, 64, 1000]
    bits = bitmap(ids)
    assert bits == sum(1 << d for d in ids)
    assert list(members(bits)) == ids
    assert bitmap(array("I", ids)) == bits == bitmap(iter(ids)) == bitmap(reversed(ids))
    assert list(members(bits, limit=2)) == [0, 3]
    assert bitmap([]) == 0 and bitmap(array("I")) == 0 and list(members(0)) == []
    assert bitmap([5, 5]) == 1 << 5
