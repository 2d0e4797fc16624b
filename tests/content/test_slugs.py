"""Heading anchors: the ids schools link to stay the same, and repeats cost linear time."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from masterywiki.content.slugs import SlugRegistry, slugify, split_pinned_id
from tests.timing import LINEAR_GROWTH, growth


def first_free(wanted: list[str]) -> list[str]:
    """The ids as the registry has always given them: the first free of h, h-1, h-2, ..."""
    used: set[str] = set()
    out = []
    for slug in wanted:
        candidate, n = slug, 1
        while candidate in used:
            candidate, n = f"{slug}-{n}", n + 1
        used.add(candidate)
        out.append(candidate)
    return out


def claim_all(wanted: list[str]) -> list[str]:
    registry = SlugRegistry()
    return [registry.claim(slug) for slug in wanted]


def test_repeats_are_numbered_in_document_order() -> None:
    assert claim_all(["h", "h", "intro", "h"]) == ["h", "h-1", "intro", "h-2"]


def test_a_suffix_taken_by_another_heading_is_skipped() -> None:
    # `## h-1` reads like a generated suffix: the second `## h` must not reuse it.
    assert claim_all(["h", "h-1", "h", "h", "h-3", "h"]) == [
        "h",
        "h-1",
        "h-2",
        "h-3",
        "h-3-1",
        "h-4",
    ]
    assert claim_all(["h-2", "h", "h", "h", "h"]) == ["h-2", "h", "h-1", "h-3", "h-4"]


@given(st.lists(st.sampled_from(["h", "h-1", "h-2", "h-1-1", "h-10", "x", "x-1"]), max_size=60))
def test_same_ids_as_the_first_free_suffix(wanted: list[str]) -> None:
    assert claim_all(wanted) == first_free(wanted)


def test_many_repeats_take_linear_time() -> None:
    # 40,000 claims: the old count-from-1 loop took 6.3 s for 10,000 and ~100 s for these.
    assert growth(lambda n: claim_all(["h", "h-1"] * n), 5_000) < LINEAR_GROWTH
    ids = claim_all(["h", "h-1"] * 20_000)
    assert len(set(ids)) == len(ids)
    assert ids[:6] == ["h", "h-1", "h-2", "h-1-1", "h-3", "h-1-2"]


OLD_PINNED = re.compile(r"\s*\{#([A-Za-z][\w:.-]*)\}\s*$")
OLD_MARKUP = re.compile(r"[*_`~]|\{[a-z]+\}|<[^>]*>")
PIECES = ["a", "B", " ", "  ", "\t", "-", "_", "*", "`", "<", ">", "<b>", "{term}", "{#x}",
          "{#a-1}", "é", "\u00a0", "#", "{", "}"]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_same_slugs_and_pinned_ids_as_the_regexes_they_replace(heading: str) -> None:
    # The old patterns scanned from every '<' (or space) to the end: O(n²) on long headings.
    old_text = unicodedata.normalize("NFKD", OLD_MARKUP.sub("", heading))
    old_text = old_text.encode("ascii", "ignore").decode("ascii").lower()
    old_slug = re.sub(r"[\s_-]+", "-", re.sub(r"[^\w\s-]", "", old_text)).strip("-")
    assert slugify(heading) == (old_slug or "section")
    match = OLD_PINNED.search(heading)
    old = (heading, None) if match is None else (heading[: match.start()], match.group(1))
    assert split_pinned_id(heading) == old
