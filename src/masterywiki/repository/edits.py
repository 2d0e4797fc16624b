"""The write side of the wiki: save with three-way merge, rename, delete, revert.

No Flask here. Every change is one commit made under the repository's write lock,
so saves from several processes are serialized and none is lost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from masterywiki.content import names
from masterywiki.content.attachmentindex import index_attachments
from masterywiki.content.catalog import PageRecord
from masterywiki.content.model import decode
from masterywiki.content.protection import Protection, claims, is_marked
from masterywiki.content.relink import add_redirect, rewrite_references
from masterywiki.content.sections import Section, find_section, splice
from masterywiki.content.trailers import minor_message
from masterywiki.errors import PageNotFound, RevisionNotFound, WikiError
from masterywiki.git import textmerge
from masterywiki.git.parse import is_sha
from masterywiki.git.storage import Author
from masterywiki.repository.wiki import Snapshot, Wiki

COMMENTS_SUFFIX = ".comments.jsonl"


class PageTooLarge(WikiError):
    status = 413
    title = "Page too large"


class SectionNotFound(WikiError):
    status = 404
    title = "Section not found"


class PageExists(WikiError):
    status = 409
    title = "A page already exists there"


class EditConflict(WikiError):
    """Someone else changed the same lines; nothing was saved. `name` is where the page
    is now (it may have moved while the form was open): the form posts there again."""

    status = 409
    title = "Edit conflict"
    deleted = False

    def __init__(
        self, mine: str, theirs: str, merged: str, head: str, name: str, message: str = ""
    ) -> None:
        super().__init__(
            message
            or "Someone saved a change to the same part of this page while you were editing. "
            "Your text is kept below: combine the two versions and save again."
        )
        self.mine, self.theirs, self.merged, self.head = mine, theirs, merged, head
        self.name = name


class PageDeletedMeanwhile(EditConflict):
    """The page was deleted after the form was opened. Nothing is saved, so a stale form
    never brings a deleted page back by accident; the form, sent again, creates it."""

    title = "Page deleted meanwhile"
    deleted = True

    def __init__(self, name: str, mine: str, head: str) -> None:
        super().__init__(
            mine, "", mine, head, name,
            "This page was deleted while you were editing. Your text "
            "is kept below: save again to create the page anew with it, or restore the "
            "deleted page, with its comments and files, from its history.",
        )  # fmt: skip


@dataclass(frozen=True)
class SaveResult:
    name: str
    commit: str | None  # None when nothing changed
    created: bool = False
    merged: bool = False
    moved_from: str | None = None  # the page's address when the form was opened

    @property
    def changed(self) -> bool:
        return self.commit is not None


def normalize_text(text: str) -> str:
    """Browsers send CRLF; git content uses LF and ends with a newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def check_size(text: str, limit: int) -> None:
    """Raises PageTooLarge when the page's own bytes (UTF-8, as `normalize_text` leaves
    them) exceed `limit`: what it weighs in git, not what the form weighed on its way."""
    size = len(text.encode())
    if size > limit:
        raise PageTooLarge(
            f"The page is {size:,} bytes; the limit is {limit:,} bytes. "
            "Split it into several pages."
        )


def comments_file(page_file: str) -> str:
    return page_file[: -len(names.PAGE_SUFFIX)] + COMMENTS_SUFFIX


class Editor:
    def __init__(
        self, wiki: Wiki, max_page_bytes: int, protection: Protection | None = None
    ) -> None:
        self.wiki = wiki
        self.storage = wiki.storage
        self.max_page_bytes = max_page_bytes
        self.protection = protection or Protection()

    def _file_at(self, commit: str | None, name: str) -> tuple[str, str] | None:
        """(file, text) of page `name` at `commit`, or None if it had no page."""
        if commit is None:
            return None
        for candidate in names.candidate_files(name):
            data = self.storage.read_file(commit, candidate)
            if data is not None:
                return candidate, decode(data)
        return None

    def _protected_page(self, name: str) -> bool:
        """Whether page `name` says `protected: true` (at the wiki's current HEAD)."""
        found = self.wiki.refresh().catalog.get(name)
        return found is not None and found.info.front_matter.protected

    def save(
        self,
        name: str,
        content: str,
        summary: str,
        base: str | None,
        author: Author,
        new_file: str | None = None,
        comments: bytes | None = None,
        admin: bool = False,
        attachments: Mapping[str, bytes] | None = None,
        committer: Author | None = None,
    ) -> SaveResult:
        """Save `content` as page `name`, merging with changes made since `base`.

        `comments` and `attachments` ({name: bytes}) are brought back with the page
        when the save creates it (an undelete); an existing page keeps its own.
        `admin` may change protected pages. `committer` (default: the wiki) is who
        saved someone else's text: an editor merging a suggested edit.
        A page renamed since `base` is saved at its new address, merged three-way
        with the move (`moved_from` says so); one deleted since raises
        PageDeletedMeanwhile.
        Raises InvalidPagePath, PageTooLarge, PageProtected (ProtectedAddressClaimed for a
        `redirect_from` a non-admin may not make), EditConflict, RepositoryBusy.
        """
        names.validate(name)
        name = names.canonical(name)
        mine = normalize_text(content)
        check_size(mine, self.max_page_bytes)
        base = base if base and is_sha(base) else None
        with self.storage.write_lock():
            head = self.storage.head()
            current = self._file_at(head, name)
            moved_from = None
            if current is None and (moved := self._moved_since(name, mine, base, head)):
                moved_from, name = name, moved
                current = self._file_at(head, name)
            marked = is_marked(current[1]) if current else False
            self.protection.check(name, marked, admin)
            self.protection.check_marking(marked, is_marked(mine), admin)
            held = claims(current[1]) if current else ()
            self.protection.check_claims(held, claims(mine), admin, self._protected_page)
            text, merged = mine, False
            if current is not None and base != head:
                text, merged = self._merge(name, mine, current[1], base, head, moved_from)
            if current is not None and text == current[1]:
                return SaveResult(name, None, moved_from=moved_from)
            path = current[0] if current else new_file or names.new_file_for(name)
            verb = "Update" if current else "Create"
            message = summary.strip() or f"{verb} {name}"
            changes: dict[str, bytes | None] = {path: text.encode()}
            if current is None and comments is not None:
                changes[comments_file(path)] = comments
            if current is None:
                folder = names.attachments_folder(path)
                for attachment, data in (attachments or {}).items():
                    changes[f"{folder}/{attachment}"] = data
            commit = self.storage.commit(changes, message, author, head, committer)
        self.wiki.refresh()
        return SaveResult(name, commit, current is None, merged, moved_from)

    def section(self, name: str, section_id: str, commit: str) -> tuple[str, Section]:
        """(the page's text at `commit`, its section `section_id` there).
        Raises PageNotFound, SectionNotFound."""
        found = self._file_at(commit, name)
        if found is None:
            raise PageNotFound(name)
        text = found[1]
        _document, rendered = self.wiki.preview(name, text)
        section = find_section(rendered.headings, section_id, len(text.splitlines()))
        if section is None:
            raise SectionNotFound(
                f"The page '{name}' has no section '{section_id[:80]}' (any more): "
                "edit the whole page instead."
            )
        return text, section

    def save_section(
        self, name: str, section_id: str, content: str, summary: str, base: str | None,
        author: Author, admin: bool = False,
    ) -> SaveResult:  # fmt: skip
        """Save one section's new text: spliced into the page as it was at `base`, then
        saved (and merged with changes made since) like the whole page.
        Raises what `save` raises, and SectionNotFound."""
        commit = base if base and is_sha(base) else self.storage.head()
        if commit is None:
            raise PageNotFound(name)
        text, section = self.section(names.canonical(name), section_id, commit)
        whole = splice(text, section, normalize_text(content))
        return self.save(name, whole, summary, commit, author, admin=admin)

    def _moved_since(self, name: str, mine: str, base: str | None, head: str | None) -> str | None:
        """For page `name`, missing at `head`: the page it became if it existed at `base`
        and moved since (recorded in `redirect_from`, or a rename git sees), else None
        for a new page. Raises PageDeletedMeanwhile if it existed at `base` and is gone.
        Call with the write lock held."""
        if base is None or head is None or base == head:
            return None
        try:
            earlier = self._file_at(base, name)
        except RevisionNotFound:
            return None  # a base from another history: nothing to compare with
        if earlier is None:
            return None
        catalog = self.wiki.refresh().catalog
        moved = catalog.redirects.get(name)
        if moved is None:
            renamed = self.storage.renames(base, head).get(earlier[0])
            moved = names.name_for_file(renamed) if renamed else None
        if moved is None or moved not in catalog:
            raise PageDeletedMeanwhile(name, mine, head)
        return moved

    @contextmanager
    def changing(
        self, name: str, admin: bool, action: str
    ) -> Iterator[tuple[Snapshot, PageRecord, str]]:
        """Under the write lock: the current snapshot, page `name` and its source, once
        the writer may `action` it. Raises PageNotFound, PageProtected, RepositoryBusy."""
        with self.storage.write_lock():
            snapshot = self.wiki.refresh()
            record = snapshot.catalog.get(name)
            if record is None:
                raise PageNotFound(name)
            source = self.wiki.source(record)
            self.protection.check(record.name, is_marked(source), admin, action)
            yield snapshot, record, source

    def _merge(
        self,
        name: str,
        mine: str,
        theirs: str,
        base: str | None,
        head: str | None,
        moved_from: str | None = None,
    ) -> tuple[str, bool]:
        """`mine` merged three-way with `theirs`, from the page at `base` (when it was
        at `moved_from`, there). Raises EditConflict."""
        if mine == theirs:
            return mine, False
        original = None
        if base is not None:
            try:
                found = self._file_at(base, moved_from or name)
            except RevisionNotFound:
                found = None
            original = found[1] if found else None
        if original == theirs:  # the page did not change since the form was opened
            return mine, False
        result = textmerge.merge(original or "", mine, theirs)
        if result.conflicts:
            raise EditConflict(mine, theirs, result.text, head or "", name)
        return result.text, True

    def rename(
        self, name: str, new_name: str, author: Author, summary: str = "", admin: bool = False
    ) -> SaveResult:
        """Move a page (and its comments); old links are rewritten, the old URL redirects.

        Links in protected pages are rewritten only for an admin; for others the
        old address's redirect keeps those links working.
        Raises PageNotFound, PageExists, PageProtected, InvalidPagePath,
        CannotEditFrontMatter.
        """
        new_name = names.normalize_user_input(new_name)
        with self.changing(name, admin, "move") as (snapshot, record, source):
            catalog = snapshot.catalog
            self.protection.check(new_name, False, admin, "move pages into")
            if new_name == name:
                return SaveResult(name, None)
            if new_name in catalog:
                raise PageExists(f"There is already a page at '{new_name}'.")
            new_file = names.new_file_for(new_name)
            moved = {name: new_name}

            def file_of(page: str) -> str:
                if page == new_name:
                    return new_file
                found = catalog.get(page)
                return found.file if found else names.new_file_for(page)

            # Two commits, published together: a pure move git can follow, then the
            # old address recorded in the page (and its relative links fixed).
            move: dict[str, bytes | None] = {record.file: None, new_file: source.encode()}
            old_comments = comments_file(record.file)
            if old_comments in snapshot.files:
                move[old_comments] = None
                move[comments_file(new_file)] = self.storage.read_blob(snapshot.files[old_comments])
            old_folder, new_folder = (names.attachments_folder(f) for f in (record.file, new_file))
            attached = snapshot.attachments.get(record.file, {})
            contents = self.storage.read_blobs(attached.values())
            for file_name, blob in attached.items():
                move[f"{old_folder}/{file_name}"] = None
                move[f"{new_folder}/{file_name}"] = contents[blob]
            folders = {old_folder: new_folder}
            for source_name in catalog.backlinks(name):
                other = catalog.pages[source_name]
                text = self.wiki.source(other)
                if not admin and self.protection.is_protected(other.name, is_marked(text)):
                    continue
                rewritten = rewrite_references(
                    text, other.file, other.file, moved, file_of, folders
                )
                if rewritten != text:
                    move[other.file] = rewritten.encode()
            relinked = rewrite_references(source, record.file, new_file, moved, file_of, folders)
            record_old = {new_file: add_redirect(relinked, name).encode()}
            # Minor: a move changes nothing readers read (read confirmations, paths).
            message = minor_message(summary, f"Move {name} to {new_name}")
            redirect = minor_message(f"Redirect {name} to {new_name}", "")
            commit = self.storage.commit_steps(
                [(move, message), (record_old, redirect)],
                author,
                snapshot.commit,
            )
        self.wiki.refresh()
        return SaveResult(new_name, commit)

    def delete(
        self, name: str, author: Author, summary: str = "", admin: bool = False
    ) -> SaveResult:
        """Remove a page (its history stays). Raises PageNotFound, PageProtected."""
        with self.changing(name, admin, "delete") as (snapshot, record, _source):
            changes: dict[str, bytes | None] = {record.file: None}
            if comments_file(record.file) in snapshot.files:
                changes[comments_file(record.file)] = None
            folder = names.attachments_folder(record.file)
            for attachment in snapshot.attachments.get(record.file, {}):
                changes[f"{folder}/{attachment}"] = None
            message = summary.strip() or f"Delete {name}"
            commit = self.storage.commit(changes, message, author, snapshot.commit)
        self.wiki.refresh()
        return SaveResult(name, commit)

    def revert(
        self, name: str, rev: str, author: Author, path: str | None = None, admin: bool = False
    ) -> SaveResult:
        """A new commit restoring page `name` to its text at `rev` (also undeletes,
        bringing back the page's comments as they were at `rev`).

        `path` is the page's file at `rev` when it was stored elsewhere then.
        Raises RevisionNotFound, PageNotFound, PageProtected.
        """
        commit = self.storage.resolve(rev)
        found = None
        if path is not None:
            data = self.storage.read_file(commit, path)
            found = (path, decode(data)) if data is not None else None
        found = found or self._file_at(commit, name)
        if found is None:
            raise PageNotFound(name, f"The page '{name}' did not exist in revision {rev[:10]}.")
        head = self.storage.head()
        summary = f"Revert {name} to {commit[:10]}"
        keep_file = found[0] if names.name_for_file(found[0]) == name else None
        comments = self.storage.read_file(commit, comments_file(found[0]))
        attachments: dict[str, bytes] = {}
        if self.wiki.refresh().catalog.get(name) is None:  # an undelete: bring its files back
            attached = index_attachments(self.storage.tree(commit)).get(found[0], {})
            contents = self.storage.read_blobs(attached.values())
            attachments = {file_name: contents[blob] for file_name, blob in attached.items()}
        return self.save(
            name,
            found[1],
            summary,
            head,
            author,
            new_file=keep_file,
            comments=comments,
            admin=admin,
            attachments=attachments,
        )
