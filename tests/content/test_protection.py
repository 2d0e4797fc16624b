"""Protected pages: the pure rules, then every write path of the Editor on a real repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from masterywiki.content.protection import PageProtected, Protection, is_marked
from masterywiki.errors import ConfigError
from masterywiki.git.storage import Author, GitStorage
from masterywiki.repository.edits import Editor
from masterywiki.repository.wiki import Wiki
from tests.conftest import commit_files, git

BO = Author("Bo Editor", "bo@example.org")
PROTECTED = "---\ntitle: First Chapter\nprotected: true\n---\n# First Chapter\n\nPolicy.\n"


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("---\nprotected: true\n---\n# P\n", True),
        ("---\nprotected: false\n---\n# P\n", False),
        ("# P\n\nprotected: true\n", False),  # body text, not front matter
        ("---\ntitle: P\n---\nprotected: true\n", False),
        # A YAML mistake elsewhere must not quietly lift the protection.
        ("---\nprotected: true\ntags: [a\n---\n# P\n", True),
    ],
)
def test_is_marked(text: str, marked: bool) -> None:
    assert is_marked(text) is marked


@pytest.mark.parametrize(
    ("claimed", "where"),
    [
        ("framework", "in the protected section 'framework'"),
        ("/framework/old-policy.md", "in the protected section 'framework'"),
        ("Framework/Old Policy", "in the protected section 'framework'"),  # another wiki's
        ("guide/rules", "a protected page"),
    ],
)
def test_claims_of_protected_addresses_are_refused(claimed: str, where: str) -> None:
    rules = Protection.from_setting("framework")

    def marked(name: str) -> bool:
        return name == "guide/rules"

    with pytest.raises(PageProtected, match=f"redirect_from '{claimed}' is {where}"):
        rules.check_claims(["guide/old"], ["guide/old", claimed], False, marked)
    rules.check_claims([], [claimed], True, marked)  # an admin may
    rules.check_claims([claimed], [claimed], False, marked)  # a claim the page had stays


def test_other_claims_are_allowed() -> None:
    rules = Protection.from_setting("framework")
    for claimed in ("frameworks/old", "guide/old", "Old Wiki Page", "../nowhere"):
        rules.check_claims([], [claimed], False, lambda _name: False)
    # The same address spelled another way is the claim the page already had.
    rules.check_claims(["framework/old"], ["/framework/old.md"], False, lambda _name: False)


def test_sections_cover_themselves_and_what_is_below() -> None:
    rules = Protection.from_setting("framework, /policies/grading.md,")
    assert rules.sections == ("framework", "policies/grading")
    assert rules.section_of("framework") == "framework"
    assert rules.section_of("framework/school-wide-systems") == "framework"
    assert rules.section_of("frameworks") is None
    assert rules.section_of("policies") is None
    assert not rules.is_protected("glossary/rubric", marked=False)
    assert rules.is_protected("glossary/rubric", marked=True)
    assert Protection.from_setting("index").section_of("index") == "index"
    assert Protection.from_setting("index").section_of("framework") is None


def test_a_bad_section_setting_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError, match=r"protected_sections: '\.\./etc'"):
        Protection.from_setting("framework, ../etc")


def test_refusal_names_the_reason() -> None:
    rules = Protection(("framework",))
    with pytest.raises(PageProtected, match="'framework/x' is the protected section 'framework'"):
        rules.check("framework/x", marked=False, admin=False)
    with pytest.raises(PageProtected, match="only admins can delete it"):
        rules.check("guide", marked=True, admin=False, action="delete")
    rules.check("framework/x", marked=True, admin=True)  # admins may
    with pytest.raises(PageProtected, match="Only admins can protect a page"):
        rules.check_marking(False, True, admin=False)
    with pytest.raises(PageProtected, match="Only admins can unprotect a page"):
        rules.check_marking(True, False, admin=False)
    rules.check_marking(True, False, admin=True)


@pytest.fixture
def protected_repo(basic_repo: Path) -> Path:
    commit_files(basic_repo, {"guide/first.md": PROTECTED}, "Protect the first chapter")
    return basic_repo


def editor_for(repo: Path, sections: str = "") -> Editor:
    return Editor(Wiki(GitStorage(repo)), 100_000, Protection.from_setting(sections))


def test_every_write_path_refuses_a_non_admin(protected_repo: Path) -> None:
    editor = editor_for(protected_repo)
    before = git(protected_repo, "rev-parse", "HEAD")
    first_rev = git(protected_repo, "rev-list", "--max-parents=0", "HEAD")
    attempts = {
        "save": lambda: editor.save("guide/first", "# Changed\n", "", before, BO),
        "rename": lambda: editor.rename("guide/first", "guide/moved", BO),
        "delete": lambda: editor.delete("guide/first", BO),
        "revert": lambda: editor.revert("guide/first", first_rev, BO),
    }
    for action, attempt in attempts.items():
        with pytest.raises(PageProtected):
            attempt()
        assert git(protected_repo, "rev-parse", "HEAD") == before, f"{action} changed nothing"


def test_admins_may_do_everything(protected_repo: Path) -> None:
    editor = editor_for(protected_repo)
    head = git(protected_repo, "rev-parse", "HEAD")
    text = PROTECTED.replace("Policy.", "Policy, revised.")
    assert editor.save("guide/first", text, "", head, BO, admin=True).changed
    assert editor.rename("guide/first", "guide/moved", BO, admin=True).changed
    assert editor.delete("guide/moved", BO, admin=True).changed


def test_a_non_admin_cannot_protect_or_unprotect(basic_repo: Path) -> None:
    editor = editor_for(basic_repo)
    head = git(basic_repo, "rev-parse", "HEAD")
    with pytest.raises(PageProtected, match="Only admins can protect"):
        editor.save("guide/first", PROTECTED, "", head, BO)
    with pytest.raises(PageProtected, match="Only admins can protect"):
        editor.save("guide/new", PROTECTED, "", head, BO)  # nor create a protected page
    assert editor.save("guide/first", PROTECTED, "", head, BO, admin=True).changed


def test_undeleting_a_protected_page_needs_an_admin(protected_repo: Path) -> None:
    editor = editor_for(protected_repo)
    protected_rev = git(protected_repo, "rev-parse", "HEAD")
    editor.delete("guide/first", BO, admin=True)
    with pytest.raises(PageProtected, match="Only admins can protect"):
        editor.revert("guide/first", protected_rev, BO)
    assert editor.revert("guide/first", protected_rev, BO, admin=True).created


def test_a_protected_section_covers_new_pages_and_moves_into_it(basic_repo: Path) -> None:
    editor = editor_for(basic_repo, "guide")
    head = git(basic_repo, "rev-parse", "HEAD")
    with pytest.raises(PageProtected, match="protected section 'guide'"):
        editor.save("guide/new", "# New\n", "", head, BO)
    with pytest.raises(PageProtected, match="only admins can move pages into it"):
        editor.rename("glossary/rubric", "guide/rubric", BO)
    with pytest.raises(PageProtected):
        editor.rename("guide/first", "glossary/first", BO)
    assert editor.save("glossary/new", "# New\n", "", head, BO).created  # elsewhere is open


def test_moving_an_open_page_leaves_protected_pages_untouched(protected_repo: Path) -> None:
    """A non-admin's rename may not rewrite a protected page's links; the old
    address's redirect keeps them working instead."""
    commit_files(
        protected_repo,
        {"guide/first.md": PROTECTED + "\nSee [second](second.md).\n"},
        "Link the second chapter",
    )
    editor = editor_for(protected_repo)
    editor.rename("guide/second", "guide/later", BO)
    text = (protected_repo / "guide/first.md").read_text()
    assert "[second](second.md)" in text
    assert editor.wiki.snapshot.catalog.redirects["guide/second"] == "guide/later"
