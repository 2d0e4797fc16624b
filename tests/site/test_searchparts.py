"""searchparts: many stale parts are written by forked workers, the same bytes as by one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from masterywiki.site import searchparts, static_search
from masterywiki.site.searchparts import FORK_PARTS, IndexFailed, SearchPlan, write_parts

PARTS = 2 * FORK_PARTS


def a_plan(pages: int = 400) -> tuple[SearchPlan, dict[str, list[object]]]:
    names = [f"sec/page-{i:03}" for i in range(pages)]
    members: list[list[str]] = [[] for _ in range(PARTS)]
    for name in names:
        members[static_search.part_of(name, PARTS)].append(name)
    entries = {
        name: static_search.entry(
            path=f"{name}/", title=f"Page {i}", summary="A page.", type_="page",
            context="Sec", aliases=[], headings=["Part"], tags=["t"],
            text=f"words of page {i} and rubrics {i % 7}",
        ).to_json()
        for i, name in enumerate(names)
    }  # fmt: skip
    plan = SearchPlan(
        parts=PARTS,
        members=members,
        keys=[f"key-{k}" for k in range(PARTS)],
        stale=list(range(PARTS)),
        kept={},
        page_keys={name: f"k-{name}" for name in names},
        synonyms=[["rubric", "scoring guide"]],
    )
    return plan, entries


def written(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def writer(out: Path) -> Callable[[str, str], None]:
    def write(file: str, data: str) -> None:
        (out / file).parent.mkdir(parents=True, exist_ok=True)
        (out / file).write_text(data)

    return write


def test_forked_workers_write_the_same_parts(tmp_path: Path) -> None:
    plan, entries = a_plan()
    one, two = tmp_path / "one", tmp_path / "two"
    files = write_parts(one, plan, entries, writer(one), processes=1)
    assert write_parts(two, plan, entries, writer(two), processes=2) == files
    assert written(one) == written(two)
    assert len([f for f in written(two) if f.startswith(searchparts.KEEP_DIR)]) == PARTS
    assert files == [searchparts.index_file(k) for k in range(PARTS)]


def test_a_failing_worker_fails_the_build(tmp_path: Path) -> None:
    plan, entries = a_plan()
    del entries["sec/page-007"]  # a page whose entry never came back
    with pytest.raises(IndexFailed, match="Writing the search index failed"):
        write_parts(tmp_path, plan, entries, writer(tmp_path), processes=2)
