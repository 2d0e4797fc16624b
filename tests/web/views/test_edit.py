"""Editing through the browser's forms: roles, CSRF, save, merge, conflict, moves."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from masterywiki.content.check import diagnose
from masterywiki.content.model import parse_document
from tests.auth_fixtures import csrf_token, login, make_user
from tests.conftest import commit_files, git


def soup(data: bytes) -> BeautifulSoup:
    return BeautifulSoup(data, "html.parser")


def edit_form(client: FlaskClient, name: str) -> dict[str, str]:
    response = client.get(f"/{name}/-/edit")
    assert response.status_code == 200
    form = soup(response.data).select_one("form.editor")
    return {
        "content": form.select_one("textarea[name=content]").get_text(),
        "base": form.select_one("input[name=base]")["value"],
        "csrf_token": form.select_one("input[name=csrf_token]")["value"],
        "summary": "",
    }


def test_anonymous_is_sent_to_login_and_reader_is_forbidden(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/guide/first/-/edit")
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == "/-/login?next=/guide/first/-/edit"
    make_user(app, "rita", "reader")
    login(client, "rita")
    assert client.get("/guide/first/-/edit").status_code == 403
    token = csrf_token(client, "/-/login")
    response = client.post("/guide/first/-/edit", data={"content": "x", "csrf_token": token})
    assert response.status_code == 403


def test_save_without_csrf_token_changes_nothing(
    editor_client: FlaskClient, basic_repo: Path
) -> None:
    before = git(basic_repo, "rev-parse", "HEAD")
    form = edit_form(editor_client, "guide/first")
    del form["csrf_token"]
    response = editor_client.post("/guide/first/-/edit", data=form | {"content": "# Hacked\n"})
    assert response.status_code == 400
    assert git(basic_repo, "rev-parse", "HEAD") == before


def test_edit_and_save_is_a_commit_by_the_user(
    editor_client: FlaskClient, basic_repo: Path
) -> None:
    form = edit_form(editor_client, "guide/first")
    assert form["content"].startswith("---\ntitle: First Chapter")
    form["content"] = form["content"].replace("# First Chapter", "# First Chapter, revised")
    form["summary"] = "Revise the heading"
    response = editor_client.post("/guide/first/-/edit", data=form)
    assert (response.status_code, response.headers["Location"]) == (303, "/guide/first")
    assert git(basic_repo, "log", "-1", "--format=%an|%s") == "Edna|Revise the heading"
    page = soup(editor_client.get("/guide/first").data)
    assert page.select_one(".flash").get_text() == "Saved."
    assert "revised" in page.select_one("main h1").get_text()
    # the one-time message is not cached for the next reader
    assert soup(editor_client.get("/guide/first").data).select_one(".flash") is None


def test_create_page_from_404_and_new_form(app: Flask, editor_client: FlaskClient) -> None:
    missing = soup(editor_client.get("/guide/brand-new").data)
    assert missing.select_one("a.button")["href"] == "/guide/brand-new/-/edit"
    response = editor_client.get("/-/new?path=/Guide/Bad Name")
    assert "lowercase" in soup(response.data).select_one(".field-error").get_text()
    response = editor_client.get("/-/new?path=guide/brand-new&title=Brand New")
    assert response.headers["Location"] == "/guide/brand-new/-/edit?title=Brand+New"
    response = editor_client.get("/guide/brand-new/-/edit?title=Brand+New")
    assert "title: Brand New" in soup(response.data).select_one("textarea").get_text()
    form = edit_form(editor_client, "guide/brand-new")
    form["content"] = "# Brand New\n\nHello.\n"
    assert editor_client.post("/guide/brand-new/-/edit", data=form).status_code == 303
    assert editor_client.get("/guide/brand-new").status_code == 200


def test_preview_uses_the_real_renderer(editor_client: FlaskClient) -> None:
    form = edit_form(editor_client, "guide/first")
    form["content"] = "# P\n\nSee {term}`grading weights` and {term}`nope`.\n"
    fragment = editor_client.post(
        "/guide/first/-/preview", data=form, headers={"X-Requested-With": "fetch"}
    )
    html = soup(fragment.data)
    assert html.select_one("a.xref.term")["href"] == "/glossary/grade-composition"
    assert "unknown glossary term: nope" in html.select_one(".warning-box").get_text()
    full = soup(editor_client.post("/guide/first/-/preview", data=form).data)
    assert full.select_one("section.preview a.xref.term") is not None
    assert full.select_one("textarea[name=content]").get_text() == form["content"]


def test_clean_merge_is_saved_and_reported(editor_client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, {"guide/first.md": "# First\n\none\n\ntwo\n\nthree\n"})
    form = edit_form(editor_client, "guide/first")
    commit_files(basic_repo, {"guide/first.md": "# First\n\nONE\n\ntwo\n\nthree\n"}, "theirs")
    form["content"] = "# First\n\none\n\ntwo\n\nTHREE\n"
    assert editor_client.post("/guide/first/-/edit", data=form).status_code == 303
    assert git(basic_repo, "show", "HEAD:guide/first.md") == "# First\n\nONE\n\ntwo\n\nTHREE"
    assert "both changes are kept" in soup(editor_client.get("/guide/first").data).get_text()


def test_conflict_shows_both_and_keeps_my_text(
    editor_client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {"guide/first.md": "# First\n\nline\n"})
    form = edit_form(editor_client, "guide/first")
    commit_files(basic_repo, {"guide/first.md": "# First\n\ntheir line\n"}, "theirs")
    before = git(basic_repo, "rev-parse", "HEAD")
    form["content"] = "# First\n\nmy line\n"
    response = editor_client.post("/guide/first/-/edit", data=form)
    assert response.status_code == 409
    page = soup(response.data)
    assert page.select_one("textarea[name=content]").get_text() == "# First\n\nmy line\n"
    panes = [t.get_text() for t in page.select(".conflict-panes textarea")]
    assert panes[0] == "# First\n\ntheir line\n"
    assert "<<<<<<<" in panes[1]
    assert page.select_one("input[name=base]")["value"] == before
    assert git(basic_repo, "rev-parse", "HEAD") == before


def test_size_limit_is_413_with_text_kept(app: Flask, editor_client: FlaskClient) -> None:
    form = edit_form(editor_client, "guide/first")
    limit = app.extensions["masterywiki"].settings.max_page_bytes
    form["content"] = "x" * (limit + 10)
    response = editor_client.post("/guide/first/-/edit", data=form)
    assert response.status_code == 413
    assert "limit is" in soup(response.data).select_one(".warning-box").get_text()
    # Past what any page within the limit weighs on the wire, the body is not even read.
    huge = {**form, "content": "x" * (7 * limit)}
    response = editor_client.post("/guide/first/-/edit", data=huge)
    assert response.status_code == 413
    assert (
        "larger than this wiki accepts (1,048,576 bytes a page)" in soup(response.data).get_text()
    )


def test_an_oversized_form_elsewhere_names_only_the_request_limit(
    app: Flask, client: FlaskClient
) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/-/login", data={"username": "x" * (limit + 1), "password": "p"})
    assert response.status_code == 413
    text = soup(response.data).get_text()
    assert f"larger than this wiki accepts ({limit:,} bytes)" in text
    assert "a page" not in text


# A browser sends the form percent-encoded: each of these letters' two UTF-8 bytes
# travels as three, and each newline as CRLF (%0D%0A).
CYRILLIC_LINE = "Оценивание по уровням освоения: ученик показывает, что умеет.\r\n"


def cyrillic(page_bytes: int) -> str:
    """Browser-sent text (CRLF lines) whose page, as saved, weighs about `page_bytes`."""
    line_bytes = len(CYRILLIC_LINE.replace("\r\n", "\n").encode())
    return "# Освоение\r\n\r\n" + CYRILLIC_LINE * (page_bytes // line_bytes)


def test_a_large_non_ascii_page_within_the_limit_saves(
    app: Flask, editor_client: FlaskClient, basic_repo: Path
) -> None:
    form = edit_form(editor_client, "guide/first")
    form["content"] = cyrillic(690_000)
    saved = form["content"].replace("\r\n", "\n")
    assert 680_000 < len(saved.encode()) <= 690_000
    response = editor_client.post("/guide/first/-/edit", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert git(basic_repo, "show", "HEAD:guide/first.md") + "\n" == saved
    preview = editor_client.post("/guide/first/-/preview", data=form)
    assert preview.status_code == 200
    # (the preview's headings are one level down: the editor's page keeps its one h1)
    assert soup(preview.data).select_one("section.preview h2").get_text() == "Освоение"


def test_a_page_over_the_limit_comes_back_in_the_form(
    editor_client: FlaskClient, basic_repo: Path
) -> None:
    before = git(basic_repo, "rev-parse", "HEAD")
    form = edit_form(editor_client, "guide/first")
    form["content"] = cyrillic(1_100_000)
    form["summary"] = "Весь раздел"
    for action in ("edit", "preview"):
        response = editor_client.post(f"/guide/first/-/{action}", data=form)
        assert response.status_code == 413
        page = soup(response.data)
        kept = page.select_one("form.editor textarea[name=content]").get_text()
        assert kept.replace("\r\n", "\n") == form["content"].replace("\r\n", "\n")
        assert page.select_one("input[name=summary]")["value"] == "Весь раздел"
        assert page.select_one("input[name=base]")["value"] == form["base"]
        message = page.select_one(".warning-box").get_text()
        assert "Page too large" in message and "the limit is 1,048,576 bytes" in message
    assert git(basic_repo, "rev-parse", "HEAD") == before


def test_the_script_preview_of_a_page_over_the_limit_says_why(
    editor_client: FlaskClient,
) -> None:
    form = edit_form(editor_client, "guide/first")
    form["content"] = cyrillic(1_100_000)
    token = {"X-Requested-With": "fetch", "X-CSRFToken": form["csrf_token"]}
    response = editor_client.post("/guide/first/-/preview", data=form, headers=token)
    assert response.status_code == 413
    box = soup(response.data).select_one(".warning-box[role=status]")  # the form alerts
    assert "the limit is 1,048,576 bytes" in box.get_text()
    assert "textarea" not in response.get_data(as_text=True)


def test_rename_chain_answers_301_from_every_old_url(editor_client: FlaskClient) -> None:
    for old, new in [("guide/first", "a/one"), ("a/one", "b/two")]:
        token = csrf_token(editor_client, f"/{old}/-/rename")
        response = editor_client.post(
            f"/{old}/-/rename", data={"new_path": f"/{new}.md", "csrf_token": token}
        )
        assert (response.status_code, response.headers["Location"]) == (303, f"/{new}")
    for old in ("/guide/first", "/a/one"):
        response = editor_client.get(old)
        assert (response.status_code, response.headers["Location"]) == (301, "/b/two")
    assert editor_client.get("/guide/first/-/history").status_code in (200, 301)


def test_delete_answers_410_and_can_be_restored(
    editor_client: FlaskClient, client: FlaskClient
) -> None:
    token = csrf_token(editor_client, "/guide/second/-/delete")
    response = editor_client.post("/guide/second/-/delete", data={"csrf_token": token})
    assert response.status_code == 303
    gone = client.get("/guide/second")
    assert gone.status_code == 410
    page = soup(gone.data)
    assert page.select_one('a[href="/guide/second/-/history"]') is not None
    assert page.select_one("form") is None or "Restore" not in page.get_text(), (
        "readers cannot restore"
    )
    restore = soup(editor_client.get("/guide/second").data).select_one("form[action$='/-/revert']")
    data = {i["name"]: i["value"] for i in restore.select("input")}
    assert editor_client.post("/guide/second/-/revert", data=data).status_code == 303
    assert client.get("/guide/second").status_code == 200


@pytest.mark.parametrize("url", ["/guide/first/-/rename", "/guide/first/-/delete", "/-/new"])
def test_tool_pages_need_an_editor(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 302


# -- a form opened before the page moved or was deleted ---------------------------------

SECOND = "# Second\n\nIntro.\n\nMiddle.\n\nEnd.\n"


def move(client: FlaskClient, old: str, new: str) -> None:
    token = csrf_token(client, f"/{old}/-/rename")
    response = client.post(f"/{old}/-/rename", data={"new_path": new, "csrf_token": token})
    assert response.status_code == 303


def findings(app: Flask) -> list[str]:
    wiki = app.extensions["masterywiki"].wiki
    snapshot = wiki.refresh()
    rendered = {r.name: wiki.rendered(r) for r in snapshot.catalog.records()}
    return [str(d) for d in diagnose(snapshot.catalog, rendered, snapshot.files)]


def test_a_save_after_a_rename_follows_the_page(
    app: Flask, editor_client: FlaskClient, admin_client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {"guide/second.md": SECOND})
    before = findings(app)
    form = edit_form(editor_client, "guide/second")
    move(admin_client, "guide/second", "chapters/two")
    form["content"] = SECOND.replace("End.", "End, said B.")
    response = editor_client.post("/guide/second/-/edit", data=form)
    assert (response.status_code, response.headers["Location"]) == (303, "/chapters/two")
    assert "guide/second.md" not in git(basic_repo, "ls-tree", "-r", "--name-only", "HEAD")
    saved = git(basic_repo, "show", "HEAD:chapters/two.md")
    assert "End, said B." in saved and "redirect_from" in saved, "merged with the move"
    old = editor_client.get("/guide/second")
    assert (old.status_code, old.headers["Location"]) == (301, "/chapters/two")
    assert "moved from /guide/second" in soup(editor_client.get("/chapters/two").data).get_text()
    renamed = [f.replace("guide/second", "chapters/two") for f in before]
    assert findings(app) == renamed, "no forked page for check to find"


def test_a_conflict_after_a_rename_keeps_my_text_in_a_form_for_the_new_place(
    app: Flask, editor_client: FlaskClient, admin_client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {"guide/second.md": SECOND})
    form = edit_form(editor_client, "guide/second")
    move(admin_client, "guide/second", "chapters/two")
    app.extensions["masterywiki"].wiki.storage.wait_for_work_tree()  # git's index is free
    moved = git(basic_repo, "show", "HEAD:chapters/two.md") + "\n"
    commit_files(basic_repo, {"chapters/two.md": moved.replace("End.", "End, said A.")})
    head = git(basic_repo, "rev-parse", "HEAD")
    mine = SECOND.replace("End.", "End, said B.")
    response = editor_client.post("/guide/second/-/edit", data={**form, "content": mine})
    assert response.status_code == 409
    page = soup(response.data)
    assert page.select_one("form.editor")["action"] == "/chapters/two/-/edit"
    assert page.select_one("textarea[name=content]").get_text() == mine
    assert page.select_one("input[name=base]")["value"] == head
    assert git(basic_repo, "rev-parse", "HEAD") == head, "nothing saved"
    assert "guide/second.md" not in git(basic_repo, "ls-tree", "-r", "--name-only", "HEAD")


def test_a_save_after_a_delete_is_a_conflict_not_a_revival(
    editor_client: FlaskClient, admin_client: FlaskClient, client: FlaskClient, basic_repo: Path
) -> None:
    form = edit_form(editor_client, "guide/second")
    token = csrf_token(admin_client, "/guide/second/-/delete")
    assert (
        admin_client.post("/guide/second/-/delete", data={"csrf_token": token}).status_code == 303
    )
    deleted = git(basic_repo, "rev-parse", "HEAD")
    mine = form["content"] + "\nAdded by B.\n"
    response = editor_client.post("/guide/second/-/edit", data={**form, "content": mine})
    assert response.status_code == 409
    page = soup(response.data)
    assert "deleted while you were editing" in page.select_one(".conflict").get_text()
    assert page.select_one('.conflict a[href="/guide/second/-/history"]') is not None
    assert page.select_one("textarea[name=content]").get_text() == mine
    assert git(basic_repo, "rev-parse", "HEAD") == deleted, "nothing saved"
    assert client.get("/guide/second").status_code == 410
    # Sending the form again, knowing, creates the page anew with B's text.
    again = {**form, "content": mine, "base": page.select_one("input[name=base]")["value"]}
    assert editor_client.post("/guide/second/-/edit", data=again).status_code == 303
    assert "Added by B." in git(basic_repo, "show", "HEAD:guide/second.md")


def test_new_offers_a_title_and_a_term_template(editor_client: FlaskClient) -> None:
    answer = editor_client.get("/-/new?path=glossary/exit-ticket&title=Exit ticket&type=term")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/glossary/exit-ticket/-/edit?title=Exit+ticket&type=term"
    text = (
        soup(editor_client.get(answer.headers["Location"]).data).select_one("textarea").get_text()
    )
    document = parse_document(text)
    assert document.front_matter.title == "Exit ticket" and document.front_matter.type == "term"
    assert "## In practice" in document.body
    odd = editor_client.get("/x/-/edit?title=Grades: what they mean")
    assert parse_document(soup(odd.data).select_one("textarea").get_text()).front_matter.title == (
        "Grades: what they mean"
    )
    form = soup(editor_client.get("/-/new?title=Exit ticket&type=term").data)
    assert form.select_one("#title")["value"] == "Exit ticket"
    assert form.select_one("input[name=type]")["value"] == "term"


# -- one section ------------------------------------------------------------------------

SECTIONED = """---
title: Sectioned
---

# Sectioned

## Alpha

Alpha text.

## Beta

Beta text.
"""


def test_one_section_is_edited_and_others_changes_are_kept(
    app: Flask, editor_client: FlaskClient, client: FlaskClient, basic_repo: Path
) -> None:
    commit_files(basic_repo, {"guide/sectioned.md": SECTIONED})
    page = editor_client.get("/guide/sectioned").get_data(as_text=True)
    pencil = soup(page.encode()).select_one("h2#beta a.section-edit")
    assert pencil is not None and pencil["href"] == "/guide/sectioned/-/edit?section=beta"
    assert "editing.css" in page  # which shows the pencils to an editor
    assert "editing.css" not in client.get("/guide/sectioned").get_data(as_text=True)
    shown = soup(editor_client.get("/guide/sectioned/-/edit?section=beta").data)
    editor = shown.select_one("form.editor")
    assert editor is not None and "the section “Beta”" in shown.select_one("h1").get_text()
    form = {field["name"]: field.get("value", "") for field in editor.select("input[name]")}
    form["content"] = editor.select_one("textarea[name=content]").get_text()
    assert form["content"] == "## Beta\n\nBeta text.\n" and form["section"] == "beta"
    # Meanwhile someone changes another section.
    commit_files(
        basic_repo, {"guide/sectioned.md": SECTIONED.replace("Alpha text.", "Alpha, edited.")}
    )
    form["content"] = "## Beta\n\nBeta, rewritten.\n"
    assert editor_client.post("/guide/sectioned/-/edit", data=form).status_code == 303
    saved = git(basic_repo, "show", "HEAD:guide/sectioned.md") + "\n"  # (git() strips)
    assert saved == SECTIONED.replace("Alpha text.", "Alpha, edited.").replace(
        "Beta text.", "Beta, rewritten."
    )
    missing = editor_client.get("/guide/sectioned/-/edit?section=gamma")
    assert missing.status_code == 404 and "no section" in missing.get_data(as_text=True)


TERM_TEMPLATE = """---
template: A glossary term.
title: {{title}}
type: term
---

# {{title}}

Define it.
"""


def test_a_new_page_starts_from_a_template(editor_client: FlaskClient, basic_repo: Path) -> None:
    commit_files(basic_repo, {"_templates/term.md": TERM_TEMPLATE, "_templates/Bad Name.md": "x"})
    chooser = soup(editor_client.get("/-/new?title=Exit ticket&template=term").data)
    choices = {i["value"]: i.has_attr("checked") for i in chooser.select("input[name=template]")}
    assert choices == {"": False, "term": True}, "listed by name, the odd file left out"
    assert "A glossary term." in chooser.select_one("fieldset").get_text()
    answer = editor_client.get("/-/new?path=glossary/exit-ticket&title=Exit: ticket&template=term")
    assert answer.headers["Location"] == (
        "/glossary/exit-ticket/-/edit?title=Exit%3A+ticket&template=term"
    )
    text = soup(editor_client.get(answer.headers["Location"]).data).select_one("textarea")
    assert text is not None and text.get_text() == (
        '---\ntitle: "Exit: ticket"\ntype: term\n---\n\n# Exit: ticket\n\nDefine it.\n'
    )
    # ?type=term (older links) starts from the term template too.
    older = soup(editor_client.get("/glossary/quiz/-/edit?type=term").data).select_one("textarea")
    assert older is not None and older.get_text().startswith("---\ntitle: Quiz\ntype: term")
    missing = editor_client.get("/glossary/quiz/-/edit?template=nowhere")
    assert missing.status_code == 404 and "no template" in missing.get_data(as_text=True)
    # Templates are no pages: not served, not searched, not in the navigation.
    assert editor_client.get("/_templates/term").status_code == 400
