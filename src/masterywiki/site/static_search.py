"""The static site's search index: built here, searched in the browser by static-search.js.

Pure values in, values out (no Flask, no disk). `search()` is the reference of the
ranking that `static/static-search.js` implements, so tests can check the index
without a browser; the two must change together.

The index is one JSON object, written as `window.MASTERYWIKI_SEARCH_INDEX = {...};`
because a browser may load a script from `file://` but not fetch() a JSON file:

- `docs`: `[path, title, summary, type, context]`; `path` is relative to the site root
  (`glossary/rubric/`, `` for the home page);
- `terms`: word stem -> postings, a flat list of document-number gaps; a gap is negated
  and followed by a field mask when the word appears in more than the body text;
- `names`: a page's normalized title or alias -> its document number (exact-name boost);
- `synonyms`: groups of equivalent names (a term's title and aliases, `synonyms.txt`).

A large site's index is split into parts, so that editing one page rewrites only its
part: a page belongs to the part `crc32(name) % parts` (stable while the number of
parts stays), and documents are numbered part by part, by name within a part. The first
part is `searchindex.js` (with the synonyms and `parts`, the other parts' files); part
`k` is `searchindex-k.js`, `docs`, `terms` and `names` numbered from 0, assigned to
`window.MASTERYWIKI_SEARCH_PARTS[k]`. `merge()` puts them together as static-search.js
does: documents and names follow on, each part's terms are kept with their first
document number (`more`). A site of up to `PART_PAGES` pages has one part: one file.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

INDEX_FORMAT = 1
GLOBAL = "MASTERYWIKI_SEARCH_INDEX"
PARTS_GLOBAL = "MASTERYWIKI_SEARCH_PARTS"
PART_PAGES = 1000  # pages a part holds at most, on average (parts come in powers of two)

# Field bits of a posting and their weights: a title or alias match outranks the body.
BODY, SUMMARY, HEADING, ALIAS, TITLE = 1, 2, 4, 8, 16
WEIGHTS = ((TITLE, 10.0), (ALIAS, 8.0), (HEADING, 3.0), (SUMMARY, 2.0), (BODY, 1.0))
NAME_BONUS = 100.0  # the query is exactly a page's title or alias
SYNONYM_FACTOR = 0.9
PREFIX_FACTOR = 0.5  # `assess` also finds `assessment`, a little lower
PREFIX_MIN = 3
PREFIX_LIMIT = 50  # words one prefix may expand to
BODY_WORDS = 3000  # distinct body words indexed per page, to bound the index
SUMMARY_CHARS = 220

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """Lowercase words, split at anything but letters and digits (as the JS does)."""
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    """A light plural stemmer, mirrored in static-search.js: 'rubrics' -> 'rubric'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Entry:
    """What one page contributes to the index."""

    path: str
    title: str
    summary: str
    type: str
    context: str  # the top-level section's title, shown beside the result
    aliases: tuple[str, ...]
    headings: tuple[str, ...]
    tags: tuple[str, ...]
    body: str  # distinct body word stems, space-separated

    def to_json(self) -> list[object]:
        return [
            self.path,
            self.title,
            self.summary,
            self.type,
            self.context,
            list(self.aliases),
            list(self.headings),
            list(self.tags),
            self.body,
        ]

    @classmethod
    def from_json(cls, data: Sequence[object]) -> Entry:
        p, t, s, y, c, a, h, g, b = data
        return cls(str(p), str(t), str(s), str(y), str(c), tuple(a), tuple(h), tuple(g), str(b))  # type: ignore[arg-type]


def entry(
    path: str,
    title: str,
    summary: str,
    type_: str,
    context: str,
    aliases: Iterable[str],
    headings: Iterable[str],
    tags: Iterable[str],
    text: str,
) -> Entry:
    body = dict.fromkeys(stem(w) for w in dict.fromkeys(words(text)))
    trimmed = summary if len(summary) <= SUMMARY_CHARS else summary[: SUMMARY_CHARS - 1] + "…"
    return Entry(
        path,
        title,
        trimmed,
        type_,
        context,
        tuple(aliases),
        tuple(headings),
        tuple(tags),
        " ".join(list(body)[:BODY_WORDS]),
    )


def build_index(entries: Sequence[Entry], synonyms: Iterable[Sequence[str]]) -> dict[str, object]:
    """The index of `entries` (in their order: the document numbers)."""
    # Body words (nearly all postings) as growing lists of document numbers, in order;
    # the few title, alias, heading and summary words as masks beside them. Most words
    # then need no mask and no sort (a third less time than one mask dict for all).
    body_docs: dict[str, list[int]] = {}
    fields: dict[str, dict[int, int]] = {}
    names: dict[str, int] = {}
    for doc, item in enumerate(entries):
        for word in item.body.split():
            found = body_docs.get(word)
            if found is None:
                body_docs[word] = [doc]
            else:
                found.append(doc)
    stems: dict[str, str] = {}
    for doc, item in enumerate(entries):
        for bit, texts in (
            (TITLE, (item.title,)),
            (ALIAS, item.aliases),
            (HEADING, item.headings),
            (SUMMARY, (item.summary, *item.tags)),
        ):
            for text in texts:
                for word in words(text):
                    key = stems.get(word)
                    if key is None:
                        key = stems[word] = stem(word)
                    masks = fields.setdefault(key, {})
                    masks[doc] = masks.get(doc, 0) | bit
        for name in (item.title, *item.aliases):
            names.setdefault(" ".join(words(name)), doc)
    terms: dict[str, list[int]] = {}
    for word in sorted(body_docs.keys() | fields.keys()):
        docs = body_docs.get(word, [])
        extra = fields.get(word)
        if extra is None:  # body only: the gaps between document numbers
            terms[word] = [doc - last for last, doc in zip([-1, *docs], docs, strict=False)]
            continue
        masks = dict.fromkeys(docs, BODY)
        for doc, bits in extra.items():
            masks[doc] = masks.get(doc, 0) | bits
        postings: list[int] = []
        last = -1
        for doc in sorted(masks):
            gap, mask = doc - last, masks[doc]  # >= 1, so its sign can carry the flag
            postings += [gap] if mask == BODY else [-gap, mask]
            last = doc
        terms[word] = postings
    groups = [list(g) for g in synonyms if len({" ".join(words(e)) for e in g} - {""}) > 1]
    return {
        "format": INDEX_FORMAT,
        "docs": [[e.path, e.title, e.summary, e.type, e.context] for e in entries],
        "terms": terms,
        "names": names,
        "synonyms": groups,
    }


def part_count(pages: int) -> int:
    """How many parts an index of `pages` pages is split into: a power of two, so the
    count (and every page's part) changes only when the site doubles or halves."""
    parts = 1
    while pages > parts * PART_PAGES:
        parts *= 2
    return parts


def part_of(name: str, parts: int) -> int:
    """The part a page's words are in (by its name, so an edit never moves it)."""
    return zlib.crc32(name.encode()) % parts if parts > 1 else 0


def part_file(part: int) -> str:
    """A part's file name, beside the entry `searchindex.js` (part 0)."""
    return "searchindex.js" if part == 0 else f"searchindex-{part}.js"


def first_part(index: dict[str, object], parts: int) -> dict[str, object]:
    """Part 0 (`build_index` of its pages, with the synonyms) naming the other parts."""
    return {**index, "parts": [part_file(k) for k in range(1, parts)]} if parts > 1 else index


def _json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # `</` inside a string could end an inline script; escaping it costs nothing.
    return text.replace("</", "<\\/")


def script(index: dict[str, object]) -> str:
    """The index (or its first part) as a script that assigns a global (loadable from
    file://)."""
    return f"window.{GLOBAL} = {_json(index)};\n"


def part_script(part: int, index: dict[str, object]) -> str:
    """Part `part` (>= 1) of a split index: its documents, terms and names."""
    data = {key: index[key] for key in ("docs", "terms", "names")}
    return (
        f"window.{PARTS_GLOBAL} = window.{PARTS_GLOBAL} || {{}};\n"
        f"window.{PARTS_GLOBAL}[{part}] = {_json(data)};\n"
    )


def load_part(text: str) -> tuple[int, dict[str, object]]:
    """A part's number and data back from `part_script()`'s text."""
    match = re.search(rf"^window\.{PARTS_GLOBAL}\[(\d+)\] = ", text, re.M)
    if match is None:
        raise ValueError("not a masterywiki search index part")
    data: dict[str, object] = json.loads(text[match.end() :].rstrip().removesuffix(";"))
    return int(match.group(1)), data


def merge(first: dict[str, object], parts: Sequence[dict[str, object]]) -> dict[str, object]:
    """The whole index from its first part and the others (in order), as
    static-search.js puts it together: one search over all of it."""
    docs: list[object] = list(first["docs"])  # type: ignore[call-overload]
    names: dict[str, int] = dict(first["names"])  # type: ignore[call-overload]
    more: list[list[object]] = []
    for part in parts:
        base = len(docs)
        more.append([base, part["terms"]])
        docs += part["docs"]  # type: ignore[arg-type]
        for name, doc in part["names"].items():  # type: ignore[attr-defined]
            names.setdefault(name, base + doc)
    return {**first, "docs": docs, "names": names, "more": more}


def load_script(text: str) -> dict[str, object]:
    """The index back from `script()`'s text (for tests and tools)."""
    prefix = f"window.{GLOBAL} = "
    if not text.startswith(prefix):
        raise ValueError("not a masterywiki search index")
    data: dict[str, object] = json.loads(text[len(prefix) :].rstrip().removesuffix(";"))
    return data


# -- the ranking (mirrored in static-search.js) -----------------------------------------


def _term_parts(index: dict[str, object]) -> Iterator[tuple[int, dict[str, list[int]]]]:
    """Each part's terms with its first document number (one part unless merged)."""
    yield 0, index["terms"]  # type: ignore[misc]
    yield from ((base, terms) for base, terms in index.get("more", ()))  # type: ignore[attr-defined]


def _postings(index: dict[str, object], word: str) -> dict[int, int]:
    found: dict[int, int] = {}
    for base, terms in _term_parts(index):
        flat = terms.get(word, [])
        doc, i = base - 1, 0
        while i < len(flat):
            gap = flat[i]
            if gap > 0:
                doc += gap
                found[doc] = BODY
                i += 1
            else:
                doc += -gap
                found[doc] = flat[i + 1]
                i += 2
    return found


def _weight(mask: int) -> float:
    return next((weight for bit, weight in WEIGHTS if mask & bit), 0.0)


def _word_scores(index: dict[str, object], word: str) -> dict[int, float]:
    key = stem(word)
    scores = {doc: _weight(mask) for doc, mask in _postings(index, key).items()}
    if len(key) >= PREFIX_MIN:
        every = sorted({t for _, terms in _term_parts(index) for t in terms})
        longer = [t for t in every if t.startswith(key) and t != key][:PREFIX_LIMIT]
        for other in longer:
            for doc, mask in _postings(index, other).items():
                scores[doc] = max(scores.get(doc, 0.0), _weight(mask) * PREFIX_FACTOR)
    return scores


def _clauses(index: dict[str, object], query: list[str]) -> list[list[tuple[list[str], float]]]:
    """Query words grouped into clauses, each a list of (words, factor) alternatives:
    the longest run of words that names a synonym group gets the group's other names."""
    groups: list[list[str]] = index["synonyms"]  # type: ignore[assignment]
    by_key: dict[str, list[list[str]]] = {}
    for group in groups:
        keys = [words(entry) for entry in group]
        for key in keys:
            others = [k for k in keys if k and k != key]
            by_key.setdefault(" ".join(key), []).extend(others)
    longest = max((len(k.split()) for k in by_key), default=0)
    clauses: list[list[tuple[list[str], float]]] = []
    i = 0
    while i < len(query):
        for end in range(min(len(query), i + longest), i, -1):
            found = by_key.get(" ".join(query[i:end]))
            if found:
                alternatives = [(query[i:end], 1.0)] + [(o, SYNONYM_FACTOR) for o in found]
                clauses.append(alternatives)
                i = end
                break
        else:
            clauses.append([([query[i]], 1.0)])
            i += 1
    return clauses


def search(index: dict[str, object], text: str, limit: int = 100) -> list[list[str]]:
    """The documents (`[path, title, summary, type, context]`) matching every word of
    `text` or a synonym of it, best first."""
    query = words(text)
    if not query:
        return []
    total: dict[int, float] | None = None
    for clause in _clauses(index, query):
        best: dict[int, float] = {}
        for alternative, factor in clause:
            scored: dict[int, float] | None = None
            for word in alternative:
                found = _word_scores(index, word)
                if scored is None:
                    scored = found
                else:
                    scored = {d: s + found[d] for d, s in scored.items() if d in found}
            for doc, score in (scored or {}).items():  # scored: set by the first word
                best[doc] = max(best.get(doc, 0.0), score * factor)
        total = best if total is None else {d: s + best[d] for d, s in total.items() if d in best}
    names: dict[str, int] = index["names"]  # type: ignore[assignment]
    named = names.get(" ".join(query))
    assert total is not None
    if named is not None and named in total:
        total[named] += NAME_BONUS
    docs: list[list[str]] = index["docs"]  # type: ignore[assignment]
    ranked = sorted(total, key=lambda d: (-total[d], docs[d][1].lower(), d))
    return [docs[d] for d in ranked[:limit]]
