"""Files attached to pages: images and documents kept in git beside their page.

Page `framework/grading` (file `framework/grading.md`) keeps its attachments in
`framework/grading.files/NAME`. Every upload, replacement and removal is one
commit under the repository's write lock, so each attachment has a history.
No Flask here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from masterywiki.content import names
from masterywiki.content.catalog import PageRecord
from masterywiki.content.filetypes import FileType, check_upload, type_of_stored
from masterywiki.errors import InvalidInput, WikiError
from masterywiki.git.parse import Revision
from masterywiki.git.storage import Author
from masterywiki.repository.edits import Editor
from masterywiki.repository.wiki import Snapshot
from masterywiki.support.lru import LRU

MAX_FILES_AT_ONCE = 20


class AttachmentTooLarge(WikiError):
    status = 413
    title = "File too large"


class AttachmentNotFound(WikiError):
    status = 404
    title = "Attachment not found"


@dataclass(frozen=True)
class Attachment:
    page: str
    page_file: str
    name: str
    blob: str
    size: int
    type: FileType

    @property
    def url(self) -> str:
        return names.attachment_url(self.page, self.name)

    @property
    def link(self) -> str:
        """How the page itself links it: `grading.files/plan.png`."""
        folder = names.attachments_folder(self.page_file).rsplit("/", 1)[-1]
        return f"{folder}/{self.name}"

    @property
    def markdown(self) -> str:
        """What to paste into the page to show (an image) or link (anything else) it."""
        return f"![{self.name}]({self.link})" if self.type.image else f"[{self.name}]({self.link})"


@dataclass(frozen=True)
class Upload:
    attachments: tuple[Attachment, ...]  # in the order they were sent
    commit: str | None  # None when every file was already there, byte for byte
    replaced: tuple[str, ...] = ()  # names whose earlier file this upload replaced
    unchanged: tuple[str, ...] = ()  # names already attached with exactly these bytes

    @property
    def attachment(self) -> Attachment:
        return self.attachments[0]


class Attachments:
    def __init__(self, editor: Editor, max_bytes: int) -> None:
        self.editor = editor
        self.wiki = editor.wiki
        self.storage = editor.storage
        self.max_bytes = max_bytes
        self._sizes: LRU[int] = LRU(8192)  # blob -> size; blobs never change

    def of_page(self, name: str) -> list[Attachment]:
        """The attachments of page `name`, by name. Raises PageNotFound, PageMoved."""
        return self.of_record(self.wiki.record(name), self.wiki.snapshot)

    def of_record(self, record: PageRecord, snapshot: Snapshot) -> list[Attachment]:
        """The attachments of a page at `snapshot`, by name."""
        attached = snapshot.attachments.get(record.file, {})
        if not attached:
            return []
        sizes = self._blob_sizes(attached.values())
        return [
            Attachment(
                record.name,
                record.file,
                file_name,
                blob,
                sizes.get(blob, 0),
                type_of_stored(file_name),
            )
            for file_name, blob in sorted(attached.items())
        ]

    def _blob_sizes(self, blobs: Iterable[str]) -> dict[str, int]:
        wanted = list(blobs)
        known = {blob: size for blob in wanted if (size := self._sizes.get(blob)) is not None}
        missing = [blob for blob in wanted if blob not in known]
        for blob, size in self.storage.blob_sizes(missing).items():
            self._sizes.put(blob, size)
            known[blob] = size
        return known

    def get(self, name: str, attachment: str) -> Attachment:
        """One attachment of page `name` as it is now. Raises AttachmentNotFound."""
        names.validate_attachment(attachment)
        for found in self.of_page(name):
            if found.name == attachment:
                return found
        raise AttachmentNotFound(f"Page '{name}' has no attachment called '{attachment}'.")

    def read(self, found: Attachment) -> bytes:
        return self.storage.read_blob(found.blob)

    def read_at(self, name: str, attachment: str, rev: str, path: str = "") -> bytes:
        """An attachment's bytes as they were at revision `rev`. `path` is where it was
        stored then, if the page has moved since (history rows name it).
        Raises RevisionNotFound, AttachmentNotFound."""
        names.validate_attachment(attachment)
        commit = self.storage.resolve(rev)
        earlier = names.split_attachment_path(path) if path else None
        paths = [earlier.path] if earlier is not None and earlier.name == attachment else []
        paths += [
            f"{names.attachments_folder(f)}/{attachment}" for f in names.candidate_files(name)
        ]
        for candidate in paths:
            data = self.storage.read_file(commit, candidate)
            if data is not None:
                return data
        raise AttachmentNotFound(
            f"'{attachment}' was not attached to '{name}' in revision {rev[:10]}."
        )

    def history(self, name: str, attachment: str) -> list[Revision]:
        """Every commit that added, replaced or removed the attachment, newest first
        (across page moves). Raises AttachmentNotFound when it never existed."""
        names.validate_attachment(attachment)
        record = self.wiki.record(name)
        path = f"{names.attachments_folder(record.file)}/{attachment}"
        revisions = self.storage.follow_log(path, limit=200)
        if not revisions:
            raise AttachmentNotFound(f"Page '{name}' never had an attachment '{attachment}'.")
        return revisions

    def upload(
        self,
        name: str,
        filename: str,
        data: bytes,
        author: Author,
        *,
        admin: bool = False,
        summary: str = "",
    ) -> Upload:
        """Attach one file; see `upload_files`."""
        return self.upload_files(name, [(filename, data)], author, admin=admin, summary=summary)

    def upload_files(
        self,
        name: str,
        files: Sequence[tuple[str, bytes]],
        author: Author,
        *,
        admin: bool = False,
        summary: str = "",
    ) -> Upload:
        """Attach `files` ([(filename, bytes)], names normalized) to page `name` in one
        commit, replacing files of the same names. Every file is checked before
        anything is written. Raises InvalidInput, InvalidPagePath, AttachmentTooLarge,
        UnsupportedFile, PageNotFound, PageProtected, RepositoryBusy.
        """
        checked = self._check_files(files)
        with self.editor.changing(name, admin, "attach files to") as (snapshot, record, _):
            folder = names.attachments_folder(record.file)
            before = {a: snapshot.files.get(f"{folder}/{a}") for a, _type, _data in checked}
            current = self.storage.read_blobs(blob for blob in before.values() if blob)
            changed = [
                (attachment, data)
                for attachment, _type, data in checked
                if current.get(before[attachment] or "") != data
            ]
            commit = None
            if changed:
                message = summary.strip() or self._message(changed, before, record.name)
                changes: dict[str, bytes | None] = {f"{folder}/{a}": d for a, d in changed}
                commit = self.storage.commit(changes, message, author, snapshot.commit)
        snapshot = self.wiki.refresh()
        attached = []
        for attachment, file_type, data in checked:
            blob = snapshot.files.get(f"{folder}/{attachment}", "")
            self._sizes.put(blob, len(data))
            attached.append(
                Attachment(record.name, record.file, attachment, blob, len(data), file_type)
            )
        changed_names = [attachment for attachment, _data in changed]
        return Upload(
            tuple(attached),
            commit,
            replaced=tuple(a for a in changed_names if before[a]),
            unchanged=tuple(a for a, _t, _d in checked if a not in changed_names),
        )

    def _check_files(self, files: Sequence[tuple[str, bytes]]) -> list[tuple[str, FileType, bytes]]:
        if not files:
            raise InvalidInput("Choose a file to upload.")
        if len(files) > MAX_FILES_AT_ONCE:
            raise InvalidInput(f"Upload at most {MAX_FILES_AT_ONCE} files at once.")
        checked: list[tuple[str, FileType, bytes]] = []
        for filename, data in files:
            attachment = names.attachment_name_for(filename)
            if len(data) > self.max_bytes:
                raise AttachmentTooLarge(
                    f"'{filename}' is {len(data):,} bytes; attachments are at most "
                    f"{self.max_bytes:,} bytes. Make it smaller (a lower resolution, a "
                    "compressed PDF), or link to where it is published."
                )
            if any(attachment == seen for seen, _t, _d in checked):
                raise InvalidInput(f"Two of the files would both be called '{attachment}'.")
            checked.append((attachment, check_upload(attachment, data), data))
        return checked

    @staticmethod
    def _message(changed: list[tuple[str, bytes]], before: dict[str, str | None], page: str) -> str:
        if len(changed) == 1:
            attachment = changed[0][0]
            return f"{'Replace' if before[attachment] else 'Attach'} {attachment} on {page}"
        return f"Attach {len(changed)} files on {page}: " + ", ".join(a for a, _d in changed)

    def delete(self, name: str, attachment: str, author: Author, *, admin: bool = False) -> str:
        """Remove an attachment (its history stays); returns the commit.
        Raises AttachmentNotFound, PageNotFound, PageProtected."""
        names.validate_attachment(attachment)
        with self.editor.changing(name, admin, "remove files from") as (snapshot, record, _):
            path = f"{names.attachments_folder(record.file)}/{attachment}"
            if path not in snapshot.files:
                raise AttachmentNotFound(f"Page '{name}' has no attachment called '{attachment}'.")
            message = f"Remove {attachment} from {record.name}"
            commit = self.storage.commit({path: None}, message, author, snapshot.commit)
        self.wiki.refresh()
        return commit
