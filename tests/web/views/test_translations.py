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
