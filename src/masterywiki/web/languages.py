"""The interface's language: which one each request gets, and translating through
Flask-Babel (the only module that sets it up).

The reader's choice, in order: `?lang=xx` (remembered in a cookie), that cookie, the
signed-in account's setting, the browser's Accept-Language, then the wiki's own
language (the setting `language`), and English when the interface does not speak it.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode

from babel import dates, numbers
from babel.support import Translations
from flask import Flask, Response, current_app, g, request
from flask_babel import Babel, get_locale, get_translations
from markupsafe import Markup
from werkzeug.wrappers import Response as AnyResponse

from masterywiki.content.translations import LANGUAGE
from masterywiki.errors import DatabaseUnavailable
from masterywiki.resources import translations_dir

SUPPORTED = ("en", "es")  # the languages whose catalogs ship complete
DEFAULT = "en"
COOKIE = "lang"
COOKIE_SECONDS = 400 * 24 * 3600  # as long as browsers keep a cookie
# How a date reads in each language (CLDR patterns); others get their long date.
DATE_PATTERNS = {"en": "d MMMM y", "es": "d 'de' MMMM 'de' y"}
# The signed-in account's language ('' or None for none): views/auth.py puts its
# finder here, so this module needs nothing from the views.
ACCOUNT_LANGUAGE = "masterywiki.account_language"
CACHED_PAGE_VIEWS = ("pages.root", "pages.view")  # their HTML is cached per language
EMBEDS = "/-/embed/"  # framed by other sites: their ?lang= is not the reader's choice
PROGRAMS = ("/-/api/", EMBEDS)  # asked for by programs and other sites, not by the reader


def init_app(app: Flask) -> None:
    """Translate templates, flashes and errors into the reader's language."""
    Babel(
        app,
        locale_selector=current_language,
        default_translation_directories=str(translations_dir()),
    )
    # {% trans %} blocks read as one line, as `pybabel extract` (trimmed = true) sees them.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # The request's catalog looked up once, not at each of a page's many `_()`:
    # Flask-Babel's own callables look up its context and domain every time.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda text: _catalog().ugettext(text),
        ngettext=lambda one, many, n: _catalog().ungettext(one, many, n),
        pgettext=lambda context, text: _catalog().upgettext(context, text),
        npgettext=lambda context, one, many, n: _catalog().unpgettext(context, one, many, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(
        interface_lang=current_language,
        language_links=language_links,
        script_strings=script_strings,
    )
    app.jinja_env.filters.update(
        nice_date=nice_date,
        short_date=lambda value: _format(value, "d MMM y"),
        nice_time=lambda value: _format(value, _date_pattern() + ", HH:mm"),
        short_time=lambda value: _format(value, "d MMM y, HH:mm"),
        nice_number=nice_number,
    )
    app.after_request(_remember)


def supported(code: str | None) -> str | None:
    """`code` when the interface ships in it (`es-MX` counts as `es`), else None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in SUPPORTED else None


def choose(
    asked: str | None,
    cookie: str | None,
    account: str | None,
    accepted: str | None,
    wiki: str,
) -> str:
    """The interface language from what the request says, first that counts wins."""
    for candidate in (asked, cookie, account, accepted, wiki):
        found = supported(candidate)
        if found is not None:
            return found
    return DEFAULT


def current_language() -> str:
    """This request's interface language (worked out once per request)."""
    if "masterywiki_lang" not in g:
        g.masterywiki_lang = choose(
            request.args.get("lang"),
            request.cookies.get(COOKIE),
            _account_language(),
            request.accept_languages.best_match(SUPPORTED),
            current_app.extensions["masterywiki"].settings.language,
        )
    language: str = g.masterywiki_lang
    return language


def _account_language() -> str | None:
    """The signed-in account's language setting (looked up once per request)."""
    if "masterywiki_account_lang" not in g:
        account = current_app.extensions.get(ACCOUNT_LANGUAGE)
        try:
            g.masterywiki_account_lang = account() if account is not None else None
        except DatabaseUnavailable:  # the page still serves, in the next choice
            g.masterywiki_account_lang = None
    found: str | None = g.masterywiki_account_lang
    return found


def requested_language() -> str | None:
    """`?lang=` when it is a language code (`es`, `pt-BR`), whether or not the interface
    speaks it (pages may be in any language); anything else is ignored."""
    wanted = request.args.get("lang", "")
    return wanted if wanted and LANGUAGE.fullmatch(wanted) else None


def chosen_language() -> str | None:
    """The language the reader chose: `?lang=`, or the interface language of their cookie
    or their account; None when they chose none (the browser's guess is no choice)."""
    return (
        requested_language()
        or supported(request.cookies.get(COOKIE))
        or supported(_account_language())
    )


def reader_language(page_lang: str | None = None) -> str | None:
    """The language pages, terms and search results are shown in: the reader's choice,
    else `page_lang` (the page being read), else None (the wiki's own language)."""
    return chosen_language() or page_lang


def _remember(response: Response) -> Response:
    """Keep a `?lang=` choice in a cookie; say that HTML answers vary by language."""
    asked = supported(request.args.get("lang"))
    programs = request.path.startswith(PROGRAMS)  # a program or another site asked
    if asked is not None and not programs and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)
    if response.mimetype == "text/html":
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def _catalog() -> Any:
    """This request's catalog (Flask-Babel's, for the request's language)."""
    found = g.get("masterywiki_catalog")
    if found is None:
        found = g.masterywiki_catalog = get_translations()
    return found


def gettext(text: str, **values: Any) -> str:
    """`text` in this request's language, `%(name)s` filled from `values`."""
    found = str(_catalog().ugettext(text))
    return found % values if values else found


def remember_choice(response: AnyResponse, language: str) -> None:
    """Set the cookie to `language` (an account's new setting wins at once)."""
    response.set_cookie(COOKIE, language, max_age=COOKIE_SECONDS, samesite="Lax", httponly=True)


def language_links() -> list[tuple[str, str, str, bool]]:
    """The header's switcher: (code, name in itself, this URL in it, is current)."""
    from masterywiki.content.translations import language_name

    here = current_language()
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    if request.endpoint in CACHED_PAGE_VIEWS:  # one HTML for every visitor: no stray query
        query = []
    links = []
    for code in SUPPORTED:
        url = request.path + "?" + urlencode([*query, ("lang", code)])
        links.append((code, language_name(code), url, code == here))
    return links


def N_(text: str) -> str:
    """Mark `text` for the catalog where it is defined; `gettext` it where it is shown."""
    return text


def _date_pattern() -> str:
    locale = str(get_locale() or DEFAULT)
    return DATE_PATTERNS.get(locale.split("_")[0], "long")


def _format(value: datetime, pattern: str) -> str:
    """`value` in `pattern`, in the reader's language, in the time zone it carries (a
    commit's own; UTC when it has none), as the pages always showed it."""
    return dates.format_datetime(value, pattern, locale=get_locale() or DEFAULT)


def nice_number(value: int) -> str:
    """A count as the reader's language groups its digits: 1,048,576 or 1.048.576."""
    return numbers.format_decimal(value, locale=get_locale() or DEFAULT)


def nice_date(value: datetime) -> str:
    """A date as readers of the interface's language write it: 5 December 2026."""
    return dates.format_date(value, _date_pattern(), locale=get_locale() or DEFAULT)


@cache
def _script_catalog(language: str) -> str:
    """The scripts' messages in `language` as JSON (msgid -> text), from the `js` domain."""
    if language == DEFAULT:
        return "{}"
    found = Translations.load(str(translations_dir()), [language], domain="js")
    messages = {
        key: value
        for key, value in getattr(found, "_catalog", {}).items()
        if isinstance(key, str) and key and value
    }
    # Safe inside <script>: no "</" can close the element early.
    return json.dumps(messages, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def script_strings() -> Markup:
    """The scripts' messages for this request's language, for base.html's JSON block."""
    return Markup(_script_catalog(current_language()))
