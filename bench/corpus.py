"""Generate a deterministic git corpus of markdown pages for the masterywiki benchmarks.

    python bench/corpus.py OUT --pages 1000 --history 5000 --seed 1

Layout (matches shared/BASELINE.md): 20 sections ``sec-01`` .. ``sec-20``, each with an
``index.md`` whose MyST toctree lists its pages; a root ``index.md`` whose toctree lists the
section indexes.  Pages are ``sec-NN/page-IIII.md`` (global, zero-based numbering) with YAML
front matter (title, summary, tags), headings, lists, tables and relative links, 300-2,000
words each.  After the initial import, ``--history`` commits each edit a few pages; one "hot"
page is edited in every tenth commit (about 500 revisions for 5,000 commits).

Everything is written through one ``git fast-import`` stream.  A marker file in ``OUT/.git``
records the parameters; a later run with the same parameters returns at once.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

GENERATOR_VERSION = 5
SECTIONS = 20
MARKER_NAME = "bench-corpus.json"
START_EPOCH = 1_700_000_000  # fixed commit dates keep the repository reproducible
AUTHORS = (
    ("Ada Lovelace", "ada@example.org"),
    ("Alan Turing", "alan@example.org"),
    ("Grace Hopper", "grace@example.org"),
    ("Edsger Dijkstra", "edsger@example.org"),
    ("Barbara Liskov", "barbara@example.org"),
)
VOCAB_TEXT = """
    the of and to in is that for it as with was on be by this are from at or an have not
    which but all were when can there been has more if will one would their what out so up
    into than them only other new some could time these two may first then do any like my
    now over such our man me even most made after also did many before must through back
    years where much your way well down should because each just those people how too little
    state good very make world still own see men work long get here between both life being
    under never day same another know while last might us great old year off come since
    against go came right used take three lesson practice skill mastery feedback exercise
    concept module review quiz spaced retrieval learner teacher goal level progress evidence
    rubric task problem solution example proof theorem lemma vector matrix graph tree node
    edge path cycle sort search hash table stack queue heap array string number integer
    fraction ratio angle circle triangle square volume area slope curve limit series sum
    product function domain range variable constant equation inequality model data sample
    mean median variance error signal energy force motion wave light sound cell gene protein
    river mountain ocean forest desert island harbor bridge tower lantern garden market
    archive library window mirror engine signal anchor compass ladder marble copper silver
    amber cedar maple willow falcon otter heron badger fox wolf raven salmon
"""
VOCAB = tuple(VOCAB_TEXT.split())
BlockList = list[tuple[str, str]]


@dataclass(frozen=True)
class CorpusSpec:
    pages: int
    history: int
    seed: int

    def marker(self) -> dict[str, int]:
        return {
            "version": GENERATOR_VERSION,
            "pages": self.pages,
            "history": self.history,
            "seed": self.seed,
        }


def section_of(index: int, pages: int) -> int:
    """1-based section number of zero-based page ``index``."""
    return index * SECTIONS // pages + 1


def page_path(index: int, pages: int) -> str:
    """Repository path of page ``index``, e.g. ``sec-03/page-0123.md``."""
    return f"sec-{section_of(index, pages):02d}/page-{index:04d}.md"


def page_url(index: int, pages: int) -> str:
    """URL path that serves page ``index``, e.g. ``/sec-03/page-0123``."""
    return "/" + page_path(index, pages).removesuffix(".md")


def hot_page_index(spec: CorpusSpec) -> int:
    return random.Random(f"hot:{spec.seed}").randrange(spec.pages)


def page_title(index: int, seed: int) -> str:
    rng = random.Random(f"title:{seed}:{index}")
    return " ".join(w.capitalize() for w in rng.choices(VOCAB, k=3)) + f" {index:04d}"


def words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choices(VOCAB, k=count))


def sentence(rng: random.Random, count: int) -> str:
    text = words(rng, count)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, budget: int) -> str:
    """2..6 sentences, stopping early once ``budget`` words are written."""
    sentences, used = [], 0
    for _ in range(rng.randint(2, 6)):
        n = rng.randint(6, 16)
        sentences.append(sentence(rng, n))
        used += n
        if used >= budget:
            break
    return " ".join(sentences)


def prose(rng: random.Random, count: int) -> str:
    """Exactly ``count`` words in sentences (edits keep a paragraph's length)."""
    sentences = []
    while count > 0:
        n = min(count, rng.randint(6, 16))
        sentences.append(sentence(rng, n))
        count -= n
    return " ".join(sentences)


def link(rng: random.Random, src: int, pages: int, seed: int) -> str:
    dst = rng.randrange(pages)
    label = page_title(dst, seed)
    if section_of(dst, pages) == section_of(src, pages):
        target = page_path(dst, pages).split("/", 1)[1]
    else:
        target = "../" + page_path(dst, pages)
    return f"[{label}]({target})"


def bullet_list(rng: random.Random, src: int, pages: int, seed: int) -> str:
    items = []
    ordered = rng.random() < 0.3
    for n in range(1, rng.randint(3, 7) + 1):
        k = rng.randint(3, 9)
        text = words(rng, k)
        if rng.random() < 0.35:
            text += " see " + link(rng, src, pages, seed)
        items.append(f"{n}. {text}" if ordered else f"- {text}")
    return "\n".join(items)


def table(rng: random.Random) -> str:
    cols = rng.randint(2, 4)
    header = [w.capitalize() for w in rng.choices(VOCAB, k=cols)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * cols]
    rows = rng.randint(2, 6)
    for _ in range(rows):
        cells = [
            words(rng, rng.randint(1, 3)) if c else str(rng.randint(1, 999)) for c in range(cols)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def front_matter(index: int, spec: CorpusSpec, rng: random.Random) -> str:
    tags = ", ".join(sorted(set(rng.choices(VOCAB[150:], k=rng.randint(1, 4)))))
    summary = sentence(rng, rng.randint(8, 14))
    return f"---\ntitle: {page_title(index, spec.seed)}\nsummary: {summary}\ntags: [{tags}]\n---"


def page_blocks(index: int, spec: CorpusSpec) -> BlockList:
    """The page as (kind, text) blocks; ``kind`` 'p' marks editable paragraphs."""
    rng = random.Random(f"page:{spec.seed}:{index}")
    target = rng.randint(300, 1900)  # whitespace-separated words, markup included
    blocks: BlockList = [
        ("meta", front_matter(index, spec, rng)),
        ("h", f"# {page_title(index, spec.seed)}"),
    ]
    used = sum(len(text.split()) for _, text in blocks)
    while used < target:
        if rng.random() < 0.25:
            heading = f"{'#' * rng.randint(2, 3)} {words(rng, rng.randint(2, 5))}"
            blocks.append(("h", heading))
            used += len(heading.split())
        roll = rng.random()
        if roll < 0.15:
            kind, text = "list", bullet_list(rng, index, spec.pages, spec.seed)
        elif roll < 0.22:
            kind, text = "table", table(rng)
        else:
            kind, text = "p", paragraph(rng, target - used)
            if rng.random() < 0.5:
                text += " Related: " + link(rng, index, spec.pages, spec.seed) + "."
        blocks.append((kind, text))
        used += len(text.split())
    return blocks


def render(blocks: BlockList) -> bytes:
    return ("\n\n".join(text for _, text in blocks) + "\n").encode()


def toctree(entries: list[str]) -> str:
    return "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(entries) + "\n```"


def root_index(spec: CorpusSpec) -> bytes:
    entries = [f"sec-{s:02d}/index" for s in range(1, SECTIONS + 1)]
    text = (
        f"---\ntitle: Benchmark Wiki\nsummary: Generated corpus of {spec.pages} pages.\n"
        f"tags: [benchmark]\n---\n\n# Benchmark Wiki\n\n"
        f"A generated corpus of {spec.pages} pages in {SECTIONS} sections.\n\n"
        f"{toctree(entries)}\n"
    )
    return text.encode()


def section_index(section: int, members: list[int], spec: CorpusSpec) -> bytes:
    entries = [page_path(i, spec.pages).split("/", 1)[1].removesuffix(".md") for i in members]
    text = (
        f"---\ntitle: Section {section:02d}\nsummary: Pages of section {section:02d}.\n"
        f"tags: [section]\n---\n\n# Section {section:02d}\n\n"
        f"This section holds {len(members)} pages.\n\n{toctree(entries)}\n"
    )
    return text.encode()


class FastImport:
    """Writes one ``git fast-import`` stream for branch ``main``."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.count = 0

    def data(self, payload: bytes) -> None:
        self.stream.write(b"data %d\n" % len(payload))
        self.stream.write(payload)
        self.stream.write(b"\n")

    def commit(self, message: str, files: dict[str, bytes], author: int) -> None:
        name, email = AUTHORS[author % len(AUTHORS)]
        stamp = f"{START_EPOCH + self.count * 600} +0000"
        self.stream.write(b"commit refs/heads/main\n")
        self.stream.write(f"author {name} <{email}> {stamp}\n".encode())
        self.stream.write(f"committer {name} <{email}> {stamp}\n".encode())
        self.data(message.encode())
        for path, content in files.items():
            self.stream.write(f"M 100644 inline {path}\n".encode())
            self.data(content)
        self.count += 1


def initial_files(spec: CorpusSpec) -> dict[str, bytes]:
    files: dict[str, bytes] = {"index.md": root_index(spec)}
    members: dict[int, list[int]] = {}
    for i in range(spec.pages):
        members.setdefault(section_of(i, spec.pages), []).append(i)
    for section, indexes in sorted(members.items()):
        files[f"sec-{section:02d}/index.md"] = section_index(section, indexes, spec)
    for i in range(spec.pages):
        files[page_path(i, spec.pages)] = render(page_blocks(i, spec))
    return files


def edit(blocks: BlockList, rng: random.Random) -> None:
    """Rewrite one paragraph at about its old length (or append one if there is none)."""
    editable = [k for k, (kind, _) in enumerate(blocks) if kind == "p"]
    if not editable:
        blocks.append(("p", paragraph(rng, 40)))
        return
    k = rng.choice(editable)
    blocks[k] = ("p", prose(rng, len(blocks[k][1].split())))


def write_history(fi: FastImport, spec: CorpusSpec) -> None:
    rng = random.Random(f"history:{spec.seed}")
    hot = hot_page_index(spec)
    live: dict[int, BlockList] = {}
    for n in range(spec.history):
        chosen = {rng.randrange(spec.pages) for _ in range(rng.randint(1, 3))}
        chosen.discard(hot)
        if n % 10 == 0:
            chosen.add(hot)
        files: dict[str, bytes] = {}
        for i in sorted(chosen):
            if i not in live:
                live[i] = page_blocks(i, spec)
            blocks = live[i]
            edit(blocks, rng)
            files[page_path(i, spec.pages)] = render(blocks)
        names = ", ".join(Path(p).stem for p in files)
        fi.commit(f"Edit {names}\n", files, rng.randrange(len(AUTHORS)))


def read_marker(out: Path) -> dict[str, int] | None:
    try:
        return json.loads((out / ".git" / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None


def prepare_dir(out: Path) -> None:
    if out.exists():
        if read_marker(out) is None and any(out.iterdir()):
            sys.exit(f"{out} exists and is not a generated corpus; refusing to overwrite")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)


def build(out: Path, spec: CorpusSpec) -> float:
    """Generate the repository at ``out``; returns seconds taken."""
    start = time.perf_counter()
    prepare_dir(out)
    cmd = ["git", "-C", str(out), "fast-import", "--quiet", "--done"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    try:
        fi = FastImport(proc.stdin)
        fi.commit(f"Import {spec.pages} pages\n", initial_files(spec), 0)
        write_history(fi, spec)
        proc.stdin.write(b"done\n")
    finally:
        proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", str(out), "reset", "-q", "--hard", "main"], check=True)
    seconds = time.perf_counter() - start
    marker = {
        **spec.marker(),
        "hot": page_path(hot_page_index(spec), spec.pages),
        "seconds": round(seconds, 1),
    }
    (out / ".git" / MARKER_NAME).write_text(json.dumps(marker, indent=1) + "\n")
    return seconds


def ensure_corpus(out: Path, spec: CorpusSpec) -> dict[str, int]:
    """Build ``out`` unless a corpus with the same parameters is already there."""
    marker = read_marker(out)
    if marker is not None and {k: marker.get(k) for k in spec.marker()} == spec.marker():
        print(f"corpus {out}: up to date ({spec.pages} pages, {spec.history} edits)")
        return marker
    seconds = build(out, spec)
    print(
        f"corpus {out}: {spec.pages} pages + {spec.history} edit commits "
        f"generated in {seconds:.1f} s"
    )
    return read_marker(out) or {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.pages < SECTIONS:
        parser.error(f"--pages must be at least {SECTIONS}")
    ensure_corpus(args.out, CorpusSpec(args.pages, args.history, args.seed))


if __name__ == "__main__":
    main()
