"""Full index builds: one process or several build indexes that answer alike."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from masterywiki.git.storage import GitStorage
from masterywiki.repository.wiki import Wiki
from masterywiki.search import SearchService
from masterywiki.search.building import shares
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
