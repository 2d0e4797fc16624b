"""The search service on real git repositories: freshness, recovery, processes, queries."""

from __future__ import annotations

import json
import logging
import multiprocessing
import pickle
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki
from masterywiki.search import (
    INDEX_FORMAT,
    SearchService,
    StemmingWords,
    Synonyms,
    _WriteLock,
    parse_synonyms,
    titlesearch,
)
from masterywiki.search import service as search_service
from masterywiki.search.tables import TABLES_FORMAT, SegmentTables
from masterywiki.web.app import create_app
from masterywiki.web.views.search import EXTENSION as SEARCH_KEY
from tests.conftest import commit_files, git

Service = Callable[..., SearchService]


@pytest.fixture
def open_service(tmp_path: Path) -> Iterator[Service]:
    opened: list[SearchService] = []

    def build(repo: Path, folder: Path | None = None) -> SearchService:
        wiki = Wiki(GitStorage(repo))
        service = SearchService(wiki, folder or tmp_path / "instance" / "search", wait=30)
        opened.append(service)
        return service

    yield build
    for service in opened:
        service.close()
        service.wiki.storage.close()


@pytest.fixture
def service(basic_repo: Path, open_service: Service) -> SearchService:
    return open_service(basic_repo)


def names(service: SearchService, text: str, **filters: list[str]) -> list[str]:
    return [hit.name for hit in service.search(text, filters).hits]


def index_folder(service: SearchService) -> str:
    state = service.read_state()
    assert state is not None
    return state.folder


# -- building and freshness -----------------------------------------------------------


def test_first_search_builds_the_index_at_head(service: SearchService, basic_repo: Path) -> None:
    assert names(service, "welcome") == ["index"]
    state = json.loads((service.folder / "state.json").read_text())
    assert state["commit"] == git(basic_repo, "rev-parse", "HEAD")
    assert (service.folder / state["folder"]).is_dir()


def test_edit_is_indexed_incrementally(service: SearchService, basic_repo: Path) -> None:
    assert names(service, "zeppelin") == []
    folder = index_folder(service)
    head = commit_files(basic_repo, {"guide/second.md": "# Second\n\nA zeppelin arrives.\n"})
    assert names(service, "zeppelin") == ["guide/second"]
    assert names(service, "back") == []  # the old text is gone
    assert service.read_state() is not None
    assert (index_folder(service), service.read_state().commit) == (folder, head)  # type: ignore[union-attr]


def test_a_saves_index_generation_reads_only_its_new_segments_tables(
    service: SearchService, basic_repo: Path
) -> None:
    """Segments never change but for deletions: the generation after an edit keeps the
    tables already loaded and reads only the new segment's (and still finds right)."""
    assert names(service, "principles") == ["guide/first"]
    _searcher, before = service._searcher()
    loaded = {id(tables) for _leaf, _offset, tables in before.segments}
    commit_files(basic_repo, {"guide/second.md": "# Second\n\nA zeppelin arrives.\n"})
    assert names(service, "zeppelin") == ["guide/second"]
    _searcher, after = service._searcher()
    assert after is not before
    kept = [tables for _leaf, _offset, tables in after.segments if id(tables) in loaded]
    assert kept and len(kept) < len(after.segments)  # old segments shared, a new one read
    assert names(service, "principles") == ["guide/first"]
    service._reset()  # as after a failed search: nothing loaded is trusted again
    assert service._holder.tables == {}
    assert names(service, "zeppelin") == ["guide/second"]


def test_rename_and_delete(service: SearchService, basic_repo: Path) -> None:
    assert names(service, "principles") == ["guide/first"]
    git(basic_repo, "mv", "guide/first.md", "guide/opening.md")
    git(basic_repo, "commit", "-q", "-m", "rename")
    assert names(service, "principles") == ["guide/opening"]
    commit_files(basic_repo, {"guide/opening.md": None})
    assert names(service, "principles") == []
    assert service.search("principles").total == 0


def test_outside_commit_seen_by_another_process_index(
    basic_repo: Path, open_service: Service
) -> None:
    first = open_service(basic_repo)
    second = open_service(basic_repo)  # same folder, like a second gunicorn worker
    assert names(first, "rubric")[0] == "glossary/rubric"
    assert names(second, "rubric")[0] == "glossary/rubric"
    commit_files(basic_repo, {"guide/new.md": "---\ntitle: Quokka Notes\n---\nText.\n"})
    assert names(second, "quokka") == ["guide/new"]
    assert names(first, "quokka") == ["guide/new"]  # first reopens what second wrote


def test_restart_reuses_the_index(basic_repo: Path, open_service: Service) -> None:
    first = open_service(basic_repo)
    first.search("rubric")
    folder = index_folder(first)
    again = open_service(basic_repo)
    assert names(again, "rubric")[0] == "glossary/rubric"
    assert index_folder(again) == folder


def test_history_rewrite_is_followed(service: SearchService, basic_repo: Path) -> None:
    service.search("rubric")
    commit_files(basic_repo, {"guide/x.md": "# Wombat\n"})
    service.search("wombat")
    git(basic_repo, "reset", "-q", "--hard", "HEAD~1")  # the indexed commit leaves history
    commit_files(basic_repo, {"guide/y.md": "# Numbat\n"})
    assert names(service, "numbat") == ["guide/y"]
    assert names(service, "wombat") == []


def test_missing_index_is_rebuilt(service: SearchService) -> None:
    service.search("rubric")
    service.close()
    for path in service.folder.glob("index-*"):
        for file in path.iterdir():
            file.unlink()
        path.rmdir()
    (service.folder / "state.json").unlink()
    assert names(service, "rubric")[0] == "glossary/rubric"


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_corrupt_index_is_rebuilt(basic_repo: Path, open_service: Service, damage: str) -> None:
    first = open_service(basic_repo)
    first.search("rubric")
    first.close()
    folder = first.folder / index_folder(first)
    for file in folder.iterdir():
        if file.suffix != ".lock":
            size = file.stat().st_size
            file.write_bytes(b"" if damage == "truncate" else b"\x93garbage!" * (size // 9 + 1))
    fresh = open_service(basic_repo)  # a new process finds the damage
    assert names(fresh, "rubric")[0] == "glossary/rubric"
    assert index_folder(fresh) != folder.name


def test_corrupt_segment_under_an_open_searcher(service: SearchService) -> None:
    service.search("rubric")
    folder = service.folder / index_folder(service)
    for file in folder.glob("*.seg"):
        file.write_bytes(b"\0" * 64)
    for file in folder.glob("_*.toc"):
        file.write_bytes(b"\0" * 64)
    service.close()
    assert names(service, "rubric")[0] == "glossary/rubric"


# A process that has the index open while a file of it shrinks (a full disk, a restore,
# a damaged file system): mapped, the next read past the new end killed the process
# with SIGBUS and no log line. Run in a child process, so such a crash fails the test.
SHRINK_UNDER_A_SEARCH = """
import logging, os, sys
from pathlib import Path
from masterywiki.search import SearchService
from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
repo, folder, suffix, first, then = sys.argv[1:]
service = SearchService(Wiki(GitStorage(repo)), Path(folder), wait=30)
print([hit.name for hit in service.search(first).hits], flush=True)
for file in Path(folder).glob("index-*/*" + suffix):
    os.truncate(file, 64 if suffix == ".seg" else 0)
print([hit.name for hit in service.search(then).hits], flush=True)
"""


@pytest.mark.parametrize(
    ("suffix", "first", "then", "found"),
    [
        (".seg", "rubric", "chapter", "guide/first"),
        (".seg", "chapter", "rubric", "glossary/rubric"),
        (".mws", '"first chapter"', '"see the second"', "guide/first"),
    ],
)
def test_a_file_that_shrinks_under_a_running_search_is_rebuilt(
    basic_repo: Path, tmp_path: Path, suffix: str, first: str, then: str, found: str
) -> None:
    args = [str(basic_repo), str(tmp_path / "search"), suffix, first, then]
    result = subprocess.run(
        [sys.executable, "-c", SHRINK_UNDER_A_SEARCH, *args],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent.parent,
    )  # fmt: skip
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    assert len(result.stdout.splitlines()) == 2 and f"'{found}'" in result.stdout.splitlines()[1]
    assert "rebuilding it from git" in result.stderr


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        "42",
        "null",
        '"state"',
        f'{{"format": {INDEX_FORMAT}, "folder": ["index-x"], "commit": ""}}',
        f'{{"format": {INDEX_FORMAT}, "folder": "../../elsewhere", "commit": ""}}',
        f'{{"format": {INDEX_FORMAT}, "folder": "index-x", "commit": 7}}',
    ],
)
def test_a_state_file_of_the_wrong_shape_means_no_index(
    basic_repo: Path, tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "instance" / "search"
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(content)
    with caplog.at_level(logging.WARNING):
        app = create_app({"repo": basic_repo, "instance": tmp_path / "instance"})
    assert "state.json" in caplog.text, "the damage is logged"
    try:
        response = app.test_client().get("/-/api/v1/search?q=rubric")
        assert response.status_code == 200
        assert response.get_json()["results"][0]["path"] == "glossary/rubric"
    finally:
        app.extensions[SEARCH_KEY].close()
        app.extensions["masterywiki"].wiki.storage.close()


def test_reader_uses_the_older_index_while_another_process_writes(
    service: SearchService, basic_repo: Path
) -> None:
    service.search("rubric")
    commit_files(basic_repo, {"guide/z.md": "# Platypus\n"})
    other = _WriteLock(service.folder / "write.lock")  # another process's lock
    assert other.acquire(timeout=0)
    try:
        result = service.search("platypus")  # no error, no wait: the older index
        assert result.total == 0
    finally:
        other.release()
    assert names(service, "platypus") == ["guide/z"]


def test_a_large_first_build_answers_with_its_progress_instead_of_waiting(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_service, "WAIT_FOR_PAGES", 3)  # the 7 pages are "many"
    release = threading.Event()
    original = search_service.building.build_here

    def held(*args: object) -> None:
        release.wait(30)
        original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(search_service.building, "build_here", held)
    service.start_building()  # what a large wiki's server does at start
    while service.progress() == (0, 0):  # until the build has counted the pages
        time.sleep(0.01)
    started = time.monotonic()
    meanwhile = service.search("welcome")  # from titles (see test_titlesearch)
    assert meanwhile.indexing == (0, 7)
    assert time.monotonic() - started < 5  # not the service's 30 s wait
    release.set()
    assert service._building is not None
    service._building.join(30)
    assert names(service, "welcome") == ["index"]
    assert service.progress() == (0, 0)


def test_the_names_searched_meanwhile_are_read_before_the_first_search_and_then_let_go(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    spaced = titlesearch._spaced
    monkeypatch.setattr(titlesearch, "_spaced", lambda r: read.append(r.name) or spaced(r))
    other = _WriteLock(service.folder / "write.lock")  # another process builds the index
    assert other.acquire(timeout=0)
    service.wait = 0.2
    try:
        service.warm_titles()  # what a starting server does once the pages are read
        pages = len(read)
        assert pages == len(service.wiki.snapshot.catalog)
        meanwhile = service.search("rubric")
        assert meanwhile.indexing == (0, 0)
        assert [hit.name for hit in meanwhile.hits] == ["glossary/rubric"]
        assert len(read) == pages  # nothing read again for the search
    finally:
        other.release()
    service.wait_for_building()
    service.drop_titles()
    service.rebuild()  # the index is there: a search reads through it, not the names
    assert service.search("rubric").indexing is None
    service.warm_titles()
    assert len(read) == pages  # with an index, no names are read


def test_rebuild_reports_progress(service: SearchService) -> None:
    steps: list[int] = []
    assert service.rebuild(progress=steps.append) == 7
    assert sum(steps) == 7


# -- several processes -------------------------------------------------------------------


def _worker(repo: str, folder: str, number: int, errors: multiprocessing.Queue[str]) -> None:
    try:
        wiki = Wiki(GitStorage(repo))
        service = SearchService(wiki, Path(folder), wait=60)
        for round_ in range(6):
            service.search("rubric")
            if number == 0:
                commit_files(
                    Path(repo), {f"guide/p{round_}.md": f"# Page {round_}\n\nkiwi{round_}\n"}
                )
            found = service.search(f"kiwi{round_}")
            assert found.total in (0, 1)
        service.close()
    except BaseException:
        errors.put(traceback.format_exc())


def test_processes_search_and_update_concurrently(basic_repo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "shared" / "search"
    context = multiprocessing.get_context("spawn")
    errors: multiprocessing.Queue[str] = context.Queue()
    workers = [
        context.Process(target=_worker, args=(str(basic_repo), str(folder), n, errors))
        for n in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert not problems, problems[0]
    assert all(worker.exitcode == 0 for worker in workers)
    wiki = Wiki(GitStorage(basic_repo))
    final = SearchService(wiki, folder)
    assert [h.name for h in final.search("kiwi5").hits] == ["guide/p5"]
    assert final.search("kiwi0").total == 1
    final.close()


# -- queries ----------------------------------------------------------------------------

PAGES = {
    "index.md": "# Home\n\n```{toctree}\nterms/index\nnotes/index\n```\n",
    "terms/index.md": "# Terms\n\n```{toctree}\nrubric\nmastery\nscale\n```\n",
    "terms/rubric.md": (
        "---\ntitle: Rubric\ntype: term\naliases: [scoring guide]\ntags: [assessment]\n---\n"
        "# Rubric\n\nA rubric describes levels of quality for student work.\n"
    ),
    "terms/mastery.md": (
        "---\ntitle: Mastery-Based Learning\ntype: term\n"
        "aliases: [competency-based learning]\ntags: [foundations]\n---\n"
        "# Mastery-Based Learning\n\nStudents advance on demonstrated learning.\n"
    ),
    "terms/scale.md": (
        "---\ntitle: Proficiency Scale\ntype: term\ntags: [assessment, grading]\n---\n"
        "# Proficiency Scale\n\nLevels such as developing and proficient.\n"
    ),
    "notes/index.md": "# Notes\n\n```{toctree}\nretakes\nguide\nhabits\n```\n",
    "notes/retakes.md": (
        "---\ntitle: Retake Policy\ntags: [grading]\n---\n# Retake Policy\n\n"
        "Every retake needs new evidence. A rubric keeps retakes fair.\n"
    ),
    "notes/guide.md": (
        "---\ntitle: Family Guide\ntype: resource\nresource_type: guide\n"
        "organization_type: district\ntags: [grading, families]\n---\n# Family Guide\n\n"
        "How to read a report card and what proficient means.\n"
    ),
    "notes/habits.md": "# Habits\n\nPersistence and collaboration, reported apart.\n",
    "synonyms.txt": "# test synonyms\nretake, reassessment\npersistence, grit\n",
}


@pytest.fixture
def query_service(repo_factory: Callable[..., Path], open_service: Service) -> SearchService:
    return open_service(repo_factory(PAGES))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rubric", ["terms/rubric", "notes/retakes"]),  # title outranks body
        ("levels quality", ["terms/rubric"]),  # all words
        ("rubrics", ["terms/rubric", "notes/retakes"]),  # stemming
        ('"levels of quality"', ["terms/rubric"]),  # phrase
        ('"quality levels"', []),  # phrase order matters
        ("profic*", ["terms/scale", "notes/guide"]),  # prefix
        ("rubric AND retake", ["notes/retakes"]),
        ("persistence OR proficient", None),
        ("rubric NOT retake", ["terms/rubric"]),
        ("title:guide", ["notes/guide"]),
        ("scoring guide", ["terms/rubric", "notes/retakes"]),  # an alias, and its title
        ("competency-based", ["terms/mastery"]),  # a hyphenated alias word
        ("reassessment", ["notes/retakes"]),  # synonyms.txt
        ("grit", ["notes/habits"]),
        ("rubrc~", ["terms/rubric", "notes/retakes"]),  # fuzzy term
        # Fields with no terms read as words (a phrase): whoosh raised on them.
        ("text:rubric", []),
        ("updated:2026", []),
    ],
)
def test_query_forms(query_service: SearchService, text: str, expected: list[str] | None) -> None:
    found = names(query_service, text)
    if expected is None:
        assert set(found) == {"notes/habits", "terms/scale", "notes/guide"}
    else:
        assert found == expected


def test_synonyms_are_reported(query_service: SearchService) -> None:
    assert query_service.search("retake").synonyms == ("reassessment",)
    assert "competency-based learning" in query_service.search("mastery-based learning").synonyms


def test_did_you_mean(query_service: SearchService) -> None:
    nothing = query_service.search("rubirc")
    assert (nothing.suggestion, nothing.corrected) == ("rubric", True)
    assert nothing.hits[0].name == "terms/rubric"
    some = query_service.search("retake rubirc")
    assert some.suggestion == "retake rubric"
    assert query_service.search("rubric").suggestion is None


def test_definition_card(query_service: SearchService) -> None:
    card = query_service.search("Scoring Guide").definition
    assert card is not None
    assert (card.title, card.url) == ("Rubric", "/terms/rubric")
    assert card.aliases == ("scoring guide",)
    assert query_service.search("levels").definition is None


def test_hits_have_snippet_breadcrumbs_and_type(query_service: SearchService) -> None:
    hit = query_service.search("retake").hits[0]
    assert hit.title == "Retake Policy"
    assert "<mark>retake</mark>" in hit.snippet
    assert [c.title for c in hit.breadcrumbs] == ["Home", "Notes"]
    assert query_service.search("scale").hits[0].type == "term"


def test_snippet_escapes_html(repo_factory: Callable[..., Path], open_service: Service) -> None:
    repo = repo_factory({"index.md": "# Home\n\nUse `<script>alert(1)</script>` with care.\n"})
    snippet = open_service(repo).search("alert").hits[0].snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet


def test_facets_count_and_combine(query_service: SearchService) -> None:
    results = query_service.search("grading OR rubric OR proficient")
    facets = {f.name: {v.value: v.count for v in f.values} for f in results.facets}
    assert facets["type"] == {"term": 2, "page": 1, "resource": 1}
    assert facets["tag"]["grading"] == 3
    narrowed = query_service.search("grading OR rubric OR proficient", {"type": ["term"]})
    assert {h.name for h in narrowed.hits} == {"terms/rubric", "terms/scale"}
    counts = {f.name: {v.value: (v.count, v.selected) for v in f.values} for f in narrowed.facets}
    assert counts["type"]["term"] == (2, True)
    assert counts["type"]["resource"] == (1, False)  # what switching would give
    assert counts["tag"] == {"assessment": (2, False), "grading": (1, False)}
    both = query_service.search(
        "grading OR rubric OR proficient", {"type": ["term"], "tag": ["grading"]}
    )
    assert [h.name for h in both.hits] == ["terms/scale"]
    assert query_service.search("", {"resource_type": ["guide"]}).total == 1
    assert query_service.search("", {"organization_type": ["district"]}).total == 1
    assert query_service.search("", {"section": ["notes"]}).total == 4


def test_pagination(repo_factory: Callable[..., Path], open_service: Service) -> None:
    files = {
        f"p/page-{i:02d}.md": f"# Page {i}\n\nMarmot {'marmot ' * (i % 5)}\n" for i in range(25)
    }
    service = open_service(repo_factory(files))
    first = service.search("marmot", page_size=10)
    assert (first.total, first.first, first.last, first.pages) == (25, 1, 10, 3)
    third = service.search("marmot", page=3, page_size=10)
    assert (third.first, third.last, len(third.hits)) == (21, 25, 5)
    pages = [h.name for p in (1, 2, 3) for h in service.search("marmot", page=p).hits]
    assert sorted(pages) == sorted(n.removesuffix(".md") for n in files)
    assert service.search("marmot", page=9).hits == ()


def test_suggest(query_service: SearchService) -> None:
    found = query_service.suggest("prof")
    assert [s.title for s in found] == ["Proficiency Scale"]
    assert found[0].context == "Terms"
    assert [s.url for s in query_service.suggest("scoring g")] == ["/terms/rubric"]
    assert query_service.suggest("p") == []


def test_empty_and_stopword_queries(query_service: SearchService) -> None:
    assert query_service.search("").total == 0
    assert query_service.search("the").total == 0
    assert query_service.search('"unclosed').total == 0


def test_synonyms_file_format() -> None:
    groups = parse_synonyms("# c\nA, b , c # trailing\n\nsolo\nx,,y\n")
    assert groups == [("A", "b", "c"), ("x", "y")]
    synonyms = Synonyms(groups)
    assert synonyms.lookup(("a",)) == ["b", "c"]
    expanded, used = synonyms.expand('a "x" NOT q')
    assert used == ["b", "c", "y"]
    assert expanded.startswith('(a OR "b"^0.9 OR "c"^0.9)')


def test_fast_analyzer_matches_whoosh() -> None:
    from whoosh.analysis import StemmingAnalyzer

    text = "The rubrics' levels: proficient-ish, 3.5 grades, retakes* and re-assessing."
    for options in (
        {},
        {"positions": True, "chars": True},
        {"removestops": False, "positions": True},
    ):
        ours = [
            (t.text, t.pos if "positions" in options else 0)
            for t in StemmingWords()(text, **options)
        ]
        theirs = [
            (t.text, t.pos if "positions" in options else 0)
            for t in StemmingAnalyzer()(text, **options)
        ]
        assert ours == theirs
    assert StemmingWords().words(text) == [t.text for t in StemmingAnalyzer()(text)]


# -- the tables beside the index ---------------------------------------------------------

# More pages than `tables.COMMON`, so their words get stored bitmaps and places.
SUMMARY = "---\nsummary: River notes\n---\n"
ANT = SUMMARY + "# Ant\n\nThe otter crossed the river bridge today.\n"
BEE = SUMMARY + "# Bee\n\nA bridge over the river, said the otter.\n"
ANTS = {f"p/ant-{i:02d}.md": ANT for i in range(30)}
BEES = {f"p/bee-{i:02d}.md": BEE for i in range(30)}


@pytest.fixture
def common_service(repo_factory: Callable[..., Path], open_service: Service) -> SearchService:
    return open_service(repo_factory({**ANTS, **BEES}))


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ('"river bridge"', 30),  # common words only
        ('"bridge river"', 0),  # order matters
        ('"over river"', 30),  # stop words are left out, as when indexing
        ('"crossed river bridge"', 30),  # a rarer word first
        ('"otter river bridge"', 0),
        ('"otter bee"', 0),  # never across two pages
        ("riv*", 60),
        ("rivr~", 60),
        ("otter NOT crossed", 30),
    ],
)
def test_common_words(common_service: SearchService, text: str, total: int) -> None:
    assert common_service.search(text).total == total


def test_tables_hold_common_terms(common_service: SearchService) -> None:
    assert common_service.search("summary:notes").total == 60
    folder = common_service.folder / index_folder(common_service)
    (segment,) = folder.glob("*.mwt")
    tables = SegmentTables.load(folder, segment.stem)
    assert "note" in tables.fields["summary"]  # as text, as queries look it up
    assert set(tables.common) >= {"otter", "river", "bridg"}
    assert "cross" in tables.rare


def test_tables_of_an_older_format_are_computed_again(
    common_service: SearchService, open_service: Service
) -> None:
    assert common_service.search("summary:notes").total == 60
    common_service.close()
    folder = common_service.folder / index_folder(common_service)
    (file,) = folder.glob("*.mwt")
    older = pickle.loads(file.read_bytes())
    # As format 4 kept them: the common terms' bitmaps in the tables file itself.
    older.update(format=4, fields={"summary": {"note": b"\xff" * 8}}, common={})
    file.write_bytes(pickle.dumps(older))
    again = open_service(common_service.wiki.storage.path)
    assert again.search("summary:notes").total == 60
    assert again.search('"river bridge"').total == 30
    assert pickle.loads(file.read_bytes())["format"] == TABLES_FORMAT
    assert index_folder(again) == folder.name  # computed again, not rebuilt


def test_a_common_term_file_that_shrinks_under_a_search_is_rebuilt(
    common_service: SearchService, caplog: pytest.LogCaptureFixture
) -> None:
    assert common_service.search("river").total == 60  # opens the .mwc file
    folder = common_service.folder / index_folder(common_service)
    (file,) = folder.glob("*.mwc")
    file.write_bytes(b"")  # emptied (as a full disk can leave a file)
    with caplog.at_level(logging.WARNING):
        assert common_service.search("bridge").total == 60  # read from the damaged file
    assert "rebuilding it from git" in caplog.text
    assert index_folder(common_service) != folder.name


def test_phrases_follow_edits(common_service: SearchService) -> None:
    repo = common_service.wiki.storage.path
    assert common_service.search('"river bridge"').total == 30
    commit_files(repo, {"p/ant-03.md": "# Ant\n\nThe otter jumped.\n"})
    assert common_service.search('"river bridge"').total == 29
    commit_files(repo, {"p/cat.md": "# Cat\n\nA river bridge, a cat.\n"})
    assert common_service.search('"river bridge"').total == 30
    assert names(common_service, '"river bridge" cat') == ["p/cat"]


def test_tables_come_and_go_with_segments(service: SearchService, basic_repo: Path) -> None:
    for i in range(8):  # enough commits for whoosh to merge segments
        commit_files(basic_repo, {f"guide/n{i}.md": f"# Note {i}\n\nWombat numbat{i}.\n"})
        assert names(service, f"numbat{i}") == [f"guide/n{i}"]
    folder = service.folder / index_folder(service)
    ours = {"mwt", "mws", "mwp", "mwc"}
    segments = {f.name.split(".")[0] for f in folder.glob("MAIN_*.*") if f.suffix[1:] not in ours}
    for ext in ours:
        assert {f.name.split(".")[0] for f in folder.glob(f"MAIN_*.{ext}")} == segments
    assert service.search("wombat").total == 8


def test_warm_opens_without_building(basic_repo: Path, open_service: Service) -> None:
    cold = open_service(basic_repo)
    cold.warm()  # no index yet: nothing happens
    assert cold.read_state() is None
    cold.search("rubric")
    again = open_service(basic_repo)
    again.warm()
    assert names(again, "rubric")[0] == "glossary/rubric"
    assert index_folder(again) == index_folder(cold)


def test_math_and_diagram_sources_are_indexed(service: SearchService, basic_repo: Path) -> None:
    page = (
        "# Growth\n\nThe mean is $\\frac{1}{n}\\sum$ here.\n\n"
        "```{mermaid}\nflowchart LR\n  Practice --> Zeppelinstage\n```\n"
    )
    commit_files(basic_repo, {"guide/growth.md": page})
    assert names(service, "zeppelinstage") == ["guide/growth"]
    assert names(service, "frac") == ["guide/growth"]


def test_a_build_if_missing_builds_once(service: SearchService) -> None:
    assert service.rebuild(if_missing=True) == 7
    folder = index_folder(service)
    assert service.rebuild(if_missing=True) == 0  # another process's build is enough
    assert index_folder(service) == folder
