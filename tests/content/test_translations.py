"""Translated pages found in a catalog: their versions, and what `check` says of them."""

from __future__ import annotations

from datetime import UTC, datetime

from masterywiki.content.translations import Translations, language_name
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
