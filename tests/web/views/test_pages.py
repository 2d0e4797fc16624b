"""The page view and raw source, checked by HTML structure."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from tests.conftest import commit_files


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "html.parser")


def test_home_page(client: FlaskClient) -> None:
    html = page(client, "/")
    assert html.title.get_text() == "Test Wiki Home · Mastery Learning Wiki"
    assert html.select_one("form[role=search]")["action"] == "/-/search"
    assert html.select_one("form[role=search] input")["name"] == "q"
    assert [a["href"] for a in html.select(".sidebar a")] == ["/guide", "/glossary"]
    assert html.select_one(".prev-next .next")["href"] == "/guide"
    assert html.select_one("link[rel=alternate]")["href"] == "/index/-/raw"


def test_page_has_navigation_toc_and_last_edit(client: FlaskClient) -> None:
    html = page(client, "/guide/first")
    assert html.select_one("main h1").get_text(strip=True) == "First Chapter"
    crumbs = [a.get_text() for a in html.select(".breadcrumbs a")]
    assert crumbs == ["Test Wiki Home", "Guide"]
    assert html.select_one(".breadcrumbs [aria-current=page]").get_text() == "First Chapter"
    current = html.select_one(".sidebar a[aria-current=page]")
    assert current["href"] == "/guide/first"
    assert [a["href"] for a in html.select(".on-this-page a")] == ["#principles"]
    assert html.select_one(".prev-next .prev")["href"] == "/guide"
    assert html.select_one(".prev-next .next")["href"] == "/guide/second"
    edited = html.select_one(".last-edited")
    assert "Ada Coach" in edited.get_text()
    assert edited.select_one("time")["datetime"]
    actions = [a["href"] for a in html.select(".page-actions a")]
    for action in ("edit", "history", "backlinks", "print", "raw"):
        assert f"/guide/first/-/{action}" in actions
    assert [t.get_text() for t in html.select(".tag")] == ["alpha", "beta"]


def test_term_page_shows_badge_aliases_and_hover_links(client: FlaskClient) -> None:
    html = page(client, "/glossary/grade-composition")
    assert html.select_one(".badge-term").get_text() == "Glossary term"
    assert "grade weighting" in html.select_one(".aliases").get_text()
    link = html.select_one("a.xref.term")
    assert link["href"] == "/glossary/rubric"
    assert link["data-summary"] == "A scoring guide describing levels of performance."
    assert html.select_one("aside.admonition.tip") is not None


def test_folder_index_and_redirects(client: FlaskClient) -> None:
    assert page(client, "/guide").select_one("nav.toctree") is not None
    for old, new in [("/index", "/"), ("/guide/index", "/guide"), ("/guide/", "/guide")]:
        response = client.get(old)
        assert (response.status_code, response.headers["Location"]) == (301, new)


def test_raw_source(client: FlaskClient) -> None:
    response = client.get("/guide/first/-/raw")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.get_data(as_text=True).startswith("---\ntitle: First Chapter")
    assert client.get("/index/-/raw").get_data(as_text=True).startswith("---\ntitle: Test Wiki")


@pytest.mark.parametrize(
    "url",
    [
        "/Guide",
        "/guide/First",
        "/guide/first.md",
        "/.git/config",
        "/guide/.git",
        "/guide/first%00",
        "/guide/x.png",
        "/a%2F..%2F..%2Fetc%2Fpasswd",
    ],
)
def test_invalid_paths_get_a_clear_400(client: FlaskClient, url: str) -> None:
    html = page(client, url, 400)
    assert html.select_one("h1").get_text() == "Invalid page address"
    assert html.select_one(".error-page p:not(.status)").get_text()


def test_missing_page_404_suggests_similar_titles(client: FlaskClient) -> None:
    html = page(client, "/guide/frist", 404)
    assert html.select_one("h1").get_text() == "Page not found"
    assert "/guide/first" in [a["href"] for a in html.select(".suggestions a")]
    assert html.select_one(".inline-search input")["value"] == "frist"


def test_unknown_site_url_is_404(client: FlaskClient) -> None:
    assert client.get("/-/nothing-here").status_code == 404


def test_bad_front_matter_still_renders_with_warning(client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.md": "---\ntitle: [broken\n---\n# Still here\n"})
    html = page(client, "/guide/first")
    assert html.select_one("main h1").get_text(strip=True) == "Still here"
    assert "not valid YAML" in html.select_one(".warning-box[role=alert]").get_text()


def test_page_cache_sees_outside_commits(client: FlaskClient, basic_repo: Path) -> None:
    assert "Moved on" not in client.get("/guide/second").get_data(as_text=True)
    commit_files(basic_repo, {"guide/second.md": "# Second\n\nMoved on.\n"})
    assert "Moved on" in client.get("/guide/second").get_data(as_text=True)


def test_every_page_uses_local_assets_only(client: FlaskClient) -> None:
    html = page(client, "/guide/first")
    for element in html.select("link[href], script[src], img[src]"):
        url = element.get("href") or element.get("src")
        assert url.startswith("/-/static/") or url.startswith("/"), url
    for asset in ("wiki.css", "print.css", "nav.js"):
        response = client.get(f"/-/static/{asset}")
        assert response.status_code == 200
        response.close()


def test_moved_page_keeps_the_action_and_query(client: FlaskClient) -> None:
    response = client.get("/guide/index/-/raw?download=1")
    assert (response.status_code, response.headers["Location"]) == (301, "/guide/-/raw?download=1")


def test_related_front_matter_accepts_paths_and_terms(
    client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(
        basic_repo,
        {"guide/second.md": "---\nrelated: [guide/first, grading weights, nowhere]\n---\n# S\n"},
    )
    html = page(client, "/guide/second")
    links = [a["href"] for a in html.select(".related a")]
    assert links == ["/guide/first", "/glossary/grade-composition"]


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/guide/first")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_print_a_whole_section(client: FlaskClient) -> None:
    html = page(client, "/guide/-/print")
    titles = [a.get_text() for a in html.select(".print-contents a")]
    assert titles == ["Guide", "First Chapter", "Second"]
    sections = html.select("section.print-page")
    assert len(sections) == 3
    assert sections[1].select_one("h1").get_text(strip=True) == "First Chapter"
    assert html.select_one("button[data-print]") is not None
    action = page(client, "/guide").select_one('.page-actions a[href="/guide/-/print"]')
    assert action.get_text() == "Print this section"
    single = page(client, "/guide/first/-/print")
    assert len(single.select("section.print-page")) == 1 and not single.select(".print-contents")


def test_addresses_of_an_imported_wiki_redirect_to_their_pages(
    client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(
        basic_repo,
        {"guide/week-1.md": '---\nredirect_from: ["Meeting Notes/Week 1.md"]\n---\n# Week 1\n'},
    )
    for old in ("/Meeting%20Notes/Week%201", "/meeting%20notes/week%201", "/Meeting-Notes/Week-1"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == "/guide/week-1"
    history = client.get("/Meeting%20Notes/Week%201/-/history")
    assert history.headers["Location"] == "/guide/week-1/-/history"
    # An address nobody ever had is still refused, as the contract says.
    assert client.get("/Meeting%20Notes/Week%202").status_code == 400


def test_a_page_in_a_long_section_shows_its_neighbours_and_links_the_rest(
    client: FlaskClient, basic_repo: Path
) -> None:
    count = 120
    entries = "\n".join(f"p{i:03d}" for i in range(count))
    toctree = f"# Guide\n\n```{{toctree}}\n{entries}\n```\n"
    files: dict[str, str | None] = {"guide/index.md": toctree}
    files.update({f"guide/p{i:03d}.md": f"# Entry {i}\n" for i in range(count)})
    commit_files(basic_repo, files)
    html = page(client, "/guide/p060")
    level = html.select(".sidebar li.open > ul > li")
    gaps = [li.get_text(strip=True) for li in level if "nav-gap" in li["class"]]
    assert gaps == ["… 48 earlier pages", "… 47 more pages"]
    assert [a["href"] for a in html.select(".sidebar .nav-gap a")] == ["/guide", "/guide"]
    assert html.select_one(".sidebar a[aria-current=page]")["href"] == "/guide/p060"
    assert len(level) == 2 + 25  # the page and 12 entries each side
