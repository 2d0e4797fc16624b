"""A segment's body stems, sorted and packed in one string, and their rare postings.

A segment of 50,000 pages of a large wiki has about 100,000 distinct stems, nearly all of
them rare. Held as a list of strings and a dict of postings they took 8 MB of each
worker's memory per segment, and a phrase query built a dict of ids of another 10 MB;
packed, a stem's place in sorted order is its id and a binary search finds it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence

_END = "\n"  # after each stem: never in one (see `schema.StemmingWords`'s word pattern)


class PackedWords(Sequence[str]):
    """Sorted distinct words in one string: the i-th word, and a word's place."""

    def __init__(self, packed: str) -> None:
        self._packed = packed
        self._starts = array("I", [0])
        at = packed.find(_END)
        while at >= 0:
            self._starts.append(at + 1)
            at = packed.find(_END, at + 1)
        if packed and not packed.endswith(_END):
            raise ValueError("damaged search tables: a word list not ended")

    @staticmethod
    def pack(words: Sequence[str]) -> str:
        """`words` (sorted, distinct, none holding a line break) as `PackedWords` keep them."""
        return "".join(word + _END for word in words)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._packed[self._starts[index] : self._starts[index + 1] - 1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._packed.split(_END)[:-1])

    def position(self, word: str) -> int:
        """Where `word` is or would go (as `bisect_left`)."""
        low, high = 0, len(self)
        while low < high:
            middle = (low + high) // 2
            if self[middle] < word:
                low = middle + 1
            else:
                high = middle
        return low

    def find(self, word: str) -> int | None:
        """The place of `word`, else None."""
        at = self.position(word)
        return at if at < len(self) and self[at] == word else None

    def starting_with(self, prefix: str) -> Iterator[str]:
        """The words that start with `prefix`, in order."""
        for at in range(self.position(prefix), len(self)):
            word = self[at]
            if not word.startswith(prefix):
                return
            yield word


class RarePostings:
    """The postings of a segment's rare stems, as the tables file keeps them: all
    documents and all frequencies in two byte strings, and for the i-th stem of the
    segment's words where its postings end (a common stem's are empty)."""

    def __init__(self, words: PackedWords, docs: bytes, tfs: bytes, ends: bytes) -> None:
        self._words = words
        self._docs, self._tfs = docs, tfs
        self._ends = array("I", ends)
        if len(self._ends) != len(words) + 1 or self._ends[:1] != array("I", [0]):
            raise ValueError("damaged search tables: postings for other words")
        if len(docs) != 4 * self._ends[-1] or len(tfs) != 2 * self._ends[-1]:
            raise ValueError("damaged search tables: postings of different lengths")

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def get(self, word: str) -> tuple[bytes, bytes] | None:
        at = self._words.find(word)
        if at is None:
            return None
        start, end = self._ends[at], self._ends[at + 1]
        if start == end:
            return None  # a common stem
        return self._docs[4 * start : 4 * end], self._tfs[2 * start : 2 * end]
