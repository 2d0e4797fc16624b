"""Page names: validation, canonical forms, file and reference mapping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masterywiki.content import names
from masterywiki.errors import InvalidPagePath


@pytest.mark.parametrize(
    "name", ["index", "framework", "framework/grading-policy", "a/b/c-2", "2026/mastery-week"]
)
def test_valid_names(name: str) -> None:
    assert names.validate(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "cannot be empty"),
        ("../etc/passwd", "'.' or '..'"),
        ("framework/../../secret", "'.' or '..'"),
        ("/etc/passwd", "leading '/'"),
        (".git/config", "hidden files"),
        ("framework/.git", "hidden files"),
        ("page\x00.md", "NUL"),
        ("Framework", "lowercase"),
        ("framework/Grading", "lowercase"),
        ("page.md", "no file extension"),
        ("image.png", "no file extension"),
        ("a//b", "lowercase letters"),
        ("a/b/", "lowercase letters"),
        ("-/edit", "lowercase letters"),
        ("with space", "lowercase letters"),
        ("x" * 201, "at most 200"),
        ("caf\u00e9", "lowercase letters"),
    ],
)
def test_invalid_names_say_why(name: str, message: str) -> None:
    with pytest.raises(InvalidPagePath, match=message) as caught:
        names.validate(name)
    assert caught.value.status == 400


@given(st.text(max_size=40))
def test_validate_accepts_only_safe_names(text: str) -> None:
    if names.is_valid(text):
        assert ".." not in text and not text.startswith("/") and "\x00" not in text
        assert all(segment and segment[0].isalnum() for segment in text.split("/"))


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("index.md", "index"),
        ("framework/index.md", "framework"),
        ("framework/grading.md", "framework/grading"),
        ("framework/grading.comments.jsonl", None),
        ("images/logo.png", None),
        ("README.MD", None),
        ("Notes.md", None),
        (".github/index.md", None),
    ],
)
def test_name_for_file(path: str, name: str | None) -> None:
    assert names.name_for_file(path) == name


@pytest.mark.parametrize(
    ("target", "from_file", "expected"),
    [
        ("rubric", "glossary/index.md", "glossary/rubric"),
        ("rubric.md", "glossary/grade.md", "glossary/rubric"),
        ("../glossary/rubric", "framework/grading.md", "glossary/rubric"),
        ("/glossary/rubric", "framework/grading.md", "glossary/rubric"),
        ("/glossary/rubric.md", "index.md", "glossary/rubric"),
        ("framework/index", "index.md", "framework"),
        ("../index", "framework/grading.md", "index"),
        ("/", "framework/grading.md", "index"),
        ("../../outside", "framework/grading.md", None),
        ("Bad Name", "index.md", None),
    ],
)
def test_resolve_reference(target: str, from_file: str, expected: str | None) -> None:
    assert names.resolve_reference(target, from_file) == expected


@pytest.mark.parametrize(
    ("typed", "name"),
    [("/framework/grading.md", "framework/grading"), ("framework/", "framework"), ("/", "index")],
)
def test_normalize_user_input(typed: str, name: str) -> None:
    assert names.normalize_user_input(typed) == name


def test_urls_and_titles() -> None:
    assert names.url_for_name("index") == "/"
    assert names.url_for_name("framework/grading") == "/framework/grading"
    assert names.title_from_name("framework/grading-policy") == "Grading policy"
    assert names.candidate_files("framework") == ("framework/index.md", "framework.md")


# -- attachments ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "stored"),
    [
        ("diagram.png", "diagram.png"),
        ("My Diagram (v2).PNG", "my-diagram-v2.png"),
        ("C:\\Users\\ann\\Grading Policy.pdf", "grading-policy.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("Résumé.docx", "resume.docx"),
        (".hidden.txt", "hidden.txt"),
        ("plan.tar.gz", "plan.tar.gz"),
    ],
)
def test_attachment_name_for_uploads(uploaded: str, stored: str) -> None:
    assert names.attachment_name_for(uploaded) == stored


@pytest.mark.parametrize("uploaded", ["README", "", "...", "plan."])
def test_attachment_names_need_an_extension(uploaded: str) -> None:
    with pytest.raises(InvalidPagePath):
        names.attachment_name_for(uploaded)


@pytest.mark.parametrize("bad", ["a/b.png", "../x.png", ".git", "UPPER.png", "no-ext", "a b.png"])
def test_validate_attachment_refuses(bad: str) -> None:
    with pytest.raises(InvalidPagePath):
        names.validate_attachment(bad)


def test_attachment_paths_map_to_their_page() -> None:
    found = names.split_attachment_path("framework/grading.files/plan.png")
    assert found == ("framework/grading.md", "framework/grading", "plan.png")
    assert found is not None and found.url == "/framework/grading/-/files/plan.png"
    section = names.split_attachment_path("framework/index.files/map.pdf")
    assert section is not None and section.page == "framework"
    assert names.split_attachment_path("framework/grading.md") is None
    assert names.split_attachment_path("Bad Page.files/plan.png") is None
    assert names.split_attachment_path("grading.files/Plan.PNG") is None


@pytest.mark.parametrize(
    ("target", "from_file", "path"),
    [
        ("grading.files/plan.png", "framework/grading.md", "framework/grading.files/plan.png"),
        ("../glossary/rubric.files/r.pdf", "framework/grading.md", "glossary/rubric.files/r.pdf"),
        ("/index.files/logo.png", "framework/grading.md", "index.files/logo.png"),
        ("grading.files/plan.png#p2", "framework/grading.md", "framework/grading.files/plan.png"),
        ("../../outside.files/x.png", "framework/grading.md", None),
        ("grading.md", "framework/grading.md", None),
    ],
)
def test_resolve_attachment(target: str, from_file: str, path: str | None) -> None:
    found = names.resolve_attachment(target, from_file)
    assert (found.path if found else None) == path
