"""`masterywiki import SRC`: bring a folder of markdown into the wiki in one commit.

A thin wrapper over importing/plan.py: read SRC, plan against the wiki at HEAD, print the
report, and with `--apply` commit everything at once under the write lock.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import asdict
from pathlib import Path

import click

from masterywiki import settings as settings_module
from masterywiki.cli.group import _content_options, _format_option, _one_line_errors, main
from masterywiki.content import names
from masterywiki.git.storage import WIKI_EMAIL, WIKI_NAME, Author
from masterywiki.importing.nav import MkDocs, read_mkdocs
from masterywiki.importing.pages import Existing, page_title
from masterywiki.importing.plan import Plan, normalize_section, plan_import, section_chain
from masterywiki.repository.instance import open_repository
from masterywiki.repository.wiki import Wiki

_AUTHOR = re.compile(r"^\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*$")


def _author(text: str) -> Author:
    match = _AUTHOR.match(text)
    if match is None:
        raise click.BadParameter("use the form 'Name <email@example.org>'", param_hint="--author")
    return Author(match.group(1), match.group(2))


def read_source(
    src: Path,
) -> tuple[dict[str, bytes], list[tuple[str, str]], str, MkDocs | None]:
    """The files under SRC ({relative path: bytes}), what was left unread (path, reason),
    a title for the import and, for an MkDocs project, its settings (the project is
    read from its docs folder)."""
    if not src.exists():
        raise click.ClickException(f"{src} does not exist")
    if not src.is_dir():
        raise click.ClickException(f"{src} is not a folder")
    root, title = src, page_title(src.resolve().name or "Home")
    skipped: list[tuple[str, str]] = []
    config = next((src / n for n in ("mkdocs.yml", "mkdocs.yaml") if (src / n).is_file()), None)
    mkdocs = None
    if config is not None:
        mkdocs = read_mkdocs(config.read_text(errors="replace"), config.name)
        docs = src / (mkdocs.docs_dir or "docs")
        title = mkdocs.site_name or title
        if docs.is_dir() and docs.resolve() != src.resolve():
            root = docs
            skipped.append((config.name, f"MkDocs settings: pages are read from {docs.name}/"))
    paths: list[Path] = []
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        for name in sorted(subfolders):
            if name.startswith("."):
                skipped.append(((here / name).relative_to(root).as_posix() + "/", "hidden folder"))
        subfolders[:] = sorted(n for n in subfolders if not n.startswith("."))
        for name in sorted(files):
            path = here / name
            if path.is_symlink():
                skipped.append((path.relative_to(root).as_posix(), "symbolic link"))
            else:
                paths.append(path)
    sources: dict[str, bytes] = {}
    with click.progressbar(paths, label="Reading files", file=sys.stderr) as bar:
        for path in bar:
            sources[path.relative_to(root).as_posix()] = path.read_bytes()
    return sources, skipped, title, mkdocs


def _existing(wiki: Wiki, into: str) -> tuple[str | None, Existing]:
    snapshot = wiki.refresh()
    catalog = snapshot.catalog
    chain = [name for name in section_chain(normalize_section(into)) if name in catalog]
    return snapshot.commit, Existing(
        pages={name: record.file for name, record in catalog.pages.items()},
        files=frozenset(snapshot.files),
        redirects=frozenset(catalog.redirects),
        texts={name: wiki.source(catalog.pages[name]) for name in chain},
        legacy=frozenset(
            key
            for record in catalog.records()
            for old in record.info.front_matter.redirect_from
            if (key := names.legacy_key(old)) is not None
        ),
    )


def _summary(plan: Plan) -> str:
    links = sum(1 for e in plan.entries if e.kind == "link")
    return (
        f"{plan.pages} page{'s' * (plan.pages != 1)}, {plan.attachments} attachment"
        f"{'s' * (plan.attachments != 1)}, {len(plan.files)} files to write, {links} link"
        f"{'s' * (links != 1)} rewritten, {plan.warnings} warning{'s' * (plan.warnings != 1)}."
    )


@click.command("import")
@click.argument("src", type=click.Path(path_type=Path))
@_content_options
@click.option("--into", default="", help="Section to import into, e.g. 'legacy' [default: root].")
@click.option("--apply", "apply", is_flag=True, help="Write the import (one commit).")
@click.option(
    "--author",
    default=f"{WIKI_NAME} <{WIKI_EMAIL}>",
    show_default=True,
    help="Author of the commit, as 'Name <email>'.",
)
@click.option("--title", default=None, help="Title of the import's top page if it has none.")
@_format_option("One `path[:line]: kind: message` per change, or a JSON object.")
@_one_line_errors
def import_command(
    src: Path,
    repo: Path | None,
    instance: Path,
    into: str,
    apply: bool,
    author: str,
    title: str | None,
    output: str,
) -> None:
    """Import a folder of markdown (an Otter Wiki or Gollum repository, an MkDocs
    project or docs/ folder, plain files) into the wiki.

    File names become page addresses (old names kept in `redirect_from`), wiki links
    and relative links are rewritten, linked images become attachments, folders get
    index pages with toctrees. Prints every change; writes nothing unless --apply,
    which makes one commit.
    """
    committer = _author(author)
    target = normalize_section(into)
    sources, skipped, found_title, mkdocs = read_source(src)
    loaded = settings_module.load({"repo": repo, "instance": instance})
    storage, _created = open_repository(loaded)
    wiki = Wiki(storage, cache_dir=loaded.cache_dir)

    def plan_now() -> tuple[str | None, Plan]:
        head, existing = _existing(wiki, target)
        plan = plan_import(sources, existing, target, title or found_title,
                           loaded.max_page_bytes, skipped, mkdocs)  # fmt: skip
        return head, plan

    try:
        head, plan = plan_now()
        if plan.pages == 0:
            raise click.ClickException(f"{src} holds no markdown pages to import")
        commit = None
        if apply:
            with storage.write_lock():
                if storage.head() != head:  # someone saved meanwhile: plan again
                    head, plan = plan_now()
                where = f" into {target}" if target else ""
                message = f"Import {plan.pages} pages from {src.resolve().name}{where}"
                commit = storage.commit(plan.files, f"{message}\n\n{_summary(plan)}\n",
                                        committer, head)  # fmt: skip
            wiki.refresh()
    finally:
        storage.close()
    if output == "json":
        report = {
            "source": str(src),
            "into": plan.into,
            "dry_run": not apply,
            "commit": commit,
            "pages": plan.pages,
            "attachments": plan.attachments,
            "warnings": plan.warnings,
            "files": list(plan.files),
            "entries": [asdict(entry) for entry in plan.entries],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for entry in plan.entries:
        click.echo(str(entry))
    click.echo(_summary(plan))
    if commit is None:
        click.echo(f"Dry run: nothing was written. Run again with --apply to import into "
                   f"{loaded.repo}.")  # fmt: skip
    else:
        click.echo(f"Imported into {loaded.repo} as one commit, {commit[:12]}.")


main.add_command(import_command)
