"""The interface's catalogs: every template's words go through gettext, every message
the code and templates mark is in both catalogs (translated in Spanish), and the
compiled .mo files say what their .po files say."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CATALOGS = ROOT / "src" / "masterywiki" / "translations"
LANGUAGES = ("en", "es")
DOMAINS = ("messages", "js")
CONFIGS = {"messages": "babel.cfg", "js": "babel-js.cfg"}  # what pybabel extract reads

WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more: language, not a symbol
# Attributes a reader hears or sees as words.
TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "data-label"}
# Code samples, and an Atom feed's <id> (a URL or URN, in no language).
CODE_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "id"}
SLUG = re.compile(r"[\w.]+([/-][\w.]+)+")  # framework/grading-policy, 2025-26-adopted
ATTRIBUTE_PIECE = re.compile(r"\b[a-z-]+=\"\x00\"")  # ` ping="{{ url }}"` from a macro
GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext"}
# Names that are the same in every language.
NOT_LANGUAGE = {"masterywiki", "git", "Markdown", "CSV", "PDF", "RSS", "Atom", "SVG", "URL", "UTC"}
HOLE = "\x00"  # where a Jinja expression or tag stood in the HTML
TAG_HOLE = re.compile(r"(<[a-zA-Z][^<>\x00]*)\x00")  # a Jinja part inside a tag's brackets


def _words(text: str) -> bool:
    return any(word not in NOT_LANGUAGE for word in WORD.findall(text.replace(HOLE, " ")))


def looks_like_words(literal: str) -> bool:
    """A string literal inside a Jinja tag that a reader would see: 'Print view' or
    'due soon', not 'term', 'page.html', 'GET' or 'is-open current'. (A lone lowercase
    word counts where it is written out: `{{ 'more' }}`, `{{ x if y else 'more' }}`.)"""
    if not _words(literal) or literal.isupper():
        return False
    if re.fullmatch(r"[a-z]+( [a-z]+)+", literal):  # 'due soon': a phrase, not a name
        return True
    if re.fullmatch(r"[a-z0-9_\-:.#/ =]*", literal):  # names, classes, paths, keys
        return False
    if re.fullmatch(r"[/&?]\S*", literal):  # a piece of a URL
        return False
    return not re.fullmatch(r"[\w\-./]+\.(html|atom|css|js|md)", literal)


class _TextFinder(HTMLParser):
    """The text nodes and readable attributes of HTML with holes for Jinja's parts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in CODE_ELEMENTS:
            self.code += 1
        values = dict(attrs)
        button = tag == "input" and values.get("type") in ("submit", "button", "reset")
        for name, value in attrs:
            readable = name in TEXT_ATTRIBUTES or (name == "value" and button)
            if readable and value and _words(value) and not SLUG.fullmatch(value):
                self.found.append(f'{name}="{value.replace(HOLE, "{{…}}")}"')

    def handle_endtag(self, tag: str) -> None:
        if tag in CODE_ELEMENTS and self.code:
            self.code -= 1

    def handle_data(self, data: str) -> None:
        if not self.code and _words(ATTRIBUTE_PIECE.sub(" ", data)):
            self.found.append(" ".join(data.replace(HOLE, " {{…}} ").split()))


def _shown_word(literal: str, previous: list[tuple[str, str]], html: str) -> bool:
    """A lone lowercase word that `{{ 'more' }}` or `{{ x if y else 'more' }}` writes
    into the page's text or a readable attribute (not into `class="..."`)."""
    if not re.fullmatch(r"[a-z]{2,}", literal):
        return False
    output = not previous or previous[-1] == ("name", "else")  # the start, or an else
    if not output or (previous and _is_statement(previous)):
        return False
    start, end = html.rfind("<"), html.rfind(">")
    if start <= end:  # between tags: text
        return True
    attribute = re.search(r"([\w-]+)=[\"'][^\"']*$", html[start:])
    return attribute is not None and attribute.group(1) in TEXT_ATTRIBUTES


def _is_statement(previous: list[tuple[str, str]]) -> bool:
    """Whether the current tag is a {% statement %} (set, if, for...), not {{ output }}."""
    return previous[0][0] == "name" and previous[0][1] in (
        "set", "if", "elif", "for", "macro", "call", "with", "block", "filter",
    )  # fmt: skip


def unmarked(source: str) -> list[str]:
    """The words in a template that are not passed through gettext."""
    found: list[str] = []
    html: list[str] = []
    calls: list[bool] = []  # for each open parenthesis: is it a gettext call?
    previous: list[tuple[str, str]] = []  # the significant tokens of the current tag
    in_trans = in_class = False  # in {% trans %}, in a block that names a CSS class
    for _line, kind, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        if kind == "data":
            html.append(HOLE if in_trans or in_class else value)
            continue
        if kind == "name" and previous == [("name", "block")]:
            in_class = value.endswith("class")
        elif kind == "name" and value == "endblock":
            in_class = False
        if kind in ("variable_begin", "block_begin"):
            html.append(HOLE)
            previous, calls = [], []
        if kind == "name" and value in ("trans", "pluralize"):
            in_trans = True
        elif kind == "name" and value == "endtrans":
            in_trans = False
        if kind == "operator" and value == "(":
            calls.append(bool(previous) and previous[-1] in {("name", n) for n in GETTEXT_CALLS})
        elif kind == "operator" and value == ")" and calls:
            calls.pop()
        if kind == "string" and not any(calls):
            literal = value[1:-1]
            compared = previous and previous[-1][1] in ("==", "!=", "in", "is")
            statement = previous and previous[0][1] in ("extends", "include", "import", "from")
            shown = not calls and _shown_word(literal, previous, "".join(html))
            if (looks_like_words(literal) or shown) and not compared and not statement:
                found.append(f"{{{{ {value} }}}} (a string in a Jinja expression)")
        if kind not in ("whitespace", "variable_begin", "block_begin"):
            previous.append((kind, value))
    finder = _TextFinder()
    joined = "".join(html)
    while TAG_HOLE.search(joined):  # `<option{% if x %} selected{% endif %}>`: a space
        joined = TAG_HOLE.sub(r"\1 ", joined)
    finder.feed(joined)
    finder.close()
    return finder.found + found


@pytest.mark.parametrize(
    "path", sorted(p for p in TEMPLATES.iterdir() if p.is_file()), ids=lambda p: p.name
)
def test_every_word_of_a_template_goes_through_gettext(path: Path) -> None:
    left = unmarked(path.read_text())
    assert not left, f"{path.name} has words not marked for translation: {left}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello</p>", ["Hello"]),
        ("<p>{{ _('Hello') }}</p>", []),
        ('<input placeholder="Find a page">', ['placeholder="Find a page"']),
        ('<button title="{{ _(\'Copy\') }}">{{ _("Copy") }}</button>', []),
        ("<p>{% trans n=3 %}{{ n }} pages{% endtrans %}</p>", []),
        (
            "{{ 'Print view' if x else _('PDF') }}",
            ["{{ 'Print view' }} (a string in a Jinja expression)"],
        ),
        ("{% if kind == 'Event' %}<code>git log</code>{% endif %} · 12", []),
        ('<a class="{{ \'is-open current\' }}" href="/-/tags">{{ tag }}</a>', []),
        (
            "<li>{{ 'earlier' if first else _('later') }}</li>",
            ["{{ 'earlier' }} (a string in a Jinja expression)"],
        ),
        ("<p role=\"{{ 'status' if x else 'alert' }}\" class=\"{{ 'open' if y }}\"></p>", []),
        ("{% set kind = 'page' %}{% if x %}{{ kind }}{% else %}{{ _('Page') }}{% endif %}", []),
    ],
)
def test_the_unmarked_check_sees_words_and_only_words(source: str, expected: list[str]) -> None:
    assert unmarked(source) == expected


def _extracted(domain: str) -> set[str]:
    with (CATALOGS / f"{domain}.pot").open("rb") as handle:
        return {str(message.id) for message in read_po(handle) if message.id}


def test_the_template_catalog_is_current(tmp_path: Path) -> None:
    """messages.pot and js.pot hold what extraction finds now (see the README)."""
    for domain in DOMAINS:
        fresh = tmp_path / f"{domain}.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract",
             "-F", str(ROOT / CONFIGS[domain]), "-o", str(fresh), str(ROOT)],
            check=True, cwd=ROOT, capture_output=True,
        )  # fmt: skip
        with fresh.open("rb") as handle:
            found = {str(m.id) for m in read_po(handle) if m.id}
        assert found == _extracted(domain), (
            f"{domain}.pot is out of date: run pybabel extract (README, 'Languages of the"
            f" interface'); new {sorted(found - _extracted(domain))[:10]},"
            f" gone {sorted(_extracted(domain) - found)[:10]}"
        )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_each_catalog_has_every_message(language: str, domain: str) -> None:
    with (CATALOGS / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        catalog = read_po(handle)
    ids = {str(message.id) for message in catalog if message.id}
    missing = _extracted(domain) - ids
    assert not missing, f"{language}/{domain}.po misses {sorted(missing)[:20]}"
    if language == "en":
        return  # English may leave msgstr empty: gettext shows the msgid
    fuzzy = [str(m.id) for m in catalog if m.id and m.fuzzy]
    empty = [
        str(m.id) for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]  # fmt: skip
    assert not fuzzy, f"{language}/{domain}.po has fuzzy messages: {fuzzy[:20]}"
    assert not empty, f"{language}/{domain}.po leaves these untranslated: {empty[:20]}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogs_match_their_sources(language: str, domain: str) -> None:
    """The .mo files are committed (a wheel needs no compiling step); they must say
    what the .po files say: run `pybabel compile` after editing a .po file."""
    folder = CATALOGS / language / "LC_MESSAGES"
    with (folder / f"{domain}.po").open("rb") as handle:
        source = read_po(handle)
    with (folder / f"{domain}.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in source:
        if not message.id or message.fuzzy or not message.string:
            continue
        if isinstance(message.id, tuple | list):
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            for index, form in enumerate(forms):  # Spanish: one, many (millions), other
                count = next(n for n in (1, 5, 1_000_000) if compiled.plural(n) == index)  # type: ignore[attr-defined]
                got = compiled.ngettext(message.id[0], message.id[1], count)
                expected = form or message.id[min(index, 1)]
                assert got == expected, f"{language}/{domain}.mo is out of date"
        else:
            found = (
                compiled.pgettext(message.context, str(message.id))
                if message.context
                else compiled.gettext(str(message.id))
            )
            assert found == message.string, (
                f"{language}/{domain}.mo is out of date for {message.id!r}: run pybabel compile"
            )
