"""`masterywiki import SRC` on real repositories: dry run, one commit, a clean `check`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from masterywiki.cli import main
from masterywiki.content.model import parse_document
from masterywiki.web.app import create_app
from tests.conftest import git

PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data)
    return root


def messy_tree(root: Path) -> Path:
    """An old wiki as people leave them: spaces, capitals, duplicates, both wiki link
    orders, nested folders, an image, broken front matter, files that are no pages."""
    return write_tree(
        root,
        {
            "Home.md": "# Our Old Wiki\n\nStart at [[Meeting Notes/Week 1]] or "
            "[[the policy|Grading Policy]] or [[Grading Policy|our policy]].\n\n"
            "![Our logo](Images/Logo Final.PNG)\n",
            "Grading Policy.md": "---\ntags: [policy]\n---\n# Grading Policy\n\n## Late Work\n\n"
            "See [the first week](Meeting%20Notes/Week%201.md) and [[Home]].\n\n"
            "```\n[[Not A Link]] [x](Not Real.md)\n```\n",
            "grading-policy.md": "A second page that normalises to the same name.\n",
            "grading_policy.md": "And a third. [[Grading Policy#Late Work]]\n",
            "Meeting Notes/Week 1.md": "# Week 1\n\nBack [home](../Home.md), on to "
            "[week two](<Week 2.md>) and [[Deep Page]]; `[[inline code]]` stays.\n",
            "Meeting Notes/Week 2.md": "---\ntitle: [broken\n---\nWeek two. [[Nowhere At All]]\n",
            "Meeting Notes/Archive/2019/Deep Page.md": "Deep. [[Week 1]] ![logo](/Images/Logo "
            "Final.PNG)\n",
            "Meeting Notes/Archive/Ünïcode Page.md": "Unicode.\n",
            "Images/Logo Final.PNG": PNG,
            "Images/unused.gif": b"GIF89a" + bytes(10),
            "notes.docx": b"not really a document",
            "_Sidebar.md": "[[Home]]\n",
            ".hidden/secret.md": "hidden\n",
            ".git/config": "[core]\n",
        },
    )


@pytest.fixture
def wiki(tmp_path: Path) -> Path:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "wiki")])
    assert result.exit_code == 0, result.output
    return tmp_path / "wiki"


def run(wiki: Path, *args: str) -> Result:
    instance = wiki.parent / "instance"
    return CliRunner().invoke(main, [*args, "--repo", str(wiki), "--instance", str(instance)])


def head(wiki: Path) -> str:
    return git(wiki, "rev-parse", "HEAD")


def report(result: Result) -> list[str]:
    return result.stdout.splitlines()


def check_is_clean(wiki: Path) -> None:
    result = run(wiki, "check")
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.output, result.stdout


def test_dry_run_writes_nothing_and_says_how_to_apply(wiki: Path, tmp_path: Path) -> None:
    src = messy_tree(tmp_path / "old wiki")
    before = head(wiki)
    result = run(wiki, "import", str(src))
    assert result.exit_code == 0, result.output
    assert head(wiki) == before
    assert git(wiki, "status", "--porcelain") == ""
    lines = report(result)
    assert lines[-1] == (
        f"Dry run: nothing was written. Run again with --apply to import into {wiki}."
    )
    home = "Home.md: page: imported as home.md: the wiki already has a page at the section's"
    home += " address"
    assert home in lines


def test_apply_imports_a_messy_tree_in_one_commit_that_checks_clean(
    wiki: Path, tmp_path: Path
) -> None:
    src = messy_tree(tmp_path / "old wiki")
    before = head(wiki)
    result = run(wiki, "import", str(src), "--apply", "--author", "Ada Coach <ada@example.org>")
    assert result.exit_code == 0, result.output
    assert git(wiki, "rev-list", "--count", f"{before}..HEAD") == "1"
    assert git(wiki, "log", "-1", "--format=%an <%ae>|%s") == (
        "Ada Coach <ada@example.org>|Import 8 pages from old wiki"
    )
    lines = report(result)
    assert lines[-1].startswith(f"Imported into {wiki} as one commit, {head(wiki)[:12]}.")
    assert lines[-2] == (
        "8 pages, 1 attachment, 13 files to write, 12 links rewritten, 4 warnings."
    )
    changed = git(wiki, "diff", "--name-only", before, "HEAD").splitlines()
    assert sorted(changed) == [
        "grading-policy-2.md",  # 'Grading Policy.md'
        "grading-policy-3.md",  # 'grading_policy.md'
        "grading-policy.md",  # 'grading-policy.md', already named like a page
        "home.files/logo-final.png",
        "home.md",  # the wiki has its own home page
        "index.md",  # ... whose toctree now lists the imported top
        "meeting-notes/archive/2019/deep-page.md",
        "meeting-notes/archive/2019/index.md",
        "meeting-notes/archive/index.md",
        "meeting-notes/archive/unicode-page.md",
        "meeting-notes/index.md",
        "meeting-notes/week-1.md",
        "meeting-notes/week-2.md",
    ]
    expected = {
        "Home.md: front-matter: added title 'Our Old Wiki', redirect_from ['Home']",
        "Home.md:3: link: [[Meeting Notes/Week 1]] -> "
        "[Meeting Notes/Week 1](meeting-notes/week-1.md)",
        "Home.md:3: link: [[the policy|Grading Policy]] -> [the policy](grading-policy-2.md)",
        "Home.md:3: link: [[Grading Policy|our policy]] -> [our policy](grading-policy-2.md)",
        "Home.md:5: link: ![Our logo](Images/Logo Final.PNG) -> "
        "![Our logo](home.files/logo-final.png)",
        "Images/Logo Final.PNG: attachment: attached to home.md as home.files/logo-final.png",
        "Images/unused.gif: skipped: not a page, and no page links to it",
        "grading_policy.md: duplicate: 'grading-policy' is taken by grading-policy.md; "
        "named grading-policy-3 instead",
        "grading_policy.md:1: link: [[Grading Policy#Late Work]] -> "
        "[Grading Policy#Late Work](grading-policy-2.md#late-work)",
        "Meeting Notes/Week 2.md:4: unresolved: [[Nowhere At All]]: no imported page or file "
        "has that name; left as written",
        "Meeting Notes/Archive/2019/Deep Page.md:1: link: ![logo](/Images/Logo Final.PNG) -> "
        "![logo](../../../home.files/logo-final.png)",
        "meeting-notes/index.md: index: created, listing week-1, week-2, archive/index",
        "index.md: toctree: toctree added, listing home, grading-policy-2, grading-policy, "
        "grading-policy-3, meeting-notes/index",
        "notes.docx: skipped: not a page, and no page links to it",
        "_Sidebar.md: skipped: a Gollum sidebar, header or footer: the wiki builds its own "
        "navigation",
        ".hidden/: skipped: hidden folder",
        ".git/: skipped: hidden folder",
    }
    assert expected <= set(lines), expected - set(lines)
    week_2 = parse_document((wiki / "meeting-notes/week-2.md").read_text())
    assert week_2.front_matter.problems == ()
    assert "title: [broken" in week_2.body
    check_is_clean(wiki)


def test_the_report_lists_every_page_and_rewritten_link(wiki: Path, tmp_path: Path) -> None:
    src = messy_tree(tmp_path / "src")
    result = run(wiki, "import", str(src), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dry_run"] is True and data["commit"] is None and data["into"] == ""
    pages = {e["old"]: e["new"] for e in data["entries"] if e["kind"] == "page"}
    sources = {p.relative_to(src).as_posix() for p in src.rglob("*.md")}
    assert set(pages) == sources - {"_Sidebar.md", ".hidden/secret.md"}
    assert set(pages.values()) <= set(data["files"])
    for entry in data["entries"]:
        assert set(entry) == {"kind", "path", "message", "line", "severity", "old", "new"}
    links = [e for e in data["entries"] if e["kind"] == "link"]
    assert len(links) == 12
    assert all(e["line"] > 0 and e["old"] and e["new"] for e in links)


def test_importing_again_never_overwrites(wiki: Path, tmp_path: Path) -> None:
    src = messy_tree(tmp_path / "src")
    assert run(wiki, "import", str(src), "--apply").exit_code == 0
    first = head(wiki)
    files_before = set(git(wiki, "ls-files").splitlines())
    again = run(wiki, "import", str(src), "--apply", "--format", "json")
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    extended = {e["path"] for e in data["entries"] if e["kind"] == "toctree"}
    assert set(data["files"]) & files_before == extended == {"index.md"}
    kinds = {(e["path"], e["kind"]) for e in data["entries"]}
    assert ("Home.md", "exists") in kinds and ("Meeting Notes/", "exists") in kinds
    assert git(wiki, "rev-list", "--count", f"{first}..HEAD") == "1"
    check_is_clean(wiki)


def test_otter_wiki_tree(wiki: Path, tmp_path: Path) -> None:
    """An Otter Wiki keeps subpages in a folder beside their page, links with [[...]]."""
    src = write_tree(
        tmp_path / "otterwiki",
        {
            "home.md": "# Home\n\nWelcome. See [[Policies]] and [[Policies/Attendance]].\n",
            "policies.md": "# Policies\n\nSee [[Attendance]], [[Homework|Homework rules]].\n",
            "policies/attendance.md": "# Attendance\n\nBack to [[Policies]] or [[Home]].\n",
            "policies/homework.md": "# Homework\n\n[Attendance](attendance)\n",
        },
    )
    result = run(wiki, "import", str(src), "--into", "otter", "--apply")
    assert result.exit_code == 0, result.output
    assert "home.md: page: imported as otter/index.md: its folder's index page" in report(result)
    assert "policies.md: page: imported as otter/policies/index.md: its folder's index page" in (
        report(result)
    )
    assert (
        (wiki / "otter/policies/homework.md").read_text().endswith("[Attendance](attendance.md)\n")
    )
    assert "[Homework rules](homework.md)" in (wiki / "otter/policies/index.md").read_text()
    assert "\notter/index\n" in (wiki / "index.md").read_text()
    check_is_clean(wiki)


def test_mkdocs_project(wiki: Path, tmp_path: Path) -> None:
    src = write_tree(
        tmp_path / "site",
        {
            "mkdocs.yml": "site_name: Staff Handbook\ndocs_dir: docs\nnav:\n  - index.md\n",
            "README.md": "The repository's readme, not a page of the site.\n",
            "docs/index.md": "# Staff Handbook\n\nRead [the setup](getting-started/setup.md).\n",
            "docs/getting-started/index.md": "# Getting started\n",
            "docs/getting-started/setup.md": "# Setup\n\n![shot](../img/screen.png)\n\n"
            "## Step one\n\nSee [above](#step-one).\n",
            "docs/img/screen.png": PNG,
            "docs/about.md": "---\ntitle: About us\n---\nHello.\n",
        },
    )
    result = run(wiki, "import", str(src), "--into", "handbook", "--apply")
    assert result.exit_code == 0, result.output
    lines = report(result)
    assert "mkdocs.yml: skipped: MkDocs settings: pages are read from docs/" in lines
    assert "index.md: page: imported as handbook/index.md: its folder's index page" in lines
    assert not any(line.startswith("README.md") for line in lines)
    setup = (wiki / "handbook/getting-started/setup.md").read_text()
    assert "![shot](setup.files/screen.png)" in setup and "[above](#step-one)" in setup
    about = parse_document((wiki / "handbook/about.md").read_text())
    assert about.front_matter.title == "About us"
    assert about.front_matter.redirect_from == ("about",)  # the old site's address
    check_is_clean(wiki)


def test_title_of_a_generated_top_page(wiki: Path, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "team-notes", {"a.md": "a\n"})
    result = run(wiki, "import", str(src), "--into", "notes", "--apply")
    assert result.exit_code == 0, result.output
    index = parse_document((wiki / "notes/index.md").read_text())
    assert index.front_matter.title == "Team notes"
    check_is_clean(wiki)


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (None, (), "Error: {src} does not exist"),
        ("file", (), "Error: {src} is not a folder"),
        ("empty", (), "Error: {src} holds no markdown pages to import"),
        ("tree", ("--into", "../up"), "Error: A page address cannot contain '.' or '..' segments."),
    ],
)
def test_problems_are_one_line_with_status_1(
    wiki: Path, tmp_path: Path, make: str | None, args: tuple[str, ...], message: str
) -> None:
    src = tmp_path / "src"
    if make == "file":
        src.write_text("x")
    elif make == "empty":
        write_tree(src, {"a.txt": "x"})
    elif make == "tree":
        write_tree(src, {"a.md": "x"})
    before = head(wiki)
    result = run(wiki, "import", str(src), "--apply", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == message.format(src=src)
    assert head(wiki) == before


def test_bad_author_is_a_usage_error(wiki: Path, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src", {"a.md": "x"})
    result = run(wiki, "import", str(src), "--apply", "--author", "nobody")
    assert result.exit_code == 2
    assert "use the form 'Name <email@example.org>'" in result.output


# -- MkDocs nav, raw HTML, {doc} roles ----------------------------------------------------

NAV_CONFIG = """\
site_name: Staff Handbook
theme:
  name: material
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
extra:
  analytics: !ENV [ANALYTICS_KEY, "none"]
nav:
  - Welcome: index.md
  - Our policies:
      - Grading: policies/grading.md
      - policies/attendance.md
  - Getting started:
      - Zebra crossing: zebra.md
      - Install: install.md
  - Old blog: https://blog.example.org/
"""


def nav_project(root: Path, config: str = NAV_CONFIG) -> Path:
    return write_tree(
        root,
        {
            "mkdocs.yml": config,
            "docs/index.md": "# Handbook\n\nStart with {doc}`the grading policy "
            "<policies/grading>` or {doc}`/install`.\n",
            "docs/install.md": '# Installing\n\n<img src="img/screen.png" alt="screen" '
            'width="300">\n\nSee <a href="policies/attendance.md#late-arrivals">late</a>, '
            '<a href="https://example.org/x.md">elsewhere</a>, `<img src="img/nope.png">`.\n',
            "docs/zebra.md": '# Zebra\n\n```html\n<img src="img/screen.png">\n```\n',
            "docs/about.md": "# About\n\nBack to {doc}`index`.\n",
            "docs/policies/grading.md": "# How we grade\n\nSee {doc}`attendance` and "
            "{doc}`Install <../install.md>`.\n",
            "docs/policies/attendance.md": "# Attendance\n\n## Late arrivals\n\nOn time.\n",
            "docs/policies/homework.md": "# Homework\n",
            "docs/img/screen.png": PNG,
        },
    )


def toctree_entries(path: Path) -> list[str]:
    body = parse_document(path.read_text()).body
    block = body.split("```{toctree}\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith(":")]


def test_mkdocs_nav_orders_and_titles_the_import(wiki: Path, tmp_path: Path) -> None:
    src = nav_project(tmp_path / "site")
    result = run(wiki, "import", str(src), "--into", "handbook", "--apply")
    assert result.exit_code == 0, result.output
    handbook = wiki / "handbook"
    # Nav order (a section that is no folder keeps its pages' order), then what the nav
    # leaves out in natural order; the 'Our policies' section is the policies folder.
    assert toctree_entries(handbook / "index.md") == [
        "policies/index", "zebra", "install", "about",
    ]  # fmt: skip
    assert toctree_entries(handbook / "policies/index.md") == ["grading", "attendance", "homework"]
    titles = {
        path: parse_document((handbook / path).read_text()).front_matter.title
        for path in ("policies/grading.md", "policies/attendance.md", "zebra.md", "index.md")
    }
    assert titles == {
        "policies/grading.md": "Grading",  # the nav's title beats the first heading
        "policies/attendance.md": "Attendance",  # a bare nav entry: the heading
        "zebra.md": "Zebra crossing",
        "index.md": "Welcome",
    }
    policies = parse_document((handbook / "policies/index.md").read_text())
    assert policies.front_matter.title == "Our policies"  # the nav section's title
    lines = report(result)
    assert (
        "mkdocs.yml:18: skipped: nav link to https://blog.example.org/ (Old blog): not a page; "
        "left out of the toctrees"
    ) in lines
    assert (
        "mkdocs.yml: nav: the nav orders 5 pages; the 2 it does not name are listed after them, "
        "in natural order: about.md, policies/homework.md"
    ) in lines
    check_is_clean(wiki)


def test_raw_html_and_doc_roles_point_at_the_imported_pages(wiki: Path, tmp_path: Path) -> None:
    src = nav_project(tmp_path / "site")
    result = run(wiki, "import", str(src), "--into", "handbook", "--apply")
    assert result.exit_code == 0, result.output
    handbook = wiki / "handbook"
    install = parse_document((handbook / "install.md").read_text()).body
    assert '<img src="/handbook/install/-/files/screen.png" alt="screen" width="300">' in install
    assert '<a href="/handbook/policies/attendance#late-arrivals">late</a>' in install
    assert '<a href="https://example.org/x.md">elsewhere</a>' in install  # external: kept
    assert '`<img src="img/nope.png">`' in install  # inline code: kept
    assert (handbook / "install.files/screen.png").read_bytes() == PNG
    zebra = (handbook / "zebra.md").read_text()
    assert '```html\n<img src="img/screen.png">\n```' in zebra  # a code block: kept
    index = (handbook / "index.md").read_text()
    assert "{doc}`the grading policy <policies/grading>` or {doc}`/handbook/install`" in index
    grading = (handbook / "policies/grading.md").read_text()
    assert "{doc}`attendance` and {doc}`Install <../install>`" in grading
    lines = report(result)
    assert (
        'install.md:3: link: <img src="img/screen.png" alt="screen" width="300"> -> '
        '<img src="/handbook/install/-/files/screen.png" alt="screen" width="300">'
    ) in lines
    assert "index.md:3: link: {doc}`/install` -> {doc}`/handbook/install`" in lines
    assert (
        "policies/grading.md:3: link: {doc}`Install <../install.md>` -> {doc}`Install <../install>`"
    ) in lines
    check_is_clean(wiki)
    instance = wiki.parent / "instance"
    app = create_app({"repo": wiki, "instance": instance})
    try:
        client = app.test_client()
        page = client.get("/handbook/install")
        assert page.status_code == 200
        assert b'src="/handbook/install/-/files/screen.png"' in page.data
        assert client.get("/handbook/install/-/files/screen.png").data == PNG
        assert client.get("/handbook/policies/attendance").status_code == 200
        grading = client.get("/handbook/policies/grading")
        assert b'href="/handbook/policies/attendance"' in grading.data
    finally:
        app.extensions["masterywiki"].wiki.storage.close()


def test_a_malformed_mkdocs_yml_is_reported_and_natural_order_kept(
    wiki: Path, tmp_path: Path
) -> None:
    config = "site_name: Broken Handbook\ndocs_dir: pages\nnav:\n  - Home: index.md\n   - bad\n"
    src = write_tree(
        tmp_path / "site",
        {
            "mkdocs.yml": config,
            "pages/index.md": "# Home\n",
            "pages/b.md": "# B\n",
            "pages/a.md": "# A\n",
        },
    )
    result = run(wiki, "import", str(src), "--into", "broken", "--apply")
    assert result.exit_code == 0, result.output
    lines = report(result)
    (problem,) = [line for line in lines if " nav: " in line]
    assert problem.startswith("mkdocs.yml:5: nav: cannot be read: ")
    assert problem.endswith("; pages keep their natural order")
    assert "mkdocs.yml: skipped: MkDocs settings: pages are read from pages/" in lines
    assert toctree_entries(wiki / "broken/index.md") == ["a", "b"]
    assert parse_document((wiki / "broken/index.md").read_text()).front_matter.title == "Home"
    check_is_clean(wiki)


def test_a_source_under_a_hidden_folder_is_read_whole(wiki: Path, tmp_path: Path) -> None:
    # Only dot names inside the source are skipped, never the folders above it.
    src = write_tree(
        tmp_path / ".cache" / "old wiki",
        {"Home.md": "# Home\n\n[[Notes]]\n", "Notes.md": "# Notes\n", ".draft.md": "no\n"},
    )
    result = run(wiki, "import", str(src), "--apply", "--into", "old")
    assert result.exit_code == 0, result.output
    files = git(wiki, "ls-tree", "-r", "--name-only", "HEAD", "old").splitlines()
    assert {"old/notes.md", "old/index.md"} <= set(files), files
    assert not any("draft" in name for name in files)
