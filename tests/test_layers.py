"""The package's floors: each subpackage imports only from those below it, no module
imports its way back into a circle, and the outside libraries stay in their rooms."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "masterywiki"

# Lowest first: a module may import from its own floor and from the floors before it.
FLOORS = (
    "errors",  # typed errors, raised everywhere
    "support",  # an LRU cache, background threads, forked workers
    "settings",
    "resources",  # where the bundled templates and starter content are
    "db",
    "git",  # the only package that runs git
    "content",  # names, documents, markup, the catalog, check: pure
    "repository",  # the content repository as the wiki keeps it
    "people",
    "discussion",
    "watching",
    "proposals",  # suggested edits on branches, reviewed and merged
    "stewardship",  # owners, review dates, reader feedback
    "onboarding",  # onboarding paths and read confirmations
    "search",  # the only package that imports whoosh
    "importing",
    "web",  # Flask: the app, the views
    "site",  # the static build renders through the app
    "cli",
)
ROOT_MODULES = {"__init__", "__main__"}  # the package's front door may use any floor
# Modules that take values and return values: no clock, disk, git or Flask.
PURE = {
    "content/mathrules", "discussion/mentions", "content/translations",
    "errors", "support/lru", "git/parse", "watching/watches", "watching/notices",
    "site/sitemap", "search/facets", "db/schema",
    "stewardship/reviews", "stewardship/dashboard", "stewardship/stale", "proposals/record",
    "content/names", "content/slugs", "content/model", "content/docinfo", "content/markup",
    "content/mdrules", "content/rawhtml", "content/renderbudget", "content/renderstate",
    "content/directives", "content/catalog", "content/sidebar", "content/provisional",
    "content/kinds", "content/pagerecord", "content/plaintext",
    "content/filetypes",
    "content/protection",
    "content/relink", "content/diffs", "content/sections", "content/templates", "content/trailers",
    "importing/plan", "importing/links", "importing/pages", "importing/nav",
    "people/identity",
    "onboarding/paths", "onboarding/acknowledge", "onboarding/findings",
    "content/checkcache",
    "content/checkscan",
    "content/linerender",
}  # fmt: skip
LIBRARY_ROOMS = {
    "git": {"git"},  # GitPython
    "whoosh": {"search"},
    "flask": {"web", "site", "cli"},
    "werkzeug": {"web", "site", "cli"},
    "click": {"cli"},
    "gunicorn": {"web"},
    "sqlalchemy": {"db"},  # the rest write plain SQL through db.database.Transaction
    "psycopg": set(),  # only through SQLAlchemy's engine
    "authlib": {"people"},  # OpenID Connect (people/oidc.py)
    "joserfc": {"people"},  # Authlib's JOSE: ID token signatures
    "requests": {"people"},  # Authlib's HTTP client for the provider
    "ldap3": {"people"},  # the school's directory (people/directory.py)
    "weasyprint": {"web"},  # the PDF handbook (web/handbook.py)
    "flask_babel": {"web"},  # the interface's language (web/languages.py)
    "babel": {"web", "watching"},  # Flask-Babel's catalogs and formats; dates in emails
}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def name_of(path: Path) -> str:
    """'git/storage' for src/masterywiki/git/storage.py; 'search' for search/__init__.py."""
    relative = path.relative_to(PACKAGE).with_suffix("").as_posix()
    return relative.removesuffix("/__init__") if relative.endswith("/__init__") else relative


def floor_of(name: str) -> str:
    return name.split("/")[0]


@cache
def known_modules() -> frozenset[str]:
    return frozenset(name_of(path) for path in modules())


def _resolve(dotted: str) -> str | None:
    """The module or package a dotted name under masterywiki means, if there is one."""
    candidate = dotted.replace(".", "/")
    return candidate if candidate in known_modules() else None


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(outside top-level packages, masterywiki modules) that `path` imports anywhere:
    at the top, inside functions and under TYPE_CHECKING alike."""
    outside: set[str] = set()
    inside: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top, _, rest = alias.name.partition(".")
                if top == "masterywiki":
                    inside.add(_resolve(rest) or "__init__")
                else:
                    outside.add(top)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top, _, rest = node.module.partition(".")
            if top != "masterywiki":
                outside.add(top)
                continue
            for alias in node.names:  # a submodule if there is one, else the module itself
                whole = f"{rest}.{alias.name}" if rest else alias.name
                found = _resolve(whole) or (_resolve(rest) if rest else None)
                inside.add(found or "__init__")
    return outside, inside


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_each_floor_imports_only_from_below(path: Path) -> None:
    name = name_of(path)
    if name in ROOT_MODULES:
        return
    here = FLOORS.index(floor_of(name))
    _, inside = imports_of(path)
    for used in inside:
        assert used not in ROOT_MODULES, f"{name} imports the package's front door"
        there = FLOORS.index(floor_of(used))
        assert there <= here, f"{name} (floor {floor_of(name)}) imports {used} from above"


@pytest.mark.parametrize("path", modules(), ids=name_of)
def test_outside_libraries_stay_in_their_rooms(path: Path) -> None:
    name = name_of(path)
    if name in ROOT_MODULES:
        return  # `create_app`'s type hints name Flask
    outside, _ = imports_of(path)
    for library, rooms in LIBRARY_ROOMS.items():
        if library in outside:
            assert floor_of(name) in rooms, f"{library} is used only in {sorted(rooms)}"
    if name in PURE:
        assert not outside & {"subprocess", "os", "pathlib", "git", "flask", "time"}, (
            "pure modules do no I/O"
        )


def test_every_floor_is_a_folder_or_a_module_and_nothing_is_left_out() -> None:
    tops = {floor_of(name_of(path)) for path in modules()} - ROOT_MODULES
    assert tops == set(FLOORS)


def import_graph() -> dict[str, set[str]]:
    return {name_of(path): imports_of(path)[1] - {name_of(path)} for path in modules()}


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in `graph`, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_circle_anywhere() -> None:
    circle = find_circle(import_graph())
    assert circle is None, "import circle: " + " -> ".join(circle or [])


def test_the_circle_finder_finds_circles() -> None:
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_modules_stay_small() -> None:
    sizes = {name_of(p): len(p.read_text().splitlines()) for p in modules()}
    large = {name: lines for name, lines in sizes.items() if lines > 450}
    assert not large, f"split these modules (over ~400 lines): {large}"
