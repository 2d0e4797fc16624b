"""Changing pages: the editor with preview, new pages, rename, delete and revert."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, flash, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import escape

from masterywiki.content import names, templates
from masterywiki.content.model import decode
from masterywiki.content.protection import ProtectedAddressClaimed, is_marked
from masterywiki.content.sections import Section, cut
from masterywiki.content.templates import TemplateNotFound
from masterywiki.content.trailers import minor_message
from masterywiki.git.storage import Author
from masterywiki.onboarding.acknowledge import asks_confirmation
from masterywiki.repository.edits import (
    EditConflict,
    PageTooLarge,
    SaveResult,
    check_size,
    normalize_text,
)
from masterywiki.web.languages import gettext, nice_date
from masterywiki.web.views import services
from masterywiki.web.views.auth import current_user, require_role

bp = Blueprint("edit", __name__)
SECTION_HEADING = re.compile(r'(<h([2-4]) id="([^"]+)"[^>]*>)(.*?)(</h\2>)', re.S)


@bp.app_template_filter("demote_headings")
def demote_headings(html: str) -> str:
    """A preview's headings one level down, so the editor's page keeps its one h1."""
    return re.sub(r"<(/?)h([1-5])\b", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", html)


@bp.app_template_filter("section_edit_links")
def section_edit_links(html: str, action_base: str) -> str:
    """A pencil in each section heading that opens the editor on that section. Hidden
    by default: the page's edit-link marker shows them to those who may edit."""

    def add(match: re.Match[str]) -> str:
        heading_id = match.group(3)
        text = re.sub(r"<[^>]+>", "", match.group(4)).strip()
        link = (
            f'<a class="section-edit" href="{action_base}/-/edit?section={heading_id}"'
            f' aria-label="{escape(gettext("Edit the section %(title)s", title=text))}"'
            f' title="{escape(gettext("Edit this section"))}">'
            '<span aria-hidden="true">✎</span></a>'
        )
        return match.group(1) + match.group(4) + link + match.group(5)

    return SECTION_HEADING.sub(add, html)


def author_of_request() -> Author:
    user = current_user()
    assert user is not None  # require_role("editor") ran first
    email = user.email or f"{user.username}@users.masterywiki.invalid"
    return Author(user.name or user.username, email)


def is_admin() -> bool:
    user = current_user()
    return user is not None and user.can("admin")


def _refuse_early(name: str, source: str, action: str) -> None:
    """A protected page says so on the form, before the work is done; the write
    itself checks again (raises PageProtected)."""
    services().editor.protection.check(name, is_marked(source), is_admin(), action)


def _action_url(name: str, action: str) -> str:
    return f"/{name}/-/{action}"


def _editor_page(name: str, content: str, summary: str, base: str, **extra: Any) -> str:
    record = services().wiki.snapshot.catalog.get(name)
    return render_template(
        "edit.html",
        name=name,
        record=record,
        content=content,
        summary=summary,
        base=base,
        max_bytes=services().settings.max_page_bytes,
        # Only pages that ask for read confirmations offer "minor change".
        asks_confirmation=bool(record and asks_confirmation(record.info.front_matter)),
        minor=request.form.get("minor") == "yes",
        attachments=services().attachments.of_page(record.name) if record else [],
        **extra,
    )


def new_page_text(name: str) -> str:
    """A new page's starting text: its title, from `?template=` (or `?type=term`: the
    term template) when one is asked for. Raises TemplateNotFound."""
    title = " ".join(request.args.get("title", "").split())[:200] or names.title_from_name(name)
    asked = request.args.get("template", "")
    wanted = asked or ("term" if request.args.get("type") == "term" else "")
    text = template_text(wanted) if wanted else None
    if text is not None:
        return templates.fill(text, title)
    if asked:
        raise TemplateNotFound(
            f"There is no template '{asked[:60]}': templates are pages under"
            f" {templates.FOLDER}/ in the wiki's repository."
        )
    quoted = templates.yaml_title(title)
    if wanted == "term":  # a wiki without a term template
        return (
            f"---\ntitle: {quoted}\nsummary: \ntype: term\naliases: []\nrelated: []\n---\n\n"
            f"# {title}\n\nA working definition in a sentence or two.\n\n"
            "## In practice\n\nWhat it looks like in a classroom, and a designer's tip.\n"
        )
    return f"---\ntitle: {quoted}\nsummary: \n---\n\n# {title}\n\n"


def template_text(name: str) -> str | None:
    """The text of template `name` at HEAD, or None when there is none."""
    file = templates.file_of(name)
    blob = services().wiki.snapshot.files.get(file) if file else None
    return decode(services().wiki.storage.read_blob(blob)) if blob else None


def _templates() -> list[templates.Template]:
    """The templates at HEAD with what each is for (their texts read in one go)."""
    files = services().wiki.snapshot.files
    found = templates.listed(files)
    texts = services().wiki.storage.read_blobs(files[t.file] for t in found)
    return [
        replace(t, description=templates.description_of(decode(texts[files[t.file]])))
        for t in found
    ]


@bp.get("/<path:name>/-/edit")
@require_role("editor")
def edit_form(name: str) -> ResponseReturnValue:
    wiki = services().wiki
    names.validate(name)
    if names.canonical(name) != name:
        return redirect(_action_url(names.canonical(name), "edit"), 301)
    snapshot = wiki.refresh()  # one snapshot: the text must be the one at `base`
    base = snapshot.commit or ""
    record = snapshot.catalog.get(name)
    content = wiki.source(record) if record else new_page_text(name)
    _refuse_early(name, content, "change")
    section_id = request.args.get("section", "")
    if section_id and record is not None and snapshot.commit:
        _whole, section = services().editor.section(name, section_id, snapshot.commit)
        return _editor_page(name, cut(content, section), "", base, section=section)
    return _editor_page(name, content, "", base, creating=record is None)


@bp.post("/<path:name>/-/edit")
@require_role("editor")
def save(name: str) -> ResponseReturnValue:
    form = request.form
    content, summary, base = form.get("content", ""), form.get("summary", ""), form.get("base", "")
    # A minor change says so in a trailer of the commit message, which travels with git.
    message = minor_message(summary, f"Update {name}") if form.get("minor") == "yes" else summary
    section_id = form.get("section", "")
    try:
        if section_id:  # spliced into the page as it was at `base`, then saved alike
            result = services().editor.save_section(
                name, section_id, content, message, base or None, author_of_request(),
                admin=is_admin(),
            )  # fmt: skip
        else:
            result = services().editor.save(
                name, content, message, base or None, author_of_request(), admin=is_admin()
            )
    except EditConflict as conflict:  # (the page may have moved: the form goes there)
        # The conflict shows the whole page (`mine` is the section spliced in): the form
        # saves the whole page from here on.
        page = _editor_page(conflict.name, conflict.mine, summary, conflict.head, conflict=conflict)
        return make_response(page, 409)
    except PageTooLarge as error:
        section = _section_of(name, section_id, base)
        page = _editor_page(name, content, summary, base, error=error, section=section)
        return make_response(page, 413)
    except ProtectedAddressClaimed as refused:  # the fix is in the text: keep it in the form
        return make_response(_editor_page(name, content, summary, base, error=refused), 403)
    flash(_saved_message(result), "success")
    return redirect(names.url_for_name(result.name), 303)


def _section_of(name: str, section_id: str, base: str) -> Section | None:
    """The section a refused form was editing, to show the same form again."""
    if not section_id or not base:
        return None
    return services().editor.section(names.canonical(name), section_id, base)[1]


def _saved_message(result: SaveResult) -> str:
    if result.moved_from is not None:
        if result.changed:
            message = gettext(
                "Saved here: the page moved from /%(old)s while you were editing, "
                "and your text was merged with its new address. Check the result below."
            )
        else:
            message = gettext(
                "Nothing to save here: the page moved from /%(old)s while you were editing, "
                "and your text was merged with its new address. Check the result below."
            )
        return message % {"old": result.moved_from}
    if not result.changed:
        return gettext("Nothing to save: the page already says exactly this.")
    if result.merged:
        return gettext(
            "Saved. Someone else changed other parts of this page while you were editing; "
            "both changes are kept. Check the result below."
        )
    return gettext("Page created.") if result.created else gettext("Saved.")


@bp.post("/<path:name>/-/preview")
@require_role("reader")  # proposers preview too: it renders, it saves nothing
def preview(name: str) -> ResponseReturnValue:
    names.validate(name)
    form = request.form
    content, summary, base = form.get("content", ""), form.get("summary", ""), form.get("base", "")
    fetched = request.headers.get("X-Requested-With") == "fetch"
    try:
        check_size(normalize_text(content), services().settings.max_page_bytes)
    except PageTooLarge as error:  # what a save would refuse is not rendered either
        if fetched:
            page = render_template("_editor_error.html", error=error, in_preview=True)
            return make_response(page, 413)
        return make_response(_editor_page(name, content, summary, base, error=error), 413)
    document, rendered = services().wiki.preview(name, content)
    if fetched:
        return render_template("_preview.html", document=document, rendered=rendered)
    return _editor_page(name, content, summary, base, preview=rendered, preview_document=document)


@bp.get("/-/new")
@require_role("editor")
def new_page() -> ResponseReturnValue:
    wanted = request.args.get("path", "").strip()
    error = None
    if wanted:
        try:
            name = names.normalize_user_input(wanted)
        except Exception as caught:
            error = caught
        else:
            return redirect(f"/{name}/-/edit{_prefill_query()}")
    title, kind = request.args.get("title", ""), request.args.get("type")
    chosen = request.args.get("template", "") or ("term" if kind == "term" else "")
    return render_template(
        "new.html", path=wanted, error=error, title=title, chosen=chosen, templates=_templates()
    )


def _prefill_query() -> str:
    """What /-/new passes on to the editor: a title, and the template to start from."""
    prefill = {"title": request.args.get("title", "").strip()}
    if request.args.get("template"):
        prefill["template"] = request.args.get("template", "")
    elif request.args.get("type") == "term":
        prefill["type"] = "term"
    kept = {key: value for key, value in prefill.items() if value}
    return "?" + urlencode(kept) if kept else ""


@bp.route("/<path:name>/-/rename", methods=["GET", "POST"])
@require_role("editor")
def rename(name: str) -> ResponseReturnValue:
    wiki = services().wiki
    record = wiki.record(name)
    if request.method == "GET":
        _refuse_early(record.name, wiki.source(record), "move")
        return render_template("rename.html", page=record, backlinks=_backlinks(name))
    new_name = request.form.get("new_path", "")
    summary = request.form.get("summary", "")
    result = services().editor.rename(
        record.name, new_name, author_of_request(), summary, is_admin()
    )
    flash(
        gettext(
            "Moved. The old address /%(old)s now redirects here, and links to it were updated.",
            old=name,
        ),
        "success",
    )
    return redirect(names.url_for_name(result.name), 303)


def _backlinks(name: str) -> list[Any]:
    catalog = services().wiki.snapshot.catalog
    return [catalog.pages[n] for n in catalog.backlinks(name)]


@bp.route("/<path:name>/-/delete", methods=["GET", "POST"])
@require_role("editor")
def delete(name: str) -> ResponseReturnValue:
    record = services().wiki.record(name)
    if request.method == "GET":
        _refuse_early(record.name, services().wiki.source(record), "delete")
        return render_template("delete.html", page=record, backlinks=_backlinks(name))
    summary = request.form.get("summary", "")
    services().editor.delete(record.name, author_of_request(), summary, is_admin())
    flash(
        gettext(
            "Deleted “%(title)s”. Its history is kept and it can be restored.", title=record.title
        ),
        "success",
    )
    return redirect(names.url_for_name(record.name), 303)


@bp.post("/<path:name>/-/revert")
@require_role("editor")
def revert(name: str) -> ResponseReturnValue:
    names.validate(name)
    rev = request.form.get("rev", "")
    history = services().history
    version = history.version(name, rev)
    result = services().editor.revert(
        name, version.revision.commit, author_of_request(), version.path, is_admin()
    )
    if result.created:
        flash(gettext("Restored."), "success")
    elif result.changed:
        flash(
            gettext(
                "Reverted to the version of %(date)s.",
                date=nice_date(version.revision.date),
            ),
            "success",
        )
    else:
        flash(gettext("The page already has that text; nothing changed."), "info")
    return redirect(names.url_for_name(result.name), 303)
