from __future__ import annotations

import random
from array import array
from bisect import bisect_left

import pytest

from masterywiki.search.segmentwords import PackedWords, RarePostings

WORDS = sorted({"alder", "aspen", "bridg", "cross", "river", "otter", "a", "ab", "ñandu", "2024"})


def test_packed_words_keep_their_order_and_places() -> None:
    words = PackedWords(PackedWords.pack(WORDS))
    assert len(words) == len(WORDS)
    assert list(words) == WORDS == [words[i] for i in range(len(words))]
    assert [words.find(w) for w in WORDS] == list(range(len(WORDS)))
    assert words.find("aspens") is None and words.find("") is None
    assert list(words.starting_with("a")) == ["a", "ab", "alder", "aspen"]
    assert list(words.starting_with("as")) == ["aspen"]
    assert list(words.starting_with("zz")) == []
    with pytest.raises(IndexError):
        words[len(WORDS)]


def test_a_place_is_where_bisect_puts_a_word() -> None:
    chance = random.Random(7)
    letters = "abcñ"
    vocabulary = sorted(
        {"".join(chance.choices(letters, k=chance.randint(1, 5))) for _ in range(300)}
    )
    words = PackedWords(PackedWords.pack(vocabulary))
    for _ in range(500):
        probe = "".join(chance.choices(letters, k=chance.randint(0, 6)))
        assert words.position(probe) == bisect_left(vocabulary, probe)


def test_no_words() -> None:
    words = PackedWords(PackedWords.pack([]))
    assert len(words) == 0 and list(words) == [] and words.find("a") is None
    assert list(words.starting_with("")) == []


def test_a_word_list_cut_short_is_refused() -> None:
    with pytest.raises(ValueError, match="damaged"):
        PackedWords(PackedWords.pack(["alder", "aspen"])[:-1])


def _postings(ends: list[int], docs: list[int], tfs: list[int]) -> tuple[bytes, bytes, bytes]:
    return array("I", docs).tobytes(), array("H", tfs).tobytes(), array("I", ends).tobytes()


def test_rare_postings_answer_by_a_words_place() -> None:
    words = PackedWords(PackedWords.pack(["alder", "cross", "river"]))
    # alder on documents 4; cross on 3 and 9; river common (kept elsewhere: none here)
    postings = RarePostings(words, *_postings([0, 1, 3, 3], [4, 3, 9], [7, 1, 2]))
    assert postings.get("alder") == (array("I", [4]).tobytes(), array("H", [7]).tobytes())
    assert postings.get("cross") == (array("I", [3, 9]).tobytes(), array("H", [1, 2]).tobytes())
    assert postings.get("river") is None and "river" not in postings
    assert "alder" in postings and "aspen" not in postings and postings.get("zz") is None


@pytest.mark.parametrize(
    ("ends", "docs", "tfs"),
    [
        ([0, 1, 3], [4, 3, 9], [7, 1, 2]),  # ends for two words of three
        ([0, 1, 3, 3], [4, 3, 9], [7, 1]),  # a frequency missing
        ([1, 1, 3, 3], [4, 3, 9], [7, 1, 2]),  # not starting at 0
    ],
)
def test_damaged_rare_postings_are_refused(
    ends: list[int], docs: list[int], tfs: list[int]
) -> None:
    words = PackedWords(PackedWords.pack(["alder", "cross", "river"]))
    with pytest.raises(ValueError, match="damaged"):
        RarePostings(words, *_postings(ends, docs, tfs))
