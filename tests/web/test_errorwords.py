"""Every error's title is in the catalog, and error pages show it in the reader's language."""

from __future__ import annotations

import importlib
import pkgutil

from bs4 import BeautifulSoup
from flask.testing import FlaskClient

import masterywiki
from masterywiki.errors import WikiError
from masterywiki.web.errorwords import ERROR_TITLES, HTTP_TITLES, LABELS


def every_error_class() -> list[type[WikiError]]:
    for module in pkgutil.walk_packages(masterywiki.__path__, "masterywiki."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[WikiError]] = [WikiError]
    for known in found:
        found.extend(sub for sub in known.__subclasses__() if sub not in found)
    return found


def test_every_error_title_is_marked_for_translation() -> None:
    missing = {error.title for error in every_error_class()} - set(ERROR_TITLES)
    assert not missing, f"add these to web/errorwords.py and the catalogs: {sorted(missing)}"


def test_an_error_page_in_spanish(client: FlaskClient) -> None:
    assert "Not Found" in HTTP_TITLES
    answer = client.get("/no/such/page?lang=es")
    assert answer.status_code == 404
    page = BeautifulSoup(answer.data, "html.parser")
    assert page.select_one("main h1").get_text() == "Página no encontrada"
    assert "No hay ninguna página en 'no/such/page'." in page.select_one(".error-page").get_text()
    assert page.html["lang"] == "es"
    assert client.get("/-/api/v1/pages/no/such/page").get_json()["error"] == "Page not found"


def test_labels_from_below_the_web_are_marked() -> None:
    from masterywiki.search.values import FACET_LABELS
    from masterywiki.stewardship.feedback import REASON_LABELS

    shown = {*REASON_LABELS.values(), *FACET_LABELS.values()}
    assert shown <= set(LABELS), sorted(shown - set(LABELS))


def test_an_http_error_page_explains_in_the_readers_words(client: FlaskClient) -> None:
    english = BeautifulSoup(client.get("/-/no-such-tool").data, "html.parser")
    assert english.select_one("main h1").get_text() == "Not Found"
    assert "Nothing lives at this address" in english.select_one(".error-page").get_text()
    spanish = BeautifulSoup(client.get("/-/no-such-tool?lang=es").data, "html.parser")
    assert spanish.select_one("main h1").get_text() == "No encontrado"
    assert "No hay nada en esta dirección" in spanish.select_one(".error-page").get_text()
    assert client.get("/-/api/v1/no-such").get_json()["error"] == "Not Found"
