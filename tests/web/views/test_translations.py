"""Translated pages on the web: each links its other languages, with hreflang
alternates, and its own `lang` on the article; `check` says when one may be out of date."""

from __future__ import annotations

import time
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask.testing import FlaskClient

from masterywiki.cli import main
from tests.conftest import commit_files

SPANISH = (
    "---\ntitle: Primer capítulo\nlang: es\ntranslation_of: guide/first\n---\n\n"
    "# Primer capítulo\n\nLa traducción.\n"
)


def page(client: FlaskClient, url: str) -> BeautifulSoup:
    answer = client.get(url)
    assert answer.status_code == 200
    return BeautifulSoup(answer.data, "html.parser")


def test_a_page_and_its_translation_link_each_other(client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, {"es/guide/first.md": SPANISH})
    english = page(client, "/guide/first")
    assert english.html["lang"] == "en"
    alternates = {a["hreflang"]: a["href"] for a in english.select("link[rel=alternate][hreflang]")}
    assert alternates == {"en": "/guide/first", "es": "/es/guide/first"}
    links = english.select(".page-languages a")
    assert [(a.get_text(), a["href"], a["lang"]) for a in links] == [
        ("Español", "/es/guide/first", "es")
    ]
    spanish = page(client, "/es/guide/first")
    # <html lang> is the interface's language; the article says its own.
    assert spanish.html["lang"] == "en"
    assert spanish.select_one("article.page")["lang"] == "es"
    assert not english.select_one("article.page").has_attr("lang")
    assert [a.get_text() for a in spanish.select(".page-languages a")] == ["English"]
    assert page(client, "/guide/second").select(".page-languages") == []


def test_check_warns_when_the_source_changed_after_its_translation(
    basic_repo: Path, tmp_path: Path
) -> None:
    translated = commit_files(basic_repo, {"es/guide/first.md": SPANISH}, "Translate")
    time.sleep(1.1)  # commits are dated to the second
    changed = commit_files(
        basic_repo, {"guide/first.md": (basic_repo / "guide" / "first.md").read_text() + "New.\n"}
    )
    result = CliRunner().invoke(
        main, ["check", "--repo", str(basic_repo), "--instance", str(tmp_path / "instance")]
    )
    assert (
        f"es/guide/first.md:2: warning: translation may be out of date: 'guide/first' changed"
        f" after it ({translated[:10]}..{changed[:10]})"
    ) in result.stdout


# -- terms and navigation in the reader's language ------------------------------------------

FAMILY = {
    "es/glossary/rubric.md": (
        "---\ntitle: Rúbrica\ntype: term\nlang: es\ntranslation_of: glossary/rubric\n"
        "summary: Una guía que describe cada nivel.\naliases: [rúbricas]\n---\n\n# Rúbrica\n\n"
        "La definición para las familias.\n"
    ),
    "es/guide/first.md": (
        "---\ntitle: Primer capítulo\nlang: es\ntranslation_of: guide/first\n---\n\n"
        "# Primer capítulo\n\nUna {term}`rúbrica <Rubric>`, las {term}`rúbricas`, y la"
        " {term}`composición <Grade Composition>`.\n"
    ),
}


def test_terms_on_a_spanish_page_link_their_spanish_version(
    client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, FAMILY)
    terms = page(client, "/es/guide/first").select("a.xref.term")
    assert [(a.get_text(), a["href"], a["data-summary"]) for a in terms] == [
        ("rúbrica", "/es/glossary/rubric", "Una guía que describe cada nivel."),
        ("rúbricas", "/es/glossary/rubric", "Una guía que describe cada nivel."),
        ("composición", "/glossary/grade-composition", "How a final grade is built from evidence."),
    ]
    english = page(client, "/guide/first").select("a.xref.term")
    assert all(not a["href"].startswith("/es/") for a in english), "English pages unchanged"


def test_the_terms_api_answers_in_the_language_asked_for(
    client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, FAMILY)
    original = client.get("/-/api/v1/terms/rubric").get_json()
    assert (original["term"], original["lang"], original["translation_missing"]) == (
        "Rubric",
        "en",
        False,
    )
    spanish = client.get("/-/api/v1/terms/rubric?lang=es").get_json()
    assert (spanish["term"], spanish["path"], spanish["lang"]) == (
        "Rúbrica",
        "es/glossary/rubric",
        "es",
    )
    assert spanish["summary"] == "Una guía que describe cada nivel."
    assert "para las familias" in spanish["definition_html"]
    assert spanish["embed_url"] == "/-/embed/term/rubric?lang=es"
    missing = client.get("/-/api/v1/terms/grade-composition?lang=es").get_json()
    assert (missing["term"], missing["lang"], missing["translation_missing"]) == (
        "Grade Composition",
        "en",
        True,
    )
    listed = client.get("/-/api/v1/terms?lang=es").get_json()["terms"]
    assert [(t["slug"], t["term"], t["lang"]) for t in listed] == [
        ("grade-composition", "Grade Composition", "en"),
        ("rubric", "Rúbrica", "es"),
    ], "each term once, in Spanish where it can be"
    listed = client.get("/-/api/v1/terms").get_json()["terms"]
    assert [t["term"] for t in listed] == ["Grade Composition", "Rubric"]


def test_the_embed_card_in_spanish_or_saying_it_has_none(
    client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, FAMILY)
    card = page(client, "/-/embed/term/rubric?lang=es")
    assert card.select_one("h1").get_text() == "Rúbrica"
    assert card.select_one("h1").find_parent(lang=True)["lang"] == "es"
    assert card.select(".missing") == []
    fallback = page(client, "/-/embed/term/grade-composition?lang=es")
    assert fallback.select_one("h1").get_text() == "Grade Composition"
    # The card asked for in Spanish speaks Spanish, and says the term has no Spanish yet.
    assert "Todavía no hay traducción al Español" in fallback.select_one(".missing").get_text()
    assert page(client, "/-/embed/term/rubric").select_one("h1").get_text() == "Rubric"


NAV = {
    "index.md": "---\ntitle: Home\n---\n# Home\n\n"
    "```{toctree}\nguide/index\nglossary/index\nes/index\n```\n",
    "es/index.md": "---\ntitle: En español\nlang: es\n---\n# En español\n\n"
    "```{toctree}\nguide/first\n```\n",
    "es/guide/index.md": "---\ntitle: Guía\nlang: es\ntranslation_of: guide\n---\n# Guía\n",
}


def nav(soup: BeautifulSoup) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    sidebar = [(a.get_text(strip=True), a["href"]) for a in soup.select("nav.sidebar a")]
    crumbs = [(a.get_text(strip=True), a["href"]) for a in soup.select(".breadcrumbs a")]
    return sidebar, crumbs


def test_sidebar_and_breadcrumbs_of_a_spanish_page_are_in_spanish(
    client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {**FAMILY, **NAV})
    sidebar, crumbs = nav(page(client, "/es/guide/first"))
    assert sidebar[:2] == [("Guía", "/es/guide"), ("Glossary", "/glossary")]
    assert ("Primer capítulo", "/es/guide/first") in sidebar
    assert crumbs == [("Home", "/"), ("En español", "/es")]
    sidebar, crumbs = nav(page(client, "/guide/second"))
    assert sidebar[0] == ("Guide", "/guide"), "an English page in English"
    assert ("First chapter", "/guide/first") in sidebar or (
        "/guide/first" in dict(sidebar).values()
    )


def test_lang_shows_an_english_page_with_the_readers_navigation(
    client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {**FAMILY, **NAV})
    english = nav(page(client, "/guide/second"))
    sidebar, crumbs = nav(page(client, "/guide/second?lang=es"))
    assert crumbs == [("Home", "/"), ("Guía", "/es/guide")]
    assert sidebar[0] == ("Guía", "/es/guide")
    assert ("Primer capítulo", "/es/guide/first") in sidebar
    second = [entry for entry in sidebar if entry[1] == "/guide/second"]
    assert second and second[0] in english[0], "no Spanish version: the original entry"
    # The choice is remembered (a cookie), and each language's page is cached apart.
    assert nav(page(client, "/guide/second")) == (sidebar, crumbs)
    client.delete_cookie("lang")
    assert nav(page(client, "/guide/second")) == english


def test_the_glossary_lists_each_term_once_in_the_readers_language(
    client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, FAMILY)

    def listed(url: str) -> list[str]:
        return [
            a["href"]
            for a in page(client, url).select("main a[href^='/']")
            if "glossary/" in a["href"]
        ]

    assert "/es/glossary/rubric" not in listed("/-/glossary")
    assert "/glossary/rubric" in listed("/-/glossary")
    spanish = listed("/-/glossary?lang=es")
    assert "/es/glossary/rubric" in spanish and "/glossary/rubric" not in spanish
    assert "/glossary/grade-composition" in spanish, "no translation: the original"


def test_the_preview_of_a_spanish_page_links_the_spanish_terms(
    editor_client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, FAMILY)
    form = page(editor_client, "/es/guide/new/-/edit").select_one("form.editor")
    data = {field["name"]: field.get("value", "") for field in form.select("input[name]")}
    data["content"] = "---\nlang: es\n---\n# Nueva\n\nUna {term}`rúbrica <Rubric>`.\n"
    answer = editor_client.post(
        "/es/guide/new/-/preview", data=data, headers={"X-Requested-With": "fetch"}
    )
    link = BeautifulSoup(answer.data, "html.parser").select_one("a.xref.term")
    assert link["href"] == "/es/glossary/rubric"
