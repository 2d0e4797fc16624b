"""Rewriting sources when pages move."""

from __future__ import annotations

import pytest

from masterywiki.content import names
from masterywiki.content.model import parse_document
from masterywiki.content.relink import CannotEditFrontMatter, add_redirect, rewrite_references


@pytest.mark.parametrize(
    "text",
    [
        "# No front matter\n",
        "---\ntitle: T\n---\n# Body\n",
        "---\ntitle: T\nredirect_from: [older]\ntags: [a]\n---\n# Body\n",
        "---\nredirect_from:\n- older\n- oldest\ntitle: T\n---\n# Body\n",
        "---\nredirect_from:\n  - older\ntitle: T\n---\n# Body\n",
    ],
)
def test_add_redirect_keeps_everything_else(text: str) -> None:
    result = add_redirect(text, "old/name")
    document = parse_document(result)
    assert document.front_matter.problems == ()
    assert "old/name" in document.front_matter.redirect_from
    assert document.body == parse_document(text).body
    before = parse_document(text).front_matter
    assert set(before.redirect_from) <= set(document.front_matter.redirect_from)
    assert (document.front_matter.title, document.front_matter.tags) == (before.title, before.tags)


def test_add_redirect_refuses_broken_front_matter() -> None:
    with pytest.raises(CannotEditFrontMatter):
        add_redirect("---\ntitle: [broken\n---\n", "x")


def file_of(name: str) -> str:
    return {"guide": "guide/index.md"}.get(name, name + ".md")


def test_links_to_a_moved_page_are_rewritten_in_place() -> None:
    text = (
        "---\ntitle: Home\n---\n"
        "See {doc}`guide/first`, {doc}`the first <guide/first>`, {doc}`/guide/first`,\n"
        "[first](guide/first.md#part), {doc}`guide/second` and {term}`guide/first`.\n\n"
        "```text\n{doc}`guide/first`\n```\n\n"
        "```{toctree}\n:maxdepth: 1\n\nguide/first\nFirst <guide/first>\n```\n"
    )
    result = rewrite_references(
        text, "index.md", "index.md", {"guide/first": "chapters/one"}, file_of
    )
    assert result == (
        "---\ntitle: Home\n---\n"
        "See {doc}`chapters/one`, {doc}`the first <chapters/one>`, {doc}`/chapters/one`,\n"
        "[first](chapters/one.md#part), {doc}`guide/second` and {term}`guide/first`.\n\n"
        "```text\n{doc}`guide/first`\n```\n\n"
        "```{toctree}\n:maxdepth: 1\n\nchapters/one\nFirst <chapters/one>\n```\n"
    )


def test_moved_page_keeps_its_own_relative_links_working() -> None:
    text = "Back to {doc}`second`, [home](../index.md) and {doc}`/glossary/rubric`.\n"
    result = rewrite_references(text, "guide/first.md", "archive/old/first.md", {}, file_of)
    assert result == (
        "Back to {doc}`../../guide/second`, [home](../../index.md) and {doc}`/glossary/rubric`.\n"
    )
    for target in ("../../guide/second", "../../index.md"):
        assert names.resolve_reference(target, "archive/old/first.md") in ("guide/second", "index")
