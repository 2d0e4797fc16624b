"""Suggested edits: the propose form, the list, one proposal with its diffs and
discussion, and the decisions; JSON beside them.

Every form works without JavaScript: a POST, then a 303 to the proposal. The page
view's "Edit" link is a marker: editors who may change the page see "Edit" (and how
many suggestions wait), everyone else logged in sees "Suggest an edit".
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from masterywiki.content import names
from masterywiki.content.diffs import diff_texts
from masterywiki.errors import InvalidInput, LoginRequired, UnknownUser
from masterywiki.people.accounts import User
from masterywiki.proposals import notices
from masterywiki.proposals.record import STATES, Filters, Proposal, page_of
from masterywiki.proposals.service import Proposals
from masterywiki.proposals.talk import ProposalTalk
from masterywiki.repository.edits import EditConflict, PageTooLarge
from masterywiki.watching.notify import Notifier
from masterywiki.web.languages import gettext
from masterywiki.web.views import auth, markers, ops, page_number, services, watch
from masterywiki.web.views.auth import current_user
from masterywiki.web.views.comments import comment_service
from masterywiki.web.views.edit import new_page_text

bp = Blueprint("proposals", __name__)
EXTENSION = "masterywiki.proposals"
TALK = "masterywiki.proposals.talk"
PER_PAGE = 50


def init_app(app: Flask) -> None:
    found = app.extensions["masterywiki"]
    app.extensions[EXTENSION] = service = Proposals(found.wiki, found.editor, found.database)
    app.extensions[TALK] = ProposalTalk(service, app.extensions["masterywiki.discussion.comments"])
    sync = app.extensions.get(ops.SYNC_KEY)
    if sync is not None:  # a new proposal, comment or decision is pushed like a save
        service.after_change.append(sync.push_soon)
    markers.register(app, "edit-link", _edit_link)
    app.register_blueprint(bp)


def proposals() -> Proposals:
    found: Proposals = current_app.extensions[EXTENSION]
    return found


def talk() -> ProposalTalk:
    found: ProposalTalk = current_app.extensions[TALK]
    return found


def _logged_in() -> User:
    user = current_user()
    if user is None:
        raise LoginRequired(gettext("Log in to suggest an edit."))
    return user


# -- the page's Edit / Suggest link, per visitor ---------------------------------------


def _edit_link(name: str) -> str:
    record = services().wiki.snapshot.catalog.get(name)
    if record is None:
        return ""
    user = current_user()
    protected = services().editor.protection.is_protected(
        record.name, record.info.front_matter.protected
    )
    may_edit = user is not None and user.can("editor") and (not protected or user.can("admin"))
    waiting = len(proposals().open_for(record.name)) if may_edit else 0
    return render_template(
        "_edit_link.html", name=record.name, user=user, may_edit=may_edit,
        protected=protected, waiting=waiting,
    )  # fmt: skip


# -- proposing --------------------------------------------------------------------------


def _form(
    name: str, content: str, summary: str, base: str, *, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    record = services().wiki.snapshot.catalog.get(name)
    page = render_template(
        "edit.html", name=name, record=record, content=content, summary=summary, base=base,
        max_bytes=services().settings.max_page_bytes, attachments=[],
        proposing=True, form_action=extra.pop("form_action", f"/{name}/-/propose"), **extra,
    )  # fmt: skip
    return make_response(page, status)


@bp.get("/<path:name>/-/propose")
def propose_form(name: str) -> ResponseReturnValue:
    _logged_in()
    names.validate(name)
    if names.canonical(name) != name:
        return redirect(f"/{names.canonical(name)}/-/propose", 301)
    wiki = services().wiki
    snapshot = wiki.refresh()
    record = snapshot.catalog.get(name)
    if record is None and name in snapshot.catalog.redirects:
        return redirect(f"/{snapshot.catalog.redirects[name]}/-/propose", 301)
    content = wiki.source(record) if record else new_page_text(name)
    return _form(name, content, "", snapshot.commit or "", creating=record is None)


@bp.post("/<path:name>/-/propose")
def propose(name: str) -> ResponseReturnValue:
    user = _logged_in()
    form = request.form
    content, summary, base = form.get("content", ""), form.get("summary", ""), form.get("base", "")
    create = form.get("create") == "1"
    # Limited like comments (and counted with them): a branch each is cheap, not free.
    comment_service().count_post(user, request.remote_addr or "")
    try:
        proposal = proposals().propose(name, content, summary, base or None, user, create=create)
    except PageTooLarge as error:
        return _form(name, content, summary, base, status=413, error=error, creating=create)
    _tell_watchers(proposal)
    if _wants_json():
        return jsonify(_json(proposal)), 201
    flash(gettext("Thank you: your suggestion is waiting for an editor's review."), "success")
    return redirect(f"/-/proposals/{proposal.id}", 303)


@bp.get("/-/proposals/<int:number>/edit")
def update_form(number: int) -> ResponseReturnValue:
    _logged_in()
    proposal = proposals().get(number)
    texts = proposals().texts(proposal)
    return _form(
        proposal.path, texts.proposed, "", proposal.base,
        form_action=f"/-/proposals/{number}/update", updating=proposal,
    )  # fmt: skip


@bp.post("/-/proposals/<int:number>/update")
def update(number: int) -> ResponseReturnValue:
    user = _logged_in()
    content, summary = request.form.get("content", ""), request.form.get("summary", "")
    try:
        proposals().update(number, content, summary, user)
    except PageTooLarge as error:
        proposal = proposals().get(number)
        return _form(
            proposal.path, content, summary, proposal.base, status=413, error=error,
            form_action=f"/-/proposals/{number}/update", updating=proposal,
        )  # fmt: skip
    flash(gettext("Your suggestion is updated."), "success")
    return redirect(f"/-/proposals/{number}", 303)


# -- reading ------------------------------------------------------------------------------


def _filters() -> Filters:
    state = request.args.get("state", "open")
    if state not in (*STATES, "all"):
        raise InvalidInput(f"Choose a state among {', '.join(STATES)} or all.")
    page = request.args.get("page_path", "").strip().strip("/")
    return Filters(
        state="" if state == "all" else state,
        page=page,
        author=request.args.get("author", "").strip(),
    )


@bp.get("/-/proposals")
def listing() -> ResponseReturnValue:
    filters = _filters()
    found = proposals().select(filters)
    number = page_number()
    shown = page_of(found, number, PER_PAGE)
    query = {k: v for k, v in (("state", filters.state or "all"), ("page_path", filters.page),
                              ("author", filters.author)) if v}  # fmt: skip
    return render_template(
        "proposals.html", proposals=shown, filters=filters, total=len(found),
        page=number, has_next=len(found) > number * PER_PAGE, states=STATES,
        base_url="/-/proposals?" + urlencode(query), current_name=proposals().current_name,
    )  # fmt: skip


@bp.get("/-/proposals/<int:number>")
def show(number: int) -> ResponseReturnValue:
    return _show(proposals().get(number))


def _show(
    proposal: Proposal, *, status: int = 200, conflict: EditConflict | None = None
) -> ResponseReturnValue:
    service = proposals()
    texts = service.texts(proposal)
    user = current_user()
    discussion = talk().discussion(proposal)
    page = render_template(
        "proposal.html", proposal=proposal, texts=texts, user=user,
        against_current=diff_texts(texts.current or "", texts.proposed),
        against_base=diff_texts(texts.base or "", texts.proposed),
        may_decide=proposal.is_open and service.may_merge(user, proposal),
        is_proposer=user is not None and user.username == proposal.author,
        discussion=discussion, may_comment=user is not None, conflict=conflict,
        comment_html=comment_service().html,
    )  # fmt: skip
    return make_response(page, status)


# -- deciding -------------------------------------------------------------------------------


@bp.post("/-/proposals/<int:number>/merge")
def merge(number: int) -> ResponseReturnValue:
    user = current_user()
    resolution = request.form.get("content")
    try:
        proposal, result = proposals().merge(
            number, user, resolution=resolution, resolution_base=request.form.get("base") or None
        )
    except EditConflict as conflict:
        if _wants_json():
            raise
        return _show(proposals().get(number), status=409, conflict=conflict)
    _tell_proposer(proposal, user, "merged")
    if _wants_json():
        return jsonify(_json(proposal))
    flash(
        gettext("Merged: the suggestion is now part of the page.") + " " + _merge_note(result),
        "success",
    )
    return redirect(names.url_for_name(result.name), 303)


def _merge_note(result: Any) -> str:
    if result.merged:
        return gettext(
            "It was combined with changes made since it was suggested; check the result."
        )
    return ""


@bp.post("/-/proposals/<int:number>/decline")
def decline(number: int) -> ResponseReturnValue:
    user = current_user()
    proposal = proposals().decline(number, user, request.form.get("note", ""))
    _tell_proposer(proposal, user, "declined")
    if _wants_json():
        return jsonify(_json(proposal))
    flash(gettext("Declined: the suggestion stays readable, and its author is told."), "success")
    return redirect(f"/-/proposals/{number}", 303)


@bp.post("/-/proposals/<int:number>/withdraw")
def withdraw(number: int) -> ResponseReturnValue:
    proposal = proposals().withdraw(number, current_user())
    if _wants_json():
        return jsonify(_json(proposal))
    flash(gettext("Withdrawn."), "success")
    return redirect(f"/-/proposals/{number}", 303)


@bp.post("/-/proposals/<int:number>/comments")
def comment(number: int) -> ResponseReturnValue:
    user = current_user()
    proposal, posted = talk().post(
        number, request.form.get("body", ""), user, parent=request.form.get("parent") or None,
        address=request.remote_addr or "",
    )  # fmt: skip
    assert user is not None
    _tell_proposer(proposal, user, "comment", posted.body)
    if _wants_json():
        return jsonify({"id": posted.id, "author": posted.author, "body": posted.body}), 201
    return redirect(f"/-/proposals/{number}#comment-{posted.id}", 303)


# -- JSON -----------------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _json(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "path": proposals().current_name(proposal),
        "proposed_at": proposal.path,
        "author": proposal.author,
        "summary": proposal.summary,
        "state": proposal.state,
        "created": proposal.created.isoformat(),
        "updated": proposal.updated.isoformat(),
        "base": proposal.base,
        "new_page": proposal.new_page,
        "closed_by": proposal.closed_by or None,
        "merged_as": proposal.merged_as or None,
        "url": f"/-/proposals/{proposal.id}",
    }


@bp.get("/-/api/v1/proposals")
def api_listing() -> ResponseReturnValue:
    found = proposals().select(_filters())
    number = page_number()
    return jsonify(
        {
            "total": len(found),
            "page": number,
            "proposals": [_json(p) for p in page_of(found, number, PER_PAGE)],
        }
    )


@bp.get("/-/api/v1/proposals/<int:number>")
def api_one(number: int) -> ResponseReturnValue:
    proposal = proposals().get(number)
    texts = proposals().texts(proposal)
    return jsonify({**_json(proposal), "content": texts.proposed, "note": proposal.note or None})


# -- telling people -----------------------------------------------------------------------


def _notifier() -> Notifier | None:
    found: Notifier | None = current_app.extensions[watch.EXTENSION].notifier
    return found


def _tell_watchers(proposal: Proposal) -> None:
    """Email the editors who watch the page (or its section) of a new suggestion."""
    notifier = _notifier()
    if notifier is None:
        return
    accounts = auth.accounts()

    def may_review(username: str) -> bool:
        try:
            return proposals().may_merge(accounts.get_user(username), proposal)
        except UnknownUser:
            return False

    watchers = current_app.extensions[watch.EXTENSION].watchlist.watchers()
    now = time.time()
    messages = notices.to_watchers(proposal, watchers, may_review, notifier.mail, now)
    if messages:
        notifier.enqueue(messages, now)


def _tell_proposer(proposal: Proposal, by: User | None, event: str, text: str = "") -> None:
    notifier = _notifier()
    if notifier is None or by is None:
        return
    try:
        proposer = auth.accounts().get_user(proposal.author)
    except UnknownUser:
        return  # the account was removed: nobody to tell
    now = time.time()
    message = notices.to_proposer(proposal, proposer, event, by, text, notifier.mail, now)
    if message is not None:
        notifier.enqueue([message], now)
