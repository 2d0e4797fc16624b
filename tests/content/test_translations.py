"""Translated pages found in a catalog: their versions, and what `check` says of them."""

from __future__ import annotations

from datetime import UTC, datetime

from masterywiki.content.translations import InLanguage, Translations, language_name
from tests.content.test_catalog import catalog_of

PAGES = {
    "framework/grading.md": "---\ntitle: Grading\n---\n# Grading\n",
    "es/framework/grading.md": "---\ntitle: Calificaciones\nlang: es\n"
    "translation_of: /framework/grading.md\n---\n# Calificaciones\n",
    "vi/framework/grading.md": "---\ntitle: Chấm điểm\nlang: vi\n"
    "translation_of: framework/grading\n---\n# Chấm điểm\n",
    "es/framework/grading-copy.md": "---\nlang: es\ntranslation_of: framework/grading\n---\n# B\n",
    "es/framework/lost.md": "---\nlang: es\ntranslation_of: framework/nowhere\n---\n# Lost\n",
    "framework/alone.md": "# Alone\n",
}


def index() -> Translations:
    return Translations(catalog_of(PAGES).records(), "en")


def test_every_version_of_a_page_source_first() -> None:
    versions = index().versions("vi/framework/grading")
    assert [(v.name, v.lang) for v in versions] == [
        ("framework/grading", "en"),
        ("es/framework/grading", "es"),
        ("es/framework/grading-copy", "es"),
        ("vi/framework/grading", "vi"),
    ]
    assert [v.language for v in versions[:2]] == ["English", "Español"]
    assert versions == index().versions("framework/grading"), "the same from any of them"
    assert index().versions("framework/alone") == []
    assert index().versions("es/framework/lost") == [], "its source does not exist"
    assert language_name("pt-BR") == "Português" and language_name("xx") == "xx"


def test_check_finds_a_lost_a_doubled_and_an_outdated_translation() -> None:
    old = datetime(2026, 1, 1, tzinfo=UTC)
    new = datetime(2026, 3, 1, tzinfo=UTC)
    changes = {
        "framework/grading.md": ("b" * 40, new),
        "es/framework/grading.md": ("a" * 40, old),
        "vi/framework/grading.md": ("c" * 40, new),
    }
    found = {(f.path, f.message) for f in index().findings(changes)}
    assert found == {
        ("es/framework/lost.md", "translation_of names no page: 'framework/nowhere'"),
        ("es/framework/grading.md",
         "another es translation of 'framework/grading' exists: es/framework/grading-copy"),
        ("es/framework/grading-copy.md",
         "another es translation of 'framework/grading' exists: es/framework/grading"),
        ("es/framework/grading.md",
         "translation may be out of date: 'framework/grading' changed after it"
         " (aaaaaaaaaa..bbbbbbbbbb)"),
    }  # fmt: skip


# -- what a reader of a language sees -------------------------------------------------------

NAV = {
    "index.md": "# Home\n\n```{toctree}\nguide/index\nglossary/index\nes/index\n```\n",
    "guide/index.md": "# Guide\n\n```{toctree}\nfirst\nsecond\n```\n",
    "guide/first.md": "# First\n\nSee {term}`Rubric`.\n",
    "guide/second.md": "# Second\n",
    "glossary/index.md": "# Glossary\n\n```{toctree}\nrubric\nscale\n```\n",
    "glossary/rubric.md": "---\ntitle: Rubric\ntype: term\nsummary: A scoring guide.\n---\n# R\n",
    "glossary/scale.md": "---\ntitle: Scale\ntype: term\nsummary: Levels.\n---\n# S\n",
    "es/index.md": "---\nlang: es\n---\n# En español\n\n```{toctree}\nguide/first\n"
    "glossary/rubric\n```\n",
    "es/guide/first.md": "---\ntitle: Primero\nlang: es\ntranslation_of: guide/first\n---\n# P\n",
    "es/glossary/rubric.md": "---\ntitle: Rúbrica\ntype: term\nlang: es\n"
    "translation_of: glossary/rubric\nsummary: Una guía.\n---\n# R\n",
}


def seen_in(lang: str) -> InLanguage:
    catalog = catalog_of(NAV)
    return InLanguage(catalog, Translations(catalog.records(), "en"), lang)


def test_the_version_of_a_page_in_a_language() -> None:
    translations = index()
    assert translations.version_in("framework/grading", "es") == "es/framework/grading"
    assert translations.version_in("framework/grading", "es-MX") == "es/framework/grading"
    assert translations.version_in("es/framework/grading", "en") == "framework/grading"
    assert translations.version_in("vi/framework/grading", "es") == "es/framework/grading"
    assert translations.version_in("framework/grading", "en") == "framework/grading"
    assert translations.version_in("framework/alone", "es") is None
    assert translations.version_in("framework/missing", "es") is None


def test_the_sidebar_shows_the_versions_in_the_readers_language() -> None:
    catalog = catalog_of(NAV)
    sidebar = seen_in("es").sidebar(catalog.sidebar("guide/first"))
    top = [(node.title, node.url) for node in sidebar]
    assert top == [("Guide", "/guide"), ("Glossary", "/glossary"), ("En español", "/es")]
    opened = sidebar[0].children
    assert [(n.title, n.url, n.current) for n in opened] == [
        ("Primero", "/es/guide/first", True),  # the entry keeps its place and its state
        ("Second", "/guide/second", False),
    ]
    assert seen_in("en").sidebar(catalog.sidebar("guide/first")) == catalog.sidebar("guide/first")


def test_breadcrumbs_in_the_readers_language() -> None:
    catalog = catalog_of(NAV)
    crumbs = seen_in("es").breadcrumbs(catalog.ancestors("es/glossary/rubric"))
    assert [r.name for r in crumbs] == ["index", "es"]
    crumbs = seen_in("es").breadcrumbs(catalog.ancestors("glossary/rubric"))
    assert [r.title for r in crumbs] == ["Home", "Glossary"], "no version: as they are"


def test_a_term_resolves_to_its_version_in_the_pages_language() -> None:
    resolver = seen_in("es")
    found = resolver.term("rubric")
    assert found is not None
    assert (found.name, found.title, found.summary) == (
        "es/glossary/rubric",
        "Rúbrica",
        "Una guía.",
    )
    assert resolver.term("Rúbrica") == found, "by its own title too"
    scale = resolver.term("scale")
    assert scale is not None and scale.name == "glossary/scale", "no translation: the original"
    assert resolver.term("nothing") is None
    assert resolver.doc("/guide/second", "es/index.md") == catalog_of(NAV).doc(
        "/guide/second", "es/index.md"
    )
    assert resolver.is_original(catalog_of(NAV).pages["glossary/rubric"])
    assert not resolver.is_original(catalog_of(NAV).pages["es/glossary/rubric"])
