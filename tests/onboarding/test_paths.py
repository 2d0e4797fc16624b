"""Onboarding paths, pure: a path's steps from its toctree, each reader's progress
(done, changed since read, new), the next step, openings that follow a move, and what
`check` says about paths and `acknowledge`."""

from __future__ import annotations

from masterywiki.content.catalog import Catalog, PageRecord
from masterywiki.content.docinfo import scan
from masterywiki.onboarding.findings import onboarding_findings
from masterywiki.onboarding.paths import (
    Opened,
    latest_openings,
    names_of,
    paths_in,
    paths_through,
    progress,
    steps_of,
)

PATH = """---
title: "New staff: your first two weeks"
type: path
---
# New staff

```{toctree}
/framework/grading
../glossary/old-rubric
/glossary/rubric
/no/such-page
/onboarding/start
```
"""


AIDES = "```{toctree}\n/glossary/rubric\n```\n"


def page(name: str, text: str, blob: str = "") -> PageRecord:
    return PageRecord(name, f"{name}.md", blob or f"blob-{name}", scan(text))


VERSIONS = {"framework/grading": "v2", "glossary/rubric": "r1"}  # each step's version now


def catalog() -> Catalog:
    records = [
        page("onboarding/start", PATH),
        page("framework/grading", "# Grading\n"),
        page("glossary/rubric", "---\nredirect_from: [glossary/old-rubric]\n---\n# Rubric\n"),
        page("other/path", f"---\ntype: path\ntitle: Aides\n---\n# Aides\n\n{AIDES}"),
    ]  # fmt: skip
    return Catalog({record.name: record for record in records})


def test_steps_follow_the_toctree_in_order_each_once_and_skip_what_is_not_a_page() -> None:
    found = catalog()
    path = found.pages["onboarding/start"]
    # The old name redirects to the rubric, listed again after it; the path itself and
    # a missing page are no steps.
    assert [r.name for r in steps_of(found, path)] == ["framework/grading", "glossary/rubric"]


def test_paths_are_listed_by_title_and_a_page_knows_the_paths_it_is_a_step_of() -> None:
    found = catalog()
    assert [p.name for p in paths_in(found)] == ["other/path", "onboarding/start"]
    through = [(p.name, n, total) for p, n, total in paths_through(found, "glossary/rubric")]
    assert through == [("other/path", 1, 1), ("onboarding/start", 2, 2)]
    assert paths_through(found, "onboarding/start") == []


def test_progress_done_changed_and_new_and_what_comes_next() -> None:
    found = catalog()
    path = found.pages["onboarding/start"]
    none = progress(found, path, {}, VERSIONS)
    assert [s.state for s in none.steps] == ["new", "new"] and none.done == 0
    assert none.next is not None and none.next.record.name == "framework/grading"

    read_old = {"framework/grading": Opened("framework/grading", "v1", 10.0)}
    changed = progress(found, path, read_old, VERSIONS)
    assert [s.state for s in changed.steps] == ["changed", "new"]
    assert changed.steps[0].opened == 10.0 and changed.next == changed.steps[0]

    read_all = {
        "framework/grading": Opened("framework/grading", "v2", 11.0),
        "glossary/rubric": Opened("glossary/rubric", "r1", 12.0),
    }
    done = progress(found, path, read_all, VERSIONS)
    assert done.complete and done.done == 2 and done.next is None
    assert [s.number for s in done.steps] == [1, 2]


def test_an_opening_under_an_old_name_counts_for_the_page_it_became() -> None:
    found = catalog()
    rows = [
        Opened("glossary/old-rubric", "r1", 5.0),
        Opened("glossary/rubric", "r0", 3.0),  # earlier, under the new name
        Opened("framework/grading", "v2", 1.0),
    ]
    latest = latest_openings(rows, found.redirects)
    assert latest["glossary/rubric"].at == 5.0
    states = progress(found, found.pages["onboarding/start"], latest, VERSIONS)
    assert states.complete
    steps = steps_of(found, found.pages["onboarding/start"])
    assert names_of(found, steps) == ["framework/grading", "glossary/rubric", "glossary/old-rubric"]


def test_a_path_with_no_steps_is_not_complete() -> None:
    empty = page("onboarding/empty", "---\ntype: path\n---\n# Empty\n")
    found = Catalog({empty.name: empty})
    assert not progress(found, empty, {}, {}).complete


def test_check_warns_about_an_unreadable_acknowledge_and_a_path_with_no_steps() -> None:
    records = [
        page("empty", "---\ntype: path\n---\n# Empty\n"),
        page("policy", "---\nacknowledge: sometimes\n---\n# Policy\n"),
        page("fine", "---\nacknowledge: false\n---\n# Fine\n"),
    ]
    found = onboarding_findings(Catalog({record.name: record for record in records}))
    assert [str(f) for f in found] == [
        "empty.md:1: warning: this onboarding path has no steps: list them in a {toctree}",
        "policy.md:2: warning: 'acknowledge' must be true or false (it is 'sometimes')",
    ]
    assert onboarding_findings(catalog()) == []
