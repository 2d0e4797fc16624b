"""Search in every language: each page analysed in its own language, the query read in
each language of the wiki, pages in the reader's language first, synonyms per language."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki
from masterywiki.search import SearchService, StemmingWords
from masterywiki.search.languages import analysis, fold, marked, unmark
from masterywiki.search.synonyms import synonyms_language
from tests.conftest import commit_files


def spanish(title: str, body: str, source: str | None = None, extra: str = "") -> str:
    translation = f"translation_of: {source}\n" if source else ""
    return f"---\ntitle: {title}\nlang: es\n{translation}{extra}---\n\n# {title}\n\n{body}\n"


PAGES = {
    "es/guide/grading.md": spanish(
        "Política de calificaciones",
        "Las calificaciones muestran lo que su hijo aprendió. Cada calificación se basa en"
        " la evidencia más reciente. Riverbend publica el boletín cada trimestre.",
        source="guide/first",
    ),
    "es/guide/reports.md": spanish(
        "Cómo leer el boletín",
        "El boletín tiene una nota para cada competencia y una evaluación de los hábitos.",
    ),
    "es/guide/family.md": spanish(
        "Reuniones con las familias",
        "Las reuniones con los maestros ocurren dos veces al año. Era una buena idea.",
    ),
    "guide/riverbend.md": (
        "---\ntitle: Riverbend district\n---\n\n# Riverbend district\n\n"
        "Riverbend publishes report cards each term. It was a different era.\n"
    ),
    "synonyms.es.txt": "# Sinónimos\nboletín, libreta de calificaciones\n",
    "synonyms.txt": "report card, grade report\n",
}


@pytest.fixture
def service(basic_repo: Path, tmp_path: Path) -> Iterator[SearchService]:
    commit_files(basic_repo, PAGES)
    wiki = Wiki(GitStorage(basic_repo))
    found = SearchService(wiki, tmp_path / "instance" / "search", wait=30)
    yield found
    found.close()
    wiki.storage.close()


def names(service: SearchService, text: str, lang: str | None = None) -> list[str]:
    return [hit.name for hit in service.search(text, lang=lang).hits]


# -- analysis ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        ("calificaciones", "calificación", "calificacion", "CALIFICACIÓN"),
        ("evaluación", "evaluacion", "evaluaciones"),
        ("maestría", "maestria", "maestrías"),
        ("boletín", "boletin"),
        ("niño", "nino", "niños"),
    ],
)
def test_spanish_words_with_or_without_accents_share_a_stem(words: tuple[str, ...]) -> None:
    es = StemmingWords("es")
    assert len({tuple(es.words(word)) for word in words}) == 1, [es.words(w) for w in words]


def test_english_analysis_is_the_porter_one_it_always_was() -> None:
    assert StemmingWords().words("The grading of rubrics, and café") == ["grade", "rubric", "café"]
    assert StemmingWords().words("las calificaciones") == ["la", "calificacion"]


def test_spanish_stop_words_are_left_out_accents_or_not() -> None:
    assert StemmingWords("es").words("Las notas de él y más") == ["not"]
    assert analysis("es-MX") is analysis("es"), "a region is analysed as its language"
    assert fold("Ñandú, acción") == "Nandu, accion"


def test_a_value_marked_with_its_language_is_analysed_in_it() -> None:
    value = marked("es", "Las calificaciones")
    assert unmark(value) == ("es", "Las calificaciones", 4)
    assert [t.text for t in StemmingWords()(value)] == ["calif"]
    assert marked("en", "Grades") == "Grades"
    tokens = list(StemmingWords()(value, chars=True))
    assert value[tokens[0].startchar : tokens[0].endchar] == "calificaciones"


def test_synonyms_files_per_language() -> None:
    assert synonyms_language("synonyms.txt") == ""
    assert synonyms_language("synonyms.es.txt") == "es"
    assert synonyms_language("synonyms.pt-br.txt") == "pt-br"
    assert synonyms_language("docs/synonyms.es.txt") is None
    assert synonyms_language("synonyms.spanish.txt") is None


# -- searching --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["calificaciones", "calificación", "calificacion", "Calificacion"])
def test_spanish_grading_pages_are_found_with_or_without_accents(
    service: SearchService, text: str
) -> None:
    assert names(service, text) == ["es/guide/grading"]


def test_spanish_stemming_finds_other_forms(service: SearchService) -> None:
    assert names(service, "evaluaciones") == ["es/guide/reports"]
    assert names(service, "competencias") == ["es/guide/reports"]
    assert names(service, "reunión") == ["es/guide/family"]


def test_spanish_stop_words_do_not_have_to_be_found(service: SearchService) -> None:
    assert names(service, "las calificaciones de la escuela") == []  # escuela: on no page
    assert names(service, "las calificaciones de su hijo") == ["es/guide/grading"]
    assert names(service, "de la") == []


def test_a_spanish_stop_word_is_still_an_english_word(service: SearchService) -> None:
    # "era" is a stop word in Spanish, a word in English: English pages are read in English.
    assert names(service, "era") == ["guide/riverbend"]


def test_english_stop_words_do_not_have_to_be_found_either(service: SearchService) -> None:
    assert names(service, "the riverbend district") == ["guide/riverbend"]


def test_a_phrase_in_spanish(service: SearchService) -> None:
    assert names(service, '"la evidencia más reciente"') == ["es/guide/grading"]
    assert names(service, '"evidencia reciente"') == ["es/guide/grading"], "stop word skipped"
    assert names(service, '"reciente evidencia"') == []


def test_the_readers_language_comes_first(service: SearchService) -> None:
    assert names(service, "riverbend") == ["guide/riverbend", "es/guide/grading"]
    assert names(service, "riverbend", lang="es") == ["es/guide/grading", "guide/riverbend"]
    assert names(service, "riverbend", lang="es-MX")[0] == "es/guide/grading"
    hits = service.search("riverbend", lang="es").hits
    assert [hit.lang for hit in hits] == ["es", "en"]


def test_spanish_synonyms_apply_to_the_spanish_reading(service: SearchService) -> None:
    results = service.search("libreta de calificaciones")
    assert {hit.name for hit in results.hits} == {"es/guide/grading", "es/guide/reports"}
    assert "boletín" in results.synonyms
    # the English file's groups are for English pages: "report card" finds the English page
    assert names(service, "grade report") == ["guide/riverbend"]


def test_snippets_mark_words_written_with_accents(service: SearchService) -> None:
    hit = service.search("calificacion").hits[0]
    assert "<mark>calificaciones</mark>" in hit.snippet
    assert "<mark>calificación</mark>" in hit.snippet


def test_a_misspelled_spanish_word_gets_a_suggestion_an_unaccented_one_none(
    service: SearchService,
) -> None:
    assert service.search("calificacion").suggestion is None
    assert service.search("boletn").suggestion == "boletín"


def test_a_wiki_in_one_language_reads_the_query_once(basic_repo: Path, tmp_path: Path) -> None:
    wiki = Wiki(GitStorage(basic_repo))
    found = SearchService(wiki, tmp_path / "one" / "search", wait=30)
    try:
        found.search("grading")
        _, docs = found._searcher()
        assert docs.languages() == ["en"]
    finally:
        found.close()
        wiki.storage.close()


def test_a_wiki_whose_own_language_is_spanish(repo_factory: object, tmp_path: Path) -> None:
    repo = repo_factory(  # type: ignore[operator]
        {
            "index.md": "# Inicio\n\nLas calificaciones del trimestre.\n",
            "synonyms.txt": "boletín, libreta\n",
        }
    )
    wiki = Wiki(GitStorage(repo), language="es")
    found = SearchService(wiki, tmp_path / "es" / "search", wait=30, language="es")
    try:
        assert names(found, "calificacion") == ["index"]
        assert found.search("calificacion").hits[0].lang == "es"
    finally:
        found.close()
        wiki.storage.close()


# -- on the web -------------------------------------------------------------------------


def test_the_json_search_takes_the_readers_language(client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, PAGES)
    found = client.get("/-/api/v1/search?q=riverbend&lang=es").get_json()
    assert [(r["path"], r["lang"]) for r in found["results"]] == [
        ("es/guide/grading", "es"),
        ("guide/riverbend", "en"),
    ]
    plain = client.get("/-/api/v1/search?q=riverbend&lang=<b>").get_json()
    assert plain["results"][0]["path"] == "guide/riverbend", "a bad code is ignored"
    page = client.get("/-/search?q=riverbend&lang=es").get_data(as_text=True)
    assert 'lang="es">Política de calificaciones</a>' in page
    assert "/-/search?q=riverbend&amp;lang=es&amp;section=" in page, "facet links keep it"


def test_search_as_you_type_with_or_without_accents(service: SearchService) -> None:
    for typed in ("Política de calif", "politica de calif", "POLITICA"):
        assert [s.url for s in service.suggest(typed)] == ["/es/guide/grading"], typed


def test_a_definition_in_the_language_asked_for(service: SearchService, basic_repo: Path) -> None:
    commit_files(
        basic_repo,
        {
            "es/glossary/rubric.md": spanish(
                "Rúbrica",
                "Una guía de puntuación.",
                source="glossary/rubric",
                extra="type: term\nsummary: Una guía de puntuación.\n",
            )
        },
    )
    plain = service.search("rubric").definition
    assert plain is not None and (plain.name, plain.lang) == ("glossary/rubric", "en")
    asked = service.search("rubric", lang="es").definition
    assert asked is not None and (asked.name, asked.title, asked.lang) == (
        "es/glossary/rubric",
        "Rúbrica",
        "es",
    )
    typed = service.search("rubrica").definition  # its own name, accents optional
    assert typed is not None and typed.name == "es/glossary/rubric"
