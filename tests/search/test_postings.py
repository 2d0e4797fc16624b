"""A full build's postings buffer: whoosh's pool order, in less memory."""

from __future__ import annotations

import random
from pathlib import Path

from whoosh.filedb.filestore import FileStorage  # type: ignore[import-untyped]
from whoosh.writing import PostingPool  # type: ignore[import-untyped]

from masterywiki.search.postings import PostingBuffer


def test_postings_come_out_as_whooshs_pool_gives_them(tmp_path: Path) -> None:
    rng = random.Random(5)
    terms = [f"t{n}".encode() for n in range(40)]
    items = []
    for docnum in range(300):
        for field in ("title", "spell", "headings"):
            for term in {rng.choice(terms) for _ in range(8)}:
                items.append((field, term, docnum, float(rng.randint(1, 3)), bytes([docnum % 5])))
    items.append(("title", terms[0], 2, 1.0, None))  # out of order: sorted as whoosh would
    items.append(("title", terms[0], 2, 0.5, b""))
    pool = PostingPool(FileStorage(str(tmp_path)), None, limitmb=1)  # small: whoosh spills to runs
    buffer = PostingBuffer()
    for item in items:
        pool.add(item)
        buffer.add(item)
    expected = [(f, t, d, w, v or b"") for f, t, d, w, v in pool.iter_postings()]
    assert list(buffer.iter_postings()) == expected
    assert buffer.fieldnames == {"title", "spell", "headings"}
    buffer.cleanup()
    assert list(buffer.iter_postings()) == []
