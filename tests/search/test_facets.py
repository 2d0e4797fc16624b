"""Facet counts and pagination."""

from __future__ import annotations

from urllib.parse import urlencode

from masterywiki.search.facets import MAX_VALUES, FacetValue, QueryLinks, chosen, facet, paginate

ITEMS = [
    {"kind": "rubric", "org": "district"},
    {"kind": "rubric", "org": "school"},
    {"kind": "guide", "org": "district"},
    {"kind": "guide", "org": None},
    {"kind": "tool", "org": "district"},
]
KEYS = {"kind": lambda i: i["kind"], "org": lambda i: i["org"]}


def test_counts_without_filters() -> None:
    result = facet(ITEMS, KEYS, {})
    assert len(result.items) == 5
    assert result.facets["kind"] == [
        FacetValue("guide", 2, False), FacetValue("rubric", 2, False), FacetValue("tool", 1, False),
    ]  # fmt: skip


def test_filters_combine_and_counts_use_the_other_facets() -> None:
    result = facet(ITEMS, KEYS, {"org": {"district"}})
    assert [i["kind"] for i in result.items] == ["rubric", "guide", "tool"]
    kinds = {v.value: v.count for v in result.facets["kind"]}
    assert kinds == {"rubric": 1, "guide": 1, "tool": 1}
    orgs = {v.value: (v.count, v.selected) for v in result.facets["org"]}
    assert orgs == {"district": (3, True), "school": (1, False)}
    both = facet(ITEMS, KEYS, {"org": {"district"}, "kind": {"rubric", "tool"}})
    assert len(both.items) == 2


def test_chosen_value_with_no_results_stays_visible() -> None:
    result = facet(ITEMS, KEYS, {"kind": {"podcast"}})
    assert result.items == []
    assert FacetValue("podcast", 0, True) in result.facets["kind"]


def test_pagination_text_numbers() -> None:
    page = paginate(list(range(23)), 2, 10)
    assert (page.first, page.last, page.total, page.has_next, page.pages) == (11, 20, 23, True, 3)
    last = paginate(list(range(23)), 9, 10)
    assert (last.number, last.first, last.last, last.has_next) == (3, 21, 23, False)
    assert paginate([], 1, 10).first == 0


def test_chosen_values_are_distinct_non_empty_and_at_most_twenty() -> None:
    assert chosen(["b", "", "a", "b"]) == ("b", "a")
    many = [f"t{i}" for i in range(5000)]
    assert chosen(many) == tuple(many[:MAX_VALUES])
    assert chosen(["x"] * 5000 + ["y"]) == ("x", "y")  # repeats do not use up the twenty


def test_query_links_toggle_replace_and_drop() -> None:
    links = QueryLinks({"q": ["a b"], "tag": ["x", "y&z"], "type": []})
    assert links.query() == "q=a+b&tag=x&tag=y%26z"
    assert links.query(("tag", "x")) == "q=a+b&tag=y%26z"  # chosen: the link unchooses it
    assert links.query(("type", "term")) == "q=a+b&tag=x&tag=y%26z&type=term"
    assert links.query(("section", "s"), page=2) == "q=a+b&tag=x&tag=y%26z&page=2&section=s"
    assert links.query(q="c", tag=None) == "q=c"
    assert links.query(q="") == "tag=x&tag=y%26z"
    assert links.query(("tag", "y&z")) == urlencode({"q": "a b", "tag": "x"})  # urlencode's form
