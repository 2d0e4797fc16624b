"""`masterywiki build`: the static site's files, links, server-only parts and search."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from masterywiki import settings as settings_module
from masterywiki.cli import main
from masterywiki.content.catalog import Catalog
from masterywiki.content.sidebar import SIDEBAR_AROUND, SIDEBAR_FULL
from masterywiki.repository.instance import create_wiki
from masterywiki.site import static_search
from masterywiki.site.build import INDEX_FILE, BuildResult, build_site
from masterywiki.site.manifest import MANIFEST_FILE
from masterywiki.site.sitemap import page_file, static_sidebar
from masterywiki.web.app import create_app
from tests.conftest import commit_files

LINK = re.compile(r'\s(?:href|src|action)="([^"]*)"')


def build(repo: Path, tmp_path: Path, out: Path | None = None, **options: object) -> BuildResult:
    loaded = settings_module.load({"repo": repo, "instance": tmp_path / "instance"})
    return build_site(loaded, out or tmp_path / "site", **options)  # type: ignore[arg-type]


def unresolved_links(out: Path) -> list[str]:
    """Every link or src in every HTML file that does not name a file inside `out`."""
    bad: list[str] = []
    root = out.resolve()
    for file in out.rglob("*.html"):
        for url in LINK.findall(file.read_text()):
            url = url.replace("&amp;", "&")
            if not url or url.startswith(("#", "http:", "https:", "mailto:", "data:")):
                continue
            target = (file.parent / unquote(urlsplit(url).path)).resolve()
            if not target.is_file() or root not in target.parents:
                bad.append(f"{file.relative_to(out)}: {url}")
    return bad


@pytest.fixture(scope="module")
def starter_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    tmp = tmp_path_factory.mktemp("starter")
    create_wiki(str(tmp / "wiki"))
    return tmp / "site", build(tmp / "wiki", tmp, processes=2)


def test_starter_site_has_every_page_at_its_server_url(
    starter_site: tuple[Path, BuildResult],
) -> None:
    out, result = starter_site
    assert result.pages > 50 and result.rendered == result.pages and not result.skipped
    assert (out / "index.html").is_file()
    assert (out / "glossary/rubric/index.html").is_file()
    assert (out / "framework/grading-policy/index.html").is_file()
    for view in ("glossary", "genindex", "resources", "tags", "search"):
        assert (out / "-" / view / "index.html").is_file(), view
    assert (out / "-/static/wiki.css").is_file()


def test_every_link_in_the_starter_site_resolves_inside_it(
    starter_site: tuple[Path, BuildResult],
) -> None:
    out, _ = starter_site
    assert unresolved_links(out) == []


def test_links_are_relative_and_keep_anchors(starter_site: tuple[Path, BuildResult]) -> None:
    out, _ = starter_site
    html = (out / "framework/grading-policy/index.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("link[rel=stylesheet]")["href"] == "../../-/static/wiki.css"
    assert soup.select_one("a.site-name")["href"] == "../../index.html"
    assert soup.select_one("form.search-box")["action"] == "../../-/search/index.html"
    assert soup.select_one(".on-this-page a")["href"].startswith("#")
    assert not [a["href"] for a in soup.select("a[href]") if a["href"].startswith("/")]
    terms = [a["href"] for a in soup.select("a.xref.term")]
    assert terms and all(t.startswith("../../glossary/") and "index.html" in t for t in terms)


def test_server_only_parts_are_left_out(starter_site: tuple[Path, BuildResult]) -> None:
    out, _ = starter_site
    html = (out / "glossary/rubric/index.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one(".page-actions") is None
    assert "masterywiki:" not in html  # the user-menu and comment markers
    assert "Log in" not in html and "Recent changes" not in html
    assert "/-/edit" not in html and "/-/history" not in html
    assert [f.get("class") for f in soup.select("form")] == [["search-box"]]
    assert soup.select_one('script[src$="static-search.js"]') is not None
    assert soup.select_one('script[src$="/search.js"]') is None


def test_page_content_matches_the_server(
    starter_site: tuple[Path, BuildResult], app_for_starter: Callable[[], object]
) -> None:
    out, _ = starter_site
    client = app_for_starter()
    for name in ("framework/grading-policy", "glossary/rubric"):
        served = BeautifulSoup(client.get("/" + name).data, "html.parser")  # type: ignore[attr-defined]
        for pencil in served.select(".section-edit"):  # the server's own editing tools
            pencil.decompose()
        built = BeautifulSoup((out / page_file(name)).read_text(), "html.parser")
        assert not built.select(".section-edit")
        assert built.title.string == served.title.string
        assert built.select_one(".body h1").get_text() == served.select_one(".body h1").get_text()
        assert built.select_one(".body").get_text() == served.select_one(".body").get_text()
        assert len(built.select(".body a[href]")) == len(served.select(".body a[href]"))


@pytest.fixture
def app_for_starter(tmp_path: Path) -> Callable[[], object]:
    def make() -> object:
        return create_app({"instance": tmp_path / "instance"}).test_client()

    return make


def test_search_index_loads_and_ranks_titles_and_synonyms(
    starter_site: tuple[Path, BuildResult],
) -> None:
    out, _ = starter_site
    index = static_search.load_script((out / INDEX_FILE).read_text())
    docs: list[list[str]] = index["docs"]  # type: ignore[assignment]
    assert len(docs) > 50
    found = static_search.search(index, "rubric")
    assert found[0][1] == "Rubric" and found[0][0] == "glossary/rubric/"
    assert (out / found[0][0] / "index.html").is_file()
    # a glossary alias finds its term first; synonyms.txt expands competency-based
    aliases = static_search.search(index, "competency-based")
    assert aliases[0][1] == "Competency-Based Education"
    mastery = {d[0] for d in static_search.search(index, "mastery-based")}
    assert "glossary/competency-based-education/" in mastery
    assert static_search.search(index, "zzzz-no-such-word") == []


def test_search_ranks_title_and_alias_before_body() -> None:
    entries = [
        static_search.entry("a/", "Pacing guide", "", "page", "", (), (), (), "rubric " * 3),
        static_search.entry("b/", "Rubric", "", "term", "", ("scoring guide",), (), (), ""),
        static_search.entry("c/", "Other", "", "page", "", ("Rubrics",), (), (), ""),
    ]
    index = static_search.build_index(entries, [("rubric", "scoring guide")])
    assert [d[0] for d in static_search.search(index, "rubric")] == ["b/", "c/", "a/"]
    assert static_search.search(index, "scoring guide")[0][0] == "b/"
    assert [d[0] for d in static_search.search(index, "rubr")] == ["b/", "c/", "a/"]
    data = static_search.load_script(static_search.script(index))
    assert data == index


def test_fixture_wiki_build_is_incremental_and_removes_stale_files(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(source="basic")
    out = tmp_path / "site"
    first = build(repo, tmp_path, out)
    assert first.rendered == first.pages and unresolved_links(out) == []
    again = build(repo, tmp_path, out)
    assert again.rendered == 0
    first_page = (repo / "guide/first.md").read_text()
    commit_files(repo, {"guide/first.md": first_page + "\nOne more paragraph.\n"})
    edited = build(repo, tmp_path, out)
    assert edited.rendered == 1  # a body edit re-renders that page only
    assert "One more paragraph." in (out / "guide/first/index.html").read_text()
    # a new page may fix links anywhere (the catalog changed): everything is rendered
    commit_files(repo, {"guide/third.md": "# Third\n\nA new page in no toctree.\n"})
    added = build(repo, tmp_path, out)
    assert added.rendered == added.pages and (out / "guide/third/index.html").is_file()
    commit_files(repo, {"guide/third.md": None})
    removed = build(repo, tmp_path, out)
    assert removed.removed == 1
    assert not (out / "guide/third").exists() and (out / "guide").is_dir()
    assert unresolved_links(out) == []
    assert (out / MANIFEST_FILE).is_file()


def test_a_moved_page_leaves_a_redirect(repo_factory: Callable[..., Path], tmp_path: Path) -> None:
    repo = repo_factory(
        {
            "index.md": "# Home\n\n[New](new.md)\n",
            "new.md": "---\nredirect_from: [old]\n---\n# New\n",
        }
    )
    build(repo, tmp_path)
    stub = (tmp_path / "site/old/index.html").read_text()
    assert 'url=../new/index.html"' in stub
    assert unresolved_links(tmp_path / "site") == []


def test_long_toctree_levels_are_trimmed_in_the_sidebar(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    count = SIDEBAR_FULL + 20
    pages = {f"p/page-{i:03}.md": f"# Page {i}\n" for i in range(count)}
    listing = "\n".join(f"page-{i:03}" for i in range(count))
    pages["p/index.md"] = f"# Section\n\n```{{toctree}}\n{listing}\n```\n"
    pages["index.md"] = "# Home\n\n```{toctree}\np/index\n```\n"
    repo = repo_factory(pages)
    loaded = settings_module.load({"repo": repo, "instance": tmp_path / "instance"})
    app = create_app(loaded)
    catalog: Catalog = app.extensions["masterywiki"].wiki.snapshot.catalog
    (section,) = static_sidebar(catalog, "p/page-025")
    shown = section.children
    assert len(shown) == 2 * SIDEBAR_AROUND + 1 + 2
    assert shown[0].skipped and shown[-1].skipped  # gaps that link to the section
    assert "Page 25" in [n.title for n in shown]
    app.extensions["masterywiki"].wiki.storage.close()


def test_cli_build_reports_and_writes_the_site(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(source="basic")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(out), "--repo", str(repo), "--instance", str(tmp_path / "i")]
    )
    assert result.exit_code == 0, result.output
    assert "Built " in result.output and (out / "index.html").is_file()
    refused = CliRunner().invoke(
        main, ["build", str(repo), "--repo", str(repo), "--instance", str(tmp_path / "i")]
    )
    assert refused.exit_code == 1 and "choose another folder" in refused.output


def test_a_tampered_manifest_never_deletes_outside_out(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    repo = repo_factory(source="basic")
    out = tmp_path / "site"
    build(repo, tmp_path, out)
    outside = tmp_path / "keep.txt"
    outside.write_text("mine")
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    manifest["files"] += [str(outside), "../keep.txt"]
    (out / MANIFEST_FILE).write_text(json.dumps(manifest))
    build(repo, tmp_path, out)
    assert outside.read_text() == "mine"


@pytest.mark.parametrize(
    "damage",
    [[], 42, {"pages": []}, {"pages": {"index": 5}}, {"files": 42}, {"files": [1]}],
    ids=["list", "number", "pages-list", "page-number", "files-number", "file-number"],
)
def test_a_manifest_of_the_wrong_shape_means_a_full_build(
    repo_factory: Callable[..., Path], tmp_path: Path, damage: object
) -> None:
    repo = repo_factory(source="basic")
    out = tmp_path / "site"
    first = build(repo, tmp_path, out)
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    if isinstance(damage, dict):
        manifest.update(damage)
    else:
        manifest = damage
    (out / MANIFEST_FILE).write_text(json.dumps(manifest))
    again = build(repo, tmp_path, out)
    assert again.rendered == again.pages == first.pages, "every page built again"
    assert json.loads((out / MANIFEST_FILE).read_text())["files"], "a good manifest again"


def test_attachments_are_copied_and_linked_relatively(
    repo_factory: Callable[..., Path], tmp_path: Path
) -> None:
    from tests.content.test_filetypes import PDF, PNG

    repo = repo_factory(source="basic")
    commit_files(repo, {"guide/second.md": "# Second\n\n![plan](first.files/plan.png)\n"})
    (repo / "guide/first.files").mkdir()
    (repo / "guide/first.files/plan.png").write_bytes(PNG)
    (repo / "guide/first.files/policy.pdf").write_bytes(PDF)
    git_add_all(repo)
    out = tmp_path / "site"
    first = build(repo, tmp_path, out)
    assert (out / "guide/first/-/files/plan.png").read_bytes() == PNG
    second = BeautifulSoup((out / "guide/second/index.html").read_text(), "html.parser")
    assert second.select_one(".body img")["src"] == "../../guide/first/-/files/plan.png"
    page = BeautifulSoup((out / "guide/first/index.html").read_text(), "html.parser")
    assert [a["href"] for a in page.select(".page-attachments a")] == [
        "../../guide/first/-/files/plan.png",
        "../../guide/first/-/files/policy.pdf",
    ]
    assert unresolved_links(out) == []
    # Removing a file re-renders its page and removes the copy.
    commit_files(repo, {"guide/first.files/policy.pdf": None})
    again = build(repo, tmp_path, out)
    assert 0 < again.rendered < first.rendered
    assert not (out / "guide/first/-/files/policy.pdf").exists()
    page = BeautifulSoup((out / "guide/first/index.html").read_text(), "html.parser")
    assert len(page.select(".page-attachments a")) == 1


def git_add_all(repo: Path) -> None:
    from tests.conftest import git

    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Attach files")


def test_a_build_neither_opens_nor_builds_the_search_index(
    repo_factory: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's search index is no part of a static site: at 100,000 pages opening
    it took a gigabyte and building it a child process busy for minutes."""
    from masterywiki.search import SearchService

    opened: list[str] = []
    monkeypatch.setattr(SearchService, "warm", lambda self: opened.append("warm"))
    monkeypatch.setattr(SearchService, "start_building", lambda self: opened.append("build"))
    build(repo_factory(source="basic"), tmp_path, tmp_path / "site")
    assert opened == []
    app = create_app({"repo": repo_factory(source="basic"), "instance": tmp_path / "server"})
    assert opened == ["warm"]  # a server's app does open it
    app.extensions["masterywiki"].wiki.storage.close()
