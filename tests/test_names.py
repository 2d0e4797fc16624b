"""Page names: validation, canonical forms, file and reference mapping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masterywiki import names
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
