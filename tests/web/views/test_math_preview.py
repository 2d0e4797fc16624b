"""Math and diagrams in the editor's preview: the server renders them as on the page,
and the page that holds the preview carries the loader that typesets them."""

from __future__ import annotations

from bs4 import BeautifulSoup
from flask import Flask

from tests.auth_fixtures import csrf_token, logged_in_client

SOURCE = "# First\n\nThe mean $\\bar{x}$.\n\n```{mermaid}\nflowchart LR\n  A --> B\n```\n"


def test_the_preview_renders_math_and_diagrams(app: Flask) -> None:
    client = logged_in_client(app, "edna", "editor")
    token = csrf_token(client, "/guide/first/-/edit")
    data = {"csrf_token": token, "content": SOURCE}
    fragment = client.post(
        "/guide/first/-/preview", data=data, headers={"X-Requested-With": "fetch"}
    )
    shown = BeautifulSoup(fragment.data, "html.parser")
    assert shown.select_one("span.math-inline").get_text() == "\\bar{x}"
    assert shown.select_one("pre.mermaid").get_text() == "flowchart LR\n  A --> B"
    whole = BeautifulSoup(client.post("/guide/first/-/preview", data=data).data, "html.parser")
    assert whole.select_one("span.math-inline") is not None
    assert whole.select_one('script[src="/-/static/diagrams.js"]') is not None
