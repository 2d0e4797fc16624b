"""checkcache: the lookups a page's rendering made, answered again without rendering."""

from __future__ import annotations

import hashlib
import random

import pytest

from masterywiki.content import names
from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.check import render_all
from masterywiki.content.checkcache import Kept, Recorder, _resolved, answer, to_redo
from masterywiki.content.docinfo import scan
from masterywiki.content.markup import render

FILES = {
    "index.md": "# Home\n\n{doc}`guide/a` {term}` Scoring   guide ` {ref}`top`\n",
    "guide/a.md": "(top)=\n# A\n\n[b](b.md#part) [up](../index.md) [out](../../x.md)\n",
    "guide/b.md": "---\nredirect_from: [guide/old]\n---\n# B\n\n## Part\n\n{doc}`old`\n",
    "rubric.md": "---\ntype: term\naliases: [Scoring Guide]\n---\n# Rubric\n",
    "alone.md": "# Alone\n\nNo links at all.\n",
}


def blob(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def catalog_of(files: dict[str, str]) -> Catalog:
    records = {}
    for path, text in files.items():
        name = names.name_for_file(path)
        assert name is not None
        records[name] = PageRecord(name, path, blob(text), scan(text))
    return Catalog(records)


def blobs_of(files: dict[str, str]) -> dict[str, bytes]:
    return {blob(text): text.encode() for text in files.values()}


def test_each_lookup_is_kept_by_what_it_asks_and_answered_alike() -> None:
    catalog = catalog_of(FILES)
    asked: dict[str, object] = {}
    for record in catalog.records():
        recorder = Recorder(catalog)
        render(FILES[record.file].split("---\n")[-1], recorder, file=record.file)
        asked.update(recorder.asked)
    assert set(asked) == {
        "d:guide/a",
        "t:scoring guide",
        "r:top",
        "d:guide/b",
        "d:index",
        "d:guide/old",
    }  # fmt: skip  (`../../x.md` leaves the wiki: no key, it can never resolve)
    for key, found in asked.items():
        assert answer(catalog, key) == found
    assert asked["d:guide/old"] == asked["d:guide/b"] == ("/guide/b", "B")  # the redirect


def run(files: dict[str, str], kept: Kept | None = None) -> tuple[Kept, int]:
    blobs = blobs_of(files)
    return render_all(lambda wanted: {b: blobs[b] for b in wanted}, catalog_of(files), kept=kept)


@pytest.mark.parametrize(
    ("change", "redone"),
    [
        ({"guide/b.md": FILES["guide/b.md"].replace("# B", "# Bee")}, ["guide/a", "guide/b"]),
        ({"rubric.md": "---\ntype: term\n---\n# Rubric\n"}, ["index", "rubric"]),
        ({"guide/a.md": FILES["guide/a.md"].replace("(top)=", "(start)=")}, ["index", "guide/a"]),
        ({"alone.md": "# Alone\n\nStill alone.\n"}, ["alone"]),
    ],
)
def test_only_pages_whose_answers_changed_are_redone(
    change: dict[str, str], redone: list[str]
) -> None:
    kept, count = run(FILES)
    assert count == len(FILES)
    files = {**FILES, **change}
    assert sorted(to_redo(kept, catalog_of(files))) == sorted(redone)
    again, count = run(files, kept)
    assert count == len(redone)
    assert again == run(files)[0]  # the same results as rendering every page


def test_a_deleted_page_is_forgotten_with_the_lookups_only_it_made() -> None:
    kept, _ = run(FILES)
    files = {path: text for path, text in FILES.items() if path != "index.md"}
    assert to_redo(kept, catalog_of(files)) == ["guide/a"]  # it links the home page
    again, count = run(files, kept)
    assert count == 1
    assert "index" not in again.pages
    assert "r:top" not in again.answers and "d:guide/a" not in again.answers


def test_references_resolved_once_for_all_top_level_folders_resolve_as_names_does() -> None:
    parts = ["..", ".", "", "a", "b.md", "sec-01", "page-1.md", " x", "x ", "A", "..."]
    files = ["index.md", "a/x.md", "b/y.md", "a/b/z.md", "sec-01/p.md", "a/b/c/d.md"]
    rng = random.Random(5)
    for _ in range(20_000):
        target = "/".join(rng.choice(parts) for _ in range(rng.randint(1, 4)))
        target = rng.choice(["", "../", "/", "./"]) + target
        from_file = rng.choice(files)
        assert _resolved(target, from_file) == names.resolve_reference(target, from_file), (
            target,
            from_file,
        )
