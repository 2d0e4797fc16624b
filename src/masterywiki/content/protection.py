"""Protected pages: which pages only admins may change.

A page is protected by `protected: true` in its front matter, or by a setting
that protects whole sections (`protected_sections = ["framework"]` covers
`framework` and every page under it). Only admins may also point a protected
address at another page with `redirect_from`. Pure: names and flags in, answers out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from masterywiki.content import names
from masterywiki.content.model import parse_document
from masterywiki.errors import ConfigError, InvalidPagePath, WikiError

# Used only when the front matter is not valid YAML, so a typo elsewhere in it
# does not quietly lift a page's protection.
_PROTECTED_LINE = re.compile(r"^protected:\s*(?:true|yes|on)\s*$", re.MULTILINE | re.IGNORECASE)


class PageProtected(WikiError):
    """A non-admin tried to change a protected page; nothing was changed."""

    status = 403
    title = "Protected page"


class ProtectedAddressClaimed(PageProtected):
    """A non-admin's page claimed a protected address with `redirect_from`: the fix is
    in the text, so the editor keeps it."""


def claims(text: str) -> tuple[str, ...]:
    """The old addresses page source `text` claims (`redirect_from`)."""
    return parse_document(text).front_matter.redirect_from


def _claimed_addresses(old: str) -> tuple[str, ...]:
    """The addresses a `redirect_from` entry answers at: a page path, or the keys of
    another wiki's address (see `names.legacy_keys`)."""
    try:
        return (names.normalize_user_input(old),)
    except InvalidPagePath:
        return names.legacy_keys(old)


def is_marked(text: str) -> bool:
    """Whether page source `text` says `protected: true` in its front matter."""
    document = parse_document(text)
    if document.front_matter.protected:
        return True
    if document.front_matter.problems and text.startswith("---"):
        front = text[: text.find("\n---", 3) + 1] if "\n---" in text[3:] else text
        return _PROTECTED_LINE.search(front) is not None
    return False


@dataclass(frozen=True)
class Protection:
    sections: tuple[str, ...] = ()

    @classmethod
    def from_setting(cls, text: str) -> Protection:
        """`"framework, policies/grading"` -> the sections. Raises ConfigError."""
        sections = []
        for item in text.replace("\n", ",").split(","):
            item = item.strip()
            if not item:
                continue
            try:
                sections.append(names.normalize_user_input(item))
            except InvalidPagePath as error:
                raise ConfigError(f"protected_sections: '{item}': {error.message}") from None
        return cls(tuple(sections))

    def section_of(self, name: str) -> str | None:
        """The protected section that covers page `name`, if any."""
        for section in self.sections:
            if section == names.ROOT and name == names.ROOT:
                return section
            if name == section or name.startswith(section + "/"):
                return section
        return None

    def is_protected(self, name: str, marked: bool) -> bool:
        """Whether page `name` is protected; `marked` is its `protected:` front matter."""
        return marked or self.section_of(name) is not None

    def check(self, name: str, marked: bool, admin: bool, action: str = "change") -> None:
        """Raise PageProtected unless `admin` may `action` the page `name`."""
        if admin or not self.is_protected(name, marked):
            return
        section = self.section_of(name)
        where = f"the protected section '{section}'" if section else "a protected page"
        raise PageProtected(
            f"'{name}' is {where}: only admins can {action} it. "
            "Ask an admin, or leave a comment on the page."
        )

    def check_claims(
        self,
        before: Iterable[str],
        after: Iterable[str],
        admin: bool,
        marked: Callable[[str], bool],
    ) -> None:
        """Raise PageProtected when a non-admin's page newly claims (`redirect_from`, the
        entries in `after` not in `before`) an address in a protected section or of a
        protected page: its redirect would answer there once no page does. Claims the
        page already had stay. `marked(name)`: whether page `name` says `protected: true`.
        """
        if admin:
            return
        held = {address for old in before for address in _claimed_addresses(old)}
        for old in after:
            for address in _claimed_addresses(old):
                section = self.section_of(address)
                if address in held or (section is None and not marked(address)):
                    continue
                where = f"in the protected section '{section}'" if section else "a protected page"
                raise ProtectedAddressClaimed(
                    f"redirect_from '{old}' is {where}: only admins can send its address to"
                    " another page. Remove it from the front matter and save again."
                )

    def check_marking(self, marked_before: bool, marked_after: bool, admin: bool) -> None:
        """Only admins may add or remove `protected: true`. Raises PageProtected."""
        if marked_before != marked_after and not admin:
            verb = "protect" if marked_after else "unprotect"
            raise PageProtected(
                f"Only admins can {verb} a page: remove the 'protected:' change and save again."
            )
