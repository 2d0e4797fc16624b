"""Raw HTML in a page, passed on in a shape the sanitizer's HTML parser reads in linear time.

nh3 parses each rendered page with html5ever, which follows the HTML standard: every new
block tag looks through all the open elements, and every formatting element (`<b>`,
`<i>`, ...) left open is opened again in each following paragraph. So 20,000 unclosed
`<div>`s took 1 s to sanitize (O(n²)), and 64 KiB of `<b title=n>` followed by paragraphs
gave 318 MB of HTML in 19 s. `RawHtml` reads each chunk of raw HTML as html5ever's
tokenizer will, keeps a model of the raw elements still open, and passes on:

- a start tag while fewer than MAX_OPEN raw elements, and MAX_FORMATTING formatting
  elements, are open; past either limit the tag is shown as text;
- an end tag only when it closes an element of the model, after end tags for the
  elements opened inside that one, so html5ever sees well-nested tags and never keeps
  open what the model thinks closed; other end tags are dropped (html5ever ignores them);
- comments, doctypes and processing instructions dropped (the sanitizer drops them too),
  `<script>` and `<style>` dropped with their content, the content of other raw-text
  elements (`<textarea>`, `<iframe>`, ...) shown as text, as the sanitizer shows it;
- anything it cannot read as html5ever would, such as a tag or comment left open at the
  end of the chunk, as text, so html5ever is never left inside a tag, comment or script.
"""

from __future__ import annotations

import html
import re

import nh3


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


MAX_OPEN = 128
MAX_FORMATTING = 8

VOID = _names(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta "
    "param source track wbr"
)
FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
# Where html5ever's "in scope" searches stop: an end tag outside them closes nothing.
BOUNDARY = _names("applet caption html table td th marquee object template")
TABLE_PARTS = _names("table caption colgroup tbody thead tfoot tr td th")
DROPPED = _names("html head body frameset svg math")  # the tags only
# html5ever reads only text up to their end tag (and a template's content goes elsewhere).
RAW_TEXT = _names("script style template textarea title xmp iframe noembed noframes noscript")
CONTENT_DROPPED = _names("script style template")  # the sanitizer drops their content
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
# Start tags html5ever closes open elements for: (the names it closes, where it stops).
IMPLIED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset(("li",)), frozenset(("ul", "ol"))),
    "dt": (frozenset(("dt", "dd")), frozenset(("dl",))),
    "dd": (frozenset(("dt", "dd")), frozenset(("dl",))),
    "p": (frozenset(("p",)), frozenset(("button",))),
    "tr": (frozenset(("tr", "td", "th")), frozenset(("table", "tbody", "thead", "tfoot"))),
    "td": (frozenset(("td", "th")), frozenset(("tr", "table"))),
    "th": (frozenset(("td", "th")), frozenset(("tr", "table"))),
    **{
        name: (frozenset(("tbody", "thead", "tfoot", "tr", "td", "th")), frozenset(("table",)))
        for name in ("tbody", "thead", "tfoot")
    },
}
CELL = "\x00cell"  # marks a table cell of the markdown: html5ever closes what is inside

# A tag as html5ever's tokenizer reads it (possessive, so never read another way): the
# name, then separators and attributes; a value is quoted or unquoted, and an `=` after
# a name must be followed by one, as in html5ever's "before attribute value" state.
_W = r"\t\n\f\r "
_TAG = re.compile(
    rf"<(/?)([A-Za-z][^{_W}/>]*+)"
    rf"(?:[{_W}/]++|[^{_W}/>][^{_W}/>=]*+"
    rf"(?:[{_W}]*+=[{_W}]*+(?:\"[^\"]*+\"|'[^']*+'|[^{_W}>\"'][^{_W}>]*+|(?=>))"
    rf"|(?![{_W}]*+=)))*+>"
)
_COMMENT_END = re.compile(r"--!?>")
_TAG_START = re.compile(r"</?[A-Za-z]")
_RAW_TEXT_END = {name: re.compile(rf"</{name}[{_W}/>]", re.IGNORECASE) for name in RAW_TEXT}


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _bracketed(tag: str) -> str:
    """The tag with '<' and '>' inside it (in quoted values) as entities, which read the
    same: then '<' and '>' appear only around tags, as `sanitize` relies on."""
    inside = tag[1:-1]
    if "<" in inside or ">" in inside:
        return "<" + inside.replace("<", "&lt;").replace(">", "&gt;") + ">"
    return tag


class RawHtml:
    """The raw elements one page has left open so far, in document order."""

    def __init__(self) -> None:
        self.stack: list[str] = []  # open raw elements (and CELL marks), innermost last
        self.formatting = 0
        self.limited = 0  # start tags shown as text because of MAX_OPEN or MAX_FORMATTING

    def enter_cell(self) -> None:
        self.stack.append(CELL)

    def leave_cell(self) -> None:
        """The markdown's `</td>`: html5ever closes everything opened in the cell."""
        while self.stack and self.stack[-1] != CELL:
            self._pop()
        if self.stack:
            self.stack.pop()

    def clean(self, chunk: str) -> str:
        """One chunk of raw HTML (a tag, or an HTML block's lines) as html5ever should see it."""
        out: list[str] = []
        pos = 0
        while (lt := chunk.find("<", pos)) >= 0:
            out.append(chunk[pos:lt])
            pos = self._construct(chunk, lt, out)
        out.append(chunk[pos:])
        return "".join(out)

    def _construct(self, chunk: str, lt: int, out: list[str]) -> int:
        """Read the construct at `lt` into `out`; return where reading goes on."""
        if chunk.startswith("<!--", lt):
            if chunk.startswith((">", "->"), lt + 4):  # `<!-->` and `<!--->` end at once
                return chunk.index(">", lt + 4) + 1
            close = _COMMENT_END.search(chunk, lt + 4)
            return close.end() if close else self._text(chunk, lt, out)
        if not _TAG_START.match(chunk, lt):
            if not chunk.startswith(("<!", "<?", "</"), lt):
                out.append("&lt;")  # html5ever too reads this '<' as text
                return lt + 1
            end = chunk.find(">", lt)  # doctype, CDATA, `</>`, bogus comment: up to '>'
            return end + 1 if end >= 0 else self._text(chunk, lt, out)
        tag = _TAG.match(chunk, lt)
        if tag is None:  # left open: html5ever would read on into what follows the chunk
            return self._text(chunk, lt, out)
        name = tag.group(2).lower()
        if tag.group(1):
            self._end(name, out)
        elif name in RAW_TEXT:
            return self._raw_text(chunk, tag.end(), name, out)
        elif name == "plaintext":
            out.append("&lt;")
            return lt + 1
        elif name not in DROPPED:
            self._start(name, tag.group(0), out)
        return tag.end()

    def _text(self, chunk: str, start: int, out: list[str]) -> int:
        out.append(_escape(chunk[start:]))
        return len(chunk)

    def _raw_text(self, chunk: str, start: int, name: str, out: list[str]) -> int:
        """Up to the element's end tag html5ever reads no tags; nh3 then drops a script,
        style or template with its content and shows the others' content as text."""
        close = _RAW_TEXT_END[name].search(chunk, start)
        end = _TAG.match(chunk, close.start()) if close else None
        if end is None:
            return self._text(chunk, start, out)
        if name not in CONTENT_DROPPED:
            out.append(_escape(chunk[start : end.start()]))
        return end.end()

    def _start(self, name: str, tag: str, out: list[str]) -> None:
        if name in VOID:
            out.append(_bracketed(tag))
            return
        self._implied(name, out)
        formatting = name in FORMATTING
        if len(self.stack) >= MAX_OPEN or (formatting and self.formatting >= MAX_FORMATTING):
            self.limited += 1
            out.append(_escape(tag))
            return
        self.stack.append(name)
        self.formatting += formatting
        out.append(_bracketed(tag))

    def _implied(self, name: str, out: list[str]) -> None:
        """Close, with explicit end tags, what html5ever closes before this start tag."""
        if name in _HEADINGS or name == "option":
            if self.stack and self.stack[-1] in (_HEADINGS if name in _HEADINGS else {name}):
                self._close_to(len(self.stack) - 1, out)
            return
        if name not in IMPLIED:
            return
        closes, stops = IMPLIED[name]
        found = -1
        for index in range(len(self.stack) - 1, -1, -1):
            open_ = self.stack[index]
            if open_ in closes:
                found = index
            elif open_ == CELL or open_ in stops or open_ in BOUNDARY:
                break
        if found >= 0:
            self._close_to(found, out)

    def _end(self, name: str, out: list[str]) -> None:
        crossing = TABLE_PARTS if name in TABLE_PARTS else frozenset()
        for index in range(len(self.stack) - 1, -1, -1):
            open_ = self.stack[index]
            if open_ == name:
                self._close_to(index, out)
                return
            if open_ == CELL or (open_ in BOUNDARY and open_ not in crossing):
                return  # out of scope: html5ever would ignore it, so it is dropped

    def _close_to(self, index: int, out: list[str]) -> None:
        while len(self.stack) > index:
            out.append(f"</{self._pop()}>")

    def _pop(self) -> str:
        name = self.stack.pop()
        self.formatting -= name in FORMATTING
        return name


# -- sanitizing ---------------------------------------------------------------

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"section", "input"}
_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"id", "class", "title", "lang", "dir", "role"},
    "a": {"href", "hreflang", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "code": {"class"},
    "input": {"checked"},
    "time": {"datetime"},
    "abbr": {"title"},
}
_CLEANER = nh3.Cleaner(
    tags=_ALLOWED_TAGS,
    attributes=_ALLOWED_ATTRIBUTES,
    generic_attribute_prefixes={"aria-", "data-"},
    url_schemes={"http", "https", "mailto", "tel"},
    link_rel=None,
    filter_style_properties={"text-align"},
    clean_content_tags={"script", "style"},
    # Inputs exist only for task-list checkboxes: never editable, never submitted.
    # ...and a table's scrolling box (content/markup.py) is reachable by keyboard.
    tag_attribute_values={"input": {"type": {"checkbox"}}, "div": {"tabindex": {"0"}}},
    set_tag_attribute_values={"input": {"disabled": "disabled"}},
)


# nh3 takes O(n²) time on a text or attribute holding n '&' (escaped or in entities) or
# no-break spaces: 400,000 took 3 s. Comments split a text without changing what nh3
# writes (it drops them); a tag with that many loses its attributes. Both patterns rely
# on '<' and '>' appearing only around tags, as in markup's output and the comments'.
_ENTITIES = 500
_LONG_TEXT = re.compile(rf"(?:^|(?<=>))(?=(?:[^<>&\xa0]*+[&\xa0]){{{_ENTITIES}}})[^<>]*+")
_LONG_TAG = re.compile(rf"<(/?[^{_W}<>/]*+)(?=(?:[^<>&\xa0]*+[&\xa0]){{{_ENTITIES}}})[^<>]*+>")
_ENTITY_GROUP = re.compile(rf"(?:[&\xa0][^&\xa0]*+){{{_ENTITIES}}}")


def _split_entities(match: re.Match[str]) -> str:
    return _ENTITY_GROUP.sub(r"\g<0><!---->", match.group(0))


def sanitize(fragment: str) -> str:
    """Remove anything that could run script: tags, event handlers, javascript: URLs."""
    if fragment.count("&") + fragment.count("\xa0") >= _ENTITIES:
        fragment = _LONG_TEXT.sub(_split_entities, fragment)
        fragment = _LONG_TAG.sub(lambda tag: f"<{tag.group(1)}>", fragment)
    return _CLEANER.clean(fragment)
