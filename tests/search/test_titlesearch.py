"""Searching titles and aliases from the catalog, while there is no index yet (pure)."""

from __future__ import annotations

import pytest

from masterywiki.search import titlesearch
from masterywiki.search.titlesearch import TitleNames, title_results, title_suggestions
from masterywiki.search.values import SearchResults
from tests.content.test_checkcache import catalog_of

PAGES = {
    "index.md": "# Home\n\n```{toctree}\nglossary/index\n```\n",
    "glossary/index.md": "# Glossary\n\n```{toctree}\nrubric\nrubric-rows\n```\n",
    "glossary/rubric.md": (
        "---\ntype: term\naliases: [scoring guide]\nsummary: A <scale> of quality levels.\n"
        "tags: [assessment]\n---\n# Rubric\n\nBody words never searched here.\n"
    ),
    "glossary/rubric-rows.md": "---\ntype: term\n---\n# Rubric rows\n",
    "framework/grading-policy.md": (
        "---\ntags: [assessment]\n---\n# Grading policy and rubric use\n"
    ),
    "framework/evaluacion.md": "# Evaluación formativa\n",
    "framework/habits.md": "# Habits of work\n\nA rubric is mentioned only in the body.\n",
}


def search(
    text: str, filters: dict[str, tuple[str, ...]] | None = None, page: int = 1
) -> SearchResults:
    """Two hits a page, as if 40 of 100 pages were indexed so far."""
    catalog = catalog_of(PAGES)
    table = TitleNames().of(catalog)
    return title_results(table, catalog, text, filters or {}, page, 2, (40, 100), {}, "en")


def names(results: SearchResults) -> list[str]:
    return [hit.name for hit in results.hits]


def test_an_exact_name_then_a_name_it_begins_then_names_with_every_word() -> None:
    found = search("rubric", page=1)
    assert found.total == 3
    assert names(found) == ["glossary/rubric", "glossary/rubric-rows"]
    assert names(search("rubric", page=2)) == ["framework/grading-policy"]
    assert search("rubric").indexing == (40, 100)


def test_only_titles_and_aliases_count_and_words_begin_a_word() -> None:
    assert names(search("scoring guide")) == ["glossary/rubric"]
    assert names(search("scor")) == ["glossary/rubric"]  # as typed, unfinished
    assert search("ubric").total == 0  # inside a word: no match
    assert search("mentioned").total == 0  # the body is not searched
    assert search("policy rubric").total == 1  # every word, in any order
    assert search("policy habits").total == 0


def test_or_gives_alternatives_and_not_leaves_out() -> None:
    assert names(search("habits OR evaluacion")) == ["framework/habits", "framework/evaluacion"]
    assert search("rubric NOT rows").total == 2
    assert "glossary/rubric-rows" not in names(search("rubric NOT rows", page=1))
    assert names(search('"scoring guide" AND rubric')) == ["glossary/rubric"]
    assert search("NOT rubric").total == 0  # nothing wanted: nothing found


def test_accents_are_optional_either_way() -> None:
    assert names(search("evaluacion")) == ["framework/evaluacion"]
    assert names(search("Evaluación")) == ["framework/evaluacion"]


def test_facet_filters_narrow_the_titles() -> None:
    assert names(search("rubric", filters={"type": ("term",)})) == [
        "glossary/rubric",
        "glossary/rubric-rows",
    ]
    assert names(search("rubric", filters={"section": ("framework",)})) == [
        "framework/grading-policy"
    ]
    both = search("rubric", filters={"tag": ("assessment",), "type": ("page",)})
    assert names(both) == ["framework/grading-policy"]


def test_a_hit_has_its_place_type_and_summary_escaped() -> None:
    hit = search("rubric").hits[0]
    assert hit.url == "/glossary/rubric"
    assert hit.type == "term"
    assert [crumb.url for crumb in hit.breadcrumbs] == ["/", "/glossary"]
    assert hit.snippet == "A &lt;scale&gt; of quality levels."
    assert hit.tags == ("assessment",)


def test_names_follow_a_changed_title_and_read_only_what_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    titles = TitleNames()
    before = catalog_of(PAGES)
    table = titles.of(before)
    assert titles.of(before) is table  # the same catalog: nothing read again
    read: list[str] = []
    spaced = titlesearch._spaced
    monkeypatch.setattr(titlesearch, "_spaced", lambda r: read.append(r.name) or spaced(r))
    after = catalog_of({**PAGES, "framework/habits.md": "# Work habits and rubric\n"})

    def titles_found(text: str) -> list[str]:
        found = title_results(titles.of(after), after, text, {}, 1, 10, (0, 0), {}, "en")
        return [hit.title for hit in found.hits]

    assert titles_found("habits rubric") == ["Work habits and rubric"]
    assert titles_found("habits of work") == []
    assert read == ["framework/habits"]


def test_an_empty_query_finds_nothing() -> None:
    assert search("  ").total == 0
    assert search("?!").hits == ()


def test_suggestions_from_titles_as_typed() -> None:
    catalog = catalog_of(PAGES)
    found = title_suggestions(TitleNames().of(catalog), catalog, "rub", 5)
    assert [(s.title, s.url, s.type, s.context) for s in found] == [
        ("Rubric", "/glossary/rubric", "term", "Glossary"),
        ("Rubric rows", "/glossary/rubric-rows", "term", "Glossary"),
        ("Grading policy and rubric use", "/framework/grading-policy", "page", "framework"),
    ]
