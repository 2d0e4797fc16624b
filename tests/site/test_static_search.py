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
