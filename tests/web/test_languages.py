"""The interface's language: the order of the reader's choices (`?lang=` and its
cookie, the account's setting, Accept-Language, the wiki's language), and what comes
out in it: <html lang>, the switcher, flashes, dates, the scripts' words, cached pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from masterywiki.web.app import create_app
from masterywiki.web.languages import choose, nice_date, nice_number
from tests.auth_fixtures import csrf_token, logged_in_client


def soup(client: FlaskClient, url: str, **headers: str) -> BeautifulSoup:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.data, "html.parser")


def lang_of(client: FlaskClient, url: str = "/", **headers: str) -> str:
    return str(soup(client, url, **headers).html["lang"])


@pytest.mark.parametrize(
    ("asked", "cookie", "account", "accepted", "wiki", "expected"),
    [
        ("es", "en", "en", "en", "en", "es"),  # ?lang= first
        (None, "es", "en", "en", "en", "es"),  # then the cookie
        ("fr", "es", "en", "en", "en", "es"),  # an unsupported ?lang= is ignored
        (None, None, "es", "en", "en", "es"),  # then the account's setting
        (None, None, "", "es", "en", "es"),  # then Accept-Language
        (None, None, None, None, "es", "es"),  # then the wiki's own language
        (None, None, None, None, "fr", "en"),  # and English when that is not spoken
        ("ES-mx", None, None, None, "en", "es"),  # a region counts as its language
    ],
)
def test_the_first_choice_that_counts_wins(
    asked: str | None,
    cookie: str | None,
    account: str | None,
    accepted: str | None,
    wiki: str,
    expected: str,
) -> None:
    assert choose(asked, cookie, account, accepted, wiki) == expected


def test_english_is_the_default_and_the_page_says_so(client: FlaskClient) -> None:
    page = soup(client, "/")
    assert page.html["lang"] == "en"
    assert page.select_one(".search-box button").get_text() == "Search"
    assert page.select_one("#masterywiki-strings") is None  # English needs no messages


def test_lang_in_the_query_is_used_and_remembered(client: FlaskClient) -> None:
    response = client.get("/?lang=es")
    assert 'lang="es"' in response.get_data(as_text=True)[:200]
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "Max-Age=" in cookie and "HttpOnly" in cookie
    page = soup(client, "/guide/first")  # the next page, without ?lang=
    assert page.html["lang"] == "es"
    assert page.select_one(".search-box button").get_text() == "Buscar"
    assert page.select_one(".skip-link").get_text() == "Ir al contenido"


def test_an_unsupported_lang_is_ignored(client: FlaskClient) -> None:
    response = client.get("/?lang=xx")
    assert not any(c.startswith("lang=") for c in response.headers.getlist("Set-Cookie"))
    assert BeautifulSoup(response.data, "html.parser").html["lang"] == "en"


def test_accept_language_with_q_values(client: FlaskClient) -> None:
    assert lang_of(client, Accept_Language="fr;q=1.0, es;q=0.8, en;q=0.5") == "es"
    assert lang_of(client, Accept_Language="es;q=0.3, en;q=0.9") == "en"
    assert lang_of(client, Accept_Language="de, fr") == "en"


def test_the_cookie_wins_over_accept_language(client: FlaskClient) -> None:
    client.get("/?lang=en")
    assert lang_of(client, Accept_Language="es") == "en"


def test_the_wiki_language_is_the_last_choice(basic_repo: Path, tmp_path: Path) -> None:
    app = create_app({"repo": basic_repo, "instance": tmp_path / "i", "language": "es"})
    try:
        client = app.test_client()
        assert lang_of(client) == "es"
        assert lang_of(client, Accept_Language="en") == "en"
    finally:
        app.extensions["masterywiki"].wiki.storage.close()


def test_the_account_setting_is_kept_and_used(app: Flask) -> None:
    reader = logged_in_client(app, "rosa", "reader")
    assert lang_of(reader, "/-/account", Accept_Language="en") == "en"
    token = csrf_token(reader, "/-/account")
    response = reader.post("/-/account/language", data={"language": "es", "csrf_token": token})
    assert response.status_code == 303
    page = soup(reader, "/-/account", Accept_Language="en")
    assert page.html["lang"] == "es"
    assert (
        page.select_one(".flash").get_text() == "La wiki ahora se muestra en el idioma que eligió."
    )
    assert page.select_one("#language option[selected]")["value"] == "es"
    # On another browser (no cookie) the account's setting still wins over the browser.
    other = logged_in_client(app, "other", "reader")
    assert lang_of(other, Accept_Language="en") == "en"
    fresh = app.test_client()
    fresh.post("/-/login", data={"username": "rosa", "password": "correct horse battery",
                                 "csrf_token": csrf_token(fresh)})  # fmt: skip
    assert lang_of(fresh, Accept_Language="en") == "es"


def test_an_unknown_account_language_is_refused(app: Flask) -> None:
    reader = logged_in_client(app, "rosa", "reader")
    token = csrf_token(reader, "/-/account")
    response = reader.post("/-/account/language", data={"language": "xx", "csrf_token": token})
    assert response.status_code == 400
    assert lang_of(reader, "/-/account") == "en"


def test_the_switcher_names_each_language_in_itself_and_keeps_the_url(
    client: FlaskClient,
) -> None:
    page = soup(client, "/-/search?q=grading&lang=es")
    links = page.select(".language-switcher a")
    assert [(a.get_text(), a["lang"]) for a in links] == [("English", "en"), ("Español", "es")]
    assert links[0]["href"] == "/-/search?q=grading&lang=en"
    assert links[1]["aria-current"] == "true"
    assert page.select_one(".language-switcher")["aria-label"] == "Idioma"


def test_a_spanish_flash_message(app: Flask) -> None:
    editor = logged_in_client(app, "edna", "editor")
    editor.get("/?lang=es")
    token = csrf_token(editor, "/-/watchlist")
    editor.post("/guide/first/-/watch", data={"csrf_token": token, "action": "watch"})
    flash = soup(editor, "/guide/first").select_one(".flash").get_text()
    assert flash == "La página «First Chapter» está en su lista de seguimiento."


def test_dates_are_written_in_the_readers_language(app: Flask) -> None:
    day = datetime(2026, 12, 5, tzinfo=UTC)
    with app.test_request_context("/"):
        with force_locale("es"):
            assert nice_date(day) == "5 de diciembre de 2026"
        with force_locale("en"):
            assert nice_date(day) == "5 December 2026"
    page = soup(app.test_client(), "/guide/first?lang=es")
    assert " de 20" in page.select_one(".last-edited time").get_text()


def test_the_scripts_words_come_in_the_readers_language(client: FlaskClient) -> None:
    page = soup(client, "/?lang=es")
    block = page.select_one("script#masterywiki-strings[type='application/json']")
    messages = json.loads(block.get_text())
    assert messages["Copy link"] == "Copiar enlace"
    assert messages["Copy link to {what}"] == "Copiar el enlace a {what}"
    scripts = [s["src"] for s in page.select("script[src]")]
    assert scripts.index("/-/static/strings.js") < scripts.index("/-/static/copylink.js")


def test_the_page_cache_does_not_serve_one_language_to_another(client: FlaskClient) -> None:
    english = client.get("/guide/first", headers={"Accept-Language": "en"})
    spanish = client.get("/guide/first", headers={"Accept-Language": "es"})
    again = client.get("/guide/first", headers={"Accept-Language": "en"})
    assert 'lang="en"' in english.get_data(as_text=True)[:100]
    assert 'lang="es"' in spanish.get_data(as_text=True)[:100]
    assert "Historial" in spanish.get_data(as_text=True)
    assert again.get_data() == english.get_data()
    assert {"Accept-Language", "Cookie"} <= set(spanish.vary)


def test_a_cached_page_switcher_keeps_no_visitors_query(client: FlaskClient) -> None:
    first = soup(client, "/guide/first?utm=mail&lang=es")
    hrefs = [a["href"] for a in first.select(".language-switcher a")]
    assert hrefs == ["/guide/first?lang=en", "/guide/first?lang=es"]


def test_numbers_are_written_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context("/"):
        with force_locale("en"):
            assert nice_number(1048576) == "1,048,576"
        with force_locale("es"):
            assert nice_number(1048576) == "1.048.576"


def test_an_embed_asked_in_spanish_does_not_choose_for_the_reader(client: FlaskClient) -> None:
    response = client.get("/-/embed/term/rubric?lang=es")
    assert not any(c.startswith("lang=") for c in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    "url", ["/", "/guide/first/-/print", "/-/glossary", "/-/search?q=x", "/-/login", "/nope"]
)
def test_html_lang_is_the_interface_language_on_every_kind_of_page(
    client: FlaskClient, url: str
) -> None:
    for language in ("en", "es"):
        answer = client.get(url, headers={"Accept-Language": language})
        assert BeautifulSoup(answer.data, "html.parser").html["lang"] == language, url
