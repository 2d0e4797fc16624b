"""The interface in Spanish on a phone: the home page, a page and search at 375 px,
with no sideways scrolling and no serious axe findings; the switcher goes back to
English and keeps the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.support import axe_violations, describe, follow

PAGES = {
    "home": "/",
    "page": "/framework/grading-policy",
    "search": "/-/search?q=scoring+guide",
}


@pytest.fixture(scope="module")
def phone(browser: Any, live_url: str) -> Any:
    """A phone-sized visitor who chose Spanish once (the cookie keeps it)."""
    context = browser.new_context(viewport={"width": 375, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_url}/?lang=es")
    yield page
    context.close()


@pytest.mark.parametrize("name", PAGES)
def test_spanish_on_a_phone_is_readable_and_accessible(
    phone: Any, live_url: str, name: str, save_screenshot: Callable[[Any, str], Any]
) -> None:
    phone.goto(live_url + PAGES[name])
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.get_by_role("button", name="Buscar").is_visible()
    assert phone.locator(".skip-link").inner_text() == "Ir al contenido"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{name} scrolls sideways in Spanish ({width}px wide)"
    save_screenshot(phone, f"es-{name}-375")
    violations = axe_violations(phone)
    assert not violations, describe(violations)


def test_the_scripts_speak_spanish_too(phone: Any, live_url: str) -> None:
    phone.goto(f"{live_url}/framework/grading-policy")
    button = phone.locator("main .copy-link").first
    assert button.locator(".copy-link-text").inner_text() == "Copiar enlace"
    assert (button.get_attribute("aria-label") or "").startswith("Copiar el enlace a ")


def test_the_switcher_goes_back_to_english_on_the_same_page(phone: Any, live_url: str) -> None:
    phone.goto(f"{live_url}/-/search?q=scoring+guide")
    switcher = phone.get_by_role("navigation", name="Idioma")
    follow(phone, switcher.get_by_role("link", name="English"))
    assert phone.url == f"{live_url}/-/search?q=scoring+guide&lang=en"
    assert phone.locator("html").get_attribute("lang") == "en"
    phone.goto(f"{live_url}/")  # remembered
    assert phone.locator("html").get_attribute("lang") == "en"
