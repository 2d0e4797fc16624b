"""Full index builds: one process or several build indexes that answer alike."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from whoosh.filedb.filestore import FileStorage  # type: ignore[import-untyped]
from whoosh.writing import SegmentWriter  # type: ignore[import-untyped]

from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki
from masterywiki.search import SearchService, building
from masterywiki.search.building import shares
from masterywiki.search.languages import marked
from masterywiki.search.postings import PostingBuffer
from masterywiki.search.schema import make_schema
from masterywiki.search.store import open_index
from tests.conftest import commit_files

WORDS = [
    "mastery",
    "feedback",
    "rubric",
    "evidence",
    "learner",
    "progress",
    "spaced",
    "retrieval",
    "lantern",
    "garden",
    "river",
    "bridge",
    "otter",
    "heron",
    "matrix",
    "vector",
    "theorem",
    "proof",
    "signal",
    "energy",
    "wave",
    "falcon",
    "the",
    "and",
    "of",
    "a",
    "to",
    "in",
    "was",
    "were",
    "being",
]
SPANISH = [
    "calificación",
    "evaluación",
    "boletín",
    "competencia",
    "hábitos",
    "reunión",
    "familias",
    "niño",
]
QUERIES = (
    "mastery",
    "feedback rubric",
    '"spaced retrieval"',
    "lant*",
    "river OR heron",
    "matrix NOT vector",
    "rubrik",
    "page 17",
    "calificacion",
    "boletín competencia",
    "falcon theorem proof",
)


def page(number: int, rng: random.Random) -> tuple[str, str]:
    """A page of few distinct words, so that many pages tie on a score."""
    if number % 7 == 0:
        body = " ".join(rng.choice(SPANISH) for _ in range(rng.randint(5, 30)))
        title = f"Página {number} {rng.choice(SPANISH)}"
        return f"es/page-{number:03}.md", f"---\ntitle: {title}\nlang: es\n---\n\n{body}\n"
    words = [rng.choice(WORDS) for _ in range(rng.randint(5, 60))]
    heading = " ".join(rng.sample(WORDS, 2))
    body = f"{' '.join(words)}\n\n## {heading}\n\nSee `code here` and *{rng.choice(WORDS)}*."
    return f"pages/page-{number:03}.md", f"# Page {number} {rng.choice(WORDS)}\n\n{body}\n"


@pytest.fixture
def many_pages_repo(basic_repo: Path) -> Path:
    rng = random.Random(23)
    commit_files(basic_repo, dict(page(n, rng) for n in range(260)), "many pages")
    return basic_repo


@pytest.fixture
def build(many_pages_repo: Path, tmp_path: Path) -> Iterator[Callable[[int], SearchService]]:
    opened: list[SearchService] = []

    def built(processes: int) -> SearchService:
        wiki = Wiki(GitStorage(many_pages_repo))
        service = SearchService(wiki, tmp_path / f"search-{len(opened)}", wait=30)
        opened.append(service)
        counted: list[int] = []
        assert service.rebuild(counted.append, processes) == len(wiki.refresh().catalog)
        assert sum(counted) == len(wiki.refresh().catalog)  # every page counted once
        return service

    yield built
    for service in opened:
        service.close()
        service.wiki.storage.close()


def segments(service: SearchService) -> int:
    state = service.read_state()
    assert state is not None
    ix = open_index(service.folder / state.folder)
    try:
        with ix.reader() as reader:
            return len(list(reader.leaf_readers()))
    finally:
        ix.close()


def answers(service: SearchService) -> list[object]:
    found: list[object] = []
    for text in QUERIES:
        results = service.search(text, page_size=100)
        found.append((text, results.total, results.suggestion, results.corrected))
        found.append([(h.name, round(h.score, 9), h.snippet) for h in results.hits])
        found.append(service.suggest(text))
    return found


def ties(service: SearchService) -> list[object]:
    """The answers with pages of equal score as sets: what does not depend on the order of
    the documents in the index. (Not the suggestions: whoosh expands a prefix in each
    segment apart, which moves their scores.)"""
    found: list[object] = []
    for text in QUERIES:
        results = service.search(text, page_size=100)
        by_score: dict[float, set[str]] = {}
        for hit in results.hits:
            by_score.setdefault(round(hit.score, 9), set()).add(hit.name)
        found.append((text, results.total, results.suggestion, by_score))
    return found


def test_processes_build_indexes_that_answer_alike(
    build: Callable[[int], SearchService],
) -> None:
    one, two, again = build(1), build(2), build(2)
    assert (segments(one), segments(two)) == (1, 2)
    assert answers(again) == answers(two)  # the same at each build, order of ties too
    assert ties(two) == ties(one)  # the same pages and scores
    hits = one.search("mastery", page_size=100).hits
    assert len({hit.score for hit in hits}) < len(hits)  # ties: their order is compared too
    assert one.search("calificacion").total > 0


def test_pages_are_dealt_to_the_workers_in_turn() -> None:
    items = [f"p{n:02}" for n in range(11)]
    assert shares(items, 3) == [items[0::3], items[1::3], items[2::3]]
    assert shares(items, 1) == [items]
    assert shares(items[:2], 4) == [["p00"], ["p01"]]
    assert shares([], 2) == [[]]


def _document(number: int, rng: random.Random) -> dict[str, object]:
    """A document of every kind of field, with words common enough for several blocks."""
    lang = "es" if number % 5 == 0 else "en"
    words = SPANISH if lang == "es" else WORDS
    title = " ".join(rng.choice(words) for _ in range(rng.randint(0, 6)))
    heads = "\n".join(" ".join(rng.sample(words, 3)) for _ in range(rng.randint(0, 4)))
    summary = " ".join(rng.choice(words) for _ in range(rng.randint(0, 20)))
    tags = rng.sample(["Math", "reading", " science", "x, y", ""], rng.randint(0, 3))
    found: dict[str, object] = {
        "path": f"page-{number:03}",
        "title": marked(lang, title),
        "aliases": marked(lang, f"{title}*\nv2.0 e.g." if number % 3 else ""),
        "names": ",".join([title.lower(), "other name"]),
        "headings": marked(lang, heads),
        "summary": marked(lang, summary),
        "text": summary,
        "organization": marked(lang, rng.choice(["", "North School", "Escuela Sur"])),
        "tags": ",".join(tags),
        "tag_list": "\x1f".join(tags).encode(),
        "type": rng.choice(["page", "term"]),
        "section": rng.choice(["", "framework", "classes"]),
        "resource_type": "",
        "organization_type": rng.choice(["", "school"]),
        "updated": datetime(2026, 1 + number % 12, 1 + number % 28),
        "lang": lang,
        "spell": " ".join([title, heads, summary, *tags]),
        "complete": title,
    }
    if lang != "en":
        found.update(_stored_title=title, _stored_summary=summary)
    return found


def _segment_files(folder: Path) -> dict[str, bytes]:
    """A one-segment index's files by their kind (the segment's random id left out)."""
    found = {}
    for path in folder.iterdir():
        if path.name.startswith("MAIN_") and "." in path.name:
            found[path.name.split(".", 1)[1]] = path.read_bytes()
    return found


def _written(folder: Path, make: Callable[[Any, bool], Any], documents: list[Any]) -> Any:
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(make_schema())
    writer = make(ix, False)
    for document in documents:
        writer.add_document(**document)
    writer._commit_toc([writer._finalize_segment()])
    writer._finish()
    return ix


def _postings(ix: Any) -> list[object]:
    """Every term's statistics and postings, as whoosh reads them back."""
    found: list[object] = []
    with ix.reader() as reader:
        for field, text in reader.all_terms():
            info = reader.term_info(field, text)
            found.append((field, text, info.weight(), info.doc_frequency(), info.max_weight()))
            found.append((info.min_length(), info.max_length(), info.min_id(), info.max_id()))
            matcher = reader.postings(field, text)
            while matcher.is_active():
                found.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
    return found


def test_a_build_writes_the_segment_files_whoosh_writes(tmp_path: Path) -> None:
    rng = random.Random(7)
    documents = [_document(n, rng) for n in range(400)]  # a common word's postings: 4 blocks
    built = _written(tmp_path / "build", building._segment_writer, documents)
    # Whoosh's writer with the build's postings buffer: the old way, file for file but
    # for the postings (and the term index pointing into them), read back the same.
    before = _written(tmp_path / "before", buffered_whoosh_writer, documents)
    files = _segment_files(tmp_path / "build")
    assert files.keys() == _segment_files(tmp_path / "before").keys()
    assert {"pst", "trm", "_stored.col", "_title_len.col"} <= files.keys()
    for kind, data in _segment_files(tmp_path / "before").items():
        if kind == "pst":  # small blocks are left uncompressed: other bytes, fewer of them
            assert len(files[kind]) < len(data)
        elif kind != "trm":  # which points into those
            assert files[kind] == data, kind
    assert _postings(built) == _postings(before)
    # Whoosh's own writer: the same files but for the postings' bytes (the buffer shares
    # equal values, which whoosh's pickles then write once), the same postings read back.
    own = _written(tmp_path / "whoosh", whoosh_writer, documents)
    for kind, data in _segment_files(tmp_path / "whoosh").items():
        assert kind in ("pst", "trm") or files[kind] == data, kind
    assert _postings(built) == _postings(own)
    for ix in (built, before, own):
        ix.close()


def whoosh_writer(ix: Any, compound: bool) -> Any:
    """Whoosh's own writer of one segment, with its own pool."""
    return SegmentWriter(ix, _lk=False, compound=compound)


def buffered_whoosh_writer(ix: Any, compound: bool) -> Any:
    """Whoosh's writer with the postings buffer (as builds were before the build writer)."""
    writer = whoosh_writer(ix, compound)
    writer.pool = PostingBuffer()
    return writer
