"""Page attachments: the list with its upload form, serving a file, its history, removal."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, flash, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue

from masterywiki.content import names
from masterywiki.content.filetypes import type_of_stored
from masterywiki.repository.attachments import Upload
from masterywiki.web.languages import gettext
from masterywiki.web.views import services
from masterywiki.web.views.auth import current_user, require_role
from masterywiki.web.views.edit import author_of_request, is_admin

bp = Blueprint("files", __name__)
FORM_ROOM = 64 * 1024  # the upload form's other fields
# Served files never run anything in the wiki's origin, whatever they contain.
FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


def init_app(app: Flask) -> None:
    """Register before the CSRF check reads the form, so an upload may be larger
    than a page body."""
    app.before_request(_allow_uploads)
    app.register_blueprint(bp)


def _allow_uploads() -> None:
    if request.endpoint == "files.upload":
        request.max_content_length = services().settings.max_attachment_bytes + FORM_ROOM


def _files_url(name: str) -> str:
    return f"/{name}/-/files"


@bp.get("/<path:name>/-/files")
def listing(name: str) -> str:
    found = services()
    record = found.wiki.record(name)
    user = current_user()
    protected = found.editor.protection.is_protected(
        record.name, record.info.front_matter.protected
    )
    return render_template(
        "attachments.html",
        page=record,
        attachments=found.attachments.of_page(record.name),
        can_upload=user is not None and user.can("admin" if protected else "editor"),
        protected=protected,
        max_bytes=found.settings.max_attachment_bytes,
    )


@bp.post("/<path:name>/-/files")
@require_role("editor")
def upload(name: str) -> ResponseReturnValue:
    sent = [(f.filename or "", f.read()) for f in request.files.getlist("file") if f.filename]
    result = services().attachments.upload_files(
        name, sent, author_of_request(), admin=is_admin(), summary=request.form.get("summary", "")
    )
    if request.accept_mimetypes.best == "application/json":  # the editor's paste and drop
        found = [{"name": a.name, "markdown": a.markdown, "url": a.url} for a in result.attachments]
        return jsonify(attachments=found, commit=result.commit), 201
    flash(_uploaded_message(result), "info" if result.commit is None else "success")
    return redirect(_files_url(result.attachment.page), 303)


def _uploaded_message(result: Upload) -> str:
    if result.commit is None:
        return gettext(
            "Nothing changed: these files were already attached with exactly this content."
        )
    shown = result.attachment.markdown
    if len(result.attachments) == 1:
        if result.replaced:
            message = gettext("Replaced %(file)s. To show it on the page, add %(markup)s")
        else:
            message = gettext("Attached %(file)s. To show it on the page, add %(markup)s")
        return message % {"file": result.attachment.name, "markup": shown}
    listed = ", ".join(a.name for a in result.attachments)
    return gettext(
        "Attached %(count)d files: %(files)s. Show one on the page with %(markup)s",
        count=len(result.attachments), files=listed, markup=shown,
    )  # fmt: skip


@bp.get("/<path:name>/-/files/<attachment>")
def serve(name: str, attachment: str) -> Response:
    found = services()
    rev = request.args.get("rev", "")
    current = None if rev else found.attachments.get(name, attachment)
    etag = current.blob if current else f"{rev}:{attachment}"
    if request.if_none_match.contains(etag):  # the reader's copy is current: skip the read
        return _file_response(b"", attachment, etag, immutable=bool(rev), status=304)
    if current is not None:
        data = found.attachments.read(current)
    else:
        data = found.attachments.read_at(name, attachment, rev, request.args.get("path", ""))
    return _file_response(data, attachment, etag, immutable=bool(rev))


def _file_response(
    data: bytes, attachment: str, etag: str, immutable: bool, status: int = 200
) -> Response:
    file_type = type_of_stored(attachment)
    charset = "; charset=utf-8" if file_type.mimetype == "text/plain" else ""
    response = Response(data, status=status, content_type=file_type.mimetype + charset)
    disposition = "inline" if file_type.inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{attachment}"'
    response.headers["Content-Security-Policy"] = FILE_CSP
    # A revision's file never changes; the current one may be replaced at any time.
    response.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if immutable else "no-cache"
    )
    response.set_etag(etag)
    if status == 200:
        response.make_conditional(request)  # Range requests, If-Modified-Since
    return response


@bp.get("/<path:name>/-/files/<attachment>/history")
def history(name: str, attachment: str) -> str:
    found = services()
    record = found.wiki.record(name)
    revisions = found.attachments.history(record.name, attachment)
    current = {a.name for a in found.attachments.of_page(record.name)}
    return render_template(
        "attachment_history.html",
        page=record,
        attachment=attachment,
        revisions=revisions,
        exists=attachment in current,
    )


@bp.post("/<path:name>/-/files/<attachment>/delete")
@require_role("editor")
def delete(name: str, attachment: str) -> ResponseReturnValue:
    services().attachments.delete(name, attachment, author_of_request(), admin=is_admin())
    flash(gettext("Removed %(file)s. Its history is kept.", file=attachment), "success")
    return redirect(_files_url(names.canonical(name)), 303)
