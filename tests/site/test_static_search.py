"""The static search index: its postings are those of the plain definition (every word of
every field, masks OR'ed per document), however the builder gets there."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from masterywiki.site import static_search as s

_WORDS = st.sampled_from(["rubric", "rubrics", "grading", "policy", "mastery", "Scoring", "x1"])
_TEXT = st.lists(_WORDS, max_size=4).map(" ".join)


def reference(entries: list[s.Entry]) -> dict[str, list[int]]:
    """The postings straight from the format's definition: one mask per word and page."""
    masks: dict[str, dict[int, int]] = {}
    for doc, item in enumerate(entries):
        fields = [(item.body, s.BODY), (item.title, s.TITLE), (item.summary, s.SUMMARY)]
        fields += [(a, s.ALIAS) for a in item.aliases] + [(h, s.HEADING) for h in item.headings]
        fields += [(t, s.SUMMARY) for t in item.tags]
        for text, bit in fields:
            for word in text.split() if bit == s.BODY else map(s.stem, s.words(text)):
                masks.setdefault(word, {})[doc] = masks.get(word, {}).get(doc, 0) | bit
    terms: dict[str, list[int]] = {}
    for word in sorted(masks):
        postings: list[int] = []
        last = -1
        for doc in sorted(masks[word]):
            mask = masks[word][doc]
            postings += [doc - last] if mask == s.BODY else [last - doc, mask]
            last = doc
        terms[word] = postings
    return terms


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(_TEXT, _TEXT, st.lists(_TEXT, max_size=2), st.lists(_TEXT, max_size=2), _TEXT),
        max_size=8,
    )
)
def test_postings_match_the_plain_definition(
    pages: list[tuple[str, str, list[str], list[str], str]],
) -> None:
    entries = [
        s.entry(f"p{i}/", title, summary, "page", "", aliases, headings, ("policy",), body)
        for i, (title, summary, aliases, headings, body) in enumerate(pages)
    ]
    index = s.build_index(entries, [])
    assert index["terms"] == reference(entries)
    assert index["docs"] == [[e.path, e.title, e.summary, e.type, e.context] for e in entries]


_PAGES = st.lists(
    st.tuples(_TEXT, _TEXT, st.lists(_TEXT, max_size=2), _TEXT, st.integers(0, 3)),
    max_size=10,
)


@settings(max_examples=60)
@given(_PAGES, st.sampled_from(["rubric", "rubrics grading", "scor", "mastery policy", "x1"]))
def test_an_index_in_parts_searches_as_one_index(
    pages: list[tuple[str, str, list[str], str, int]], query: str
) -> None:
    """Parts written as the build writes them and merged as static-search.js merges
    them find what one index of the same pages (in the same order) finds."""
    entries = [
        (part, s.entry(f"p{i}/", title, summary, "page", "", aliases, (), (), body))
        for i, (title, summary, aliases, body, part) in enumerate(pages)
    ]
    groups = [("rubric", "scoring guide"), ("mastery", "competency")]
    parts = [[e for part, e in entries if part == k] for k in range(4)]
    first = s.load_script(s.script(s.first_part(s.build_index(parts[0], groups), 4)))
    assert first["parts"] == ["searchindex-1.js", "searchindex-2.js", "searchindex-3.js"]
    rest = []
    for k in range(1, 4):
        number, data = s.load_part(s.part_script(k, s.build_index(parts[k], [])))
        assert number == k
        rest.append(data)
    merged = s.merge(first, rest)
    whole = s.build_index([e for part in parts for e in part], groups)
    assert merged["docs"] == whole["docs"] and merged["names"] == whole["names"]
    assert s.search(merged, query) == s.search(whole, query)


def test_parts_are_powers_of_two_and_a_page_keeps_its_part() -> None:
    assert [s.part_count(n) for n in (0, 1000, 1001, 4000, 4001, 100021)] == [1, 1, 2, 4, 8, 128]
    assert s.part_of("sec-01/page-1", 1) == 0
    assert s.part_of("sec-01/page-1", 128) == s.part_of("sec-01/page-1", 128) < 128
    spread = {s.part_of(f"sec-{i % 20:02}/page-{i}", 128) for i in range(10_000)}
    assert len(spread) == 128
    assert s.first_part({"docs": []}, 1) == {"docs": []}  # one part: today's file
