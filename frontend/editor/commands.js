// What the toolbar's buttons and their shortcuts do to the text: plain MyST markdown,
// written for the person so they never have to remember the syntax.
import { EditorSelection } from "@codemirror/state";
import { startCompletion } from "@codemirror/autocomplete";
import { gettext } from "./text.js";

// Wrap each selection in `before` and `after`; an empty one gets `placeholder`, selected.
function wrap(view, before, after, placeholder) {
  view.dispatch(
    view.state.changeByRange((range) => {
      const text = view.state.sliceDoc(range.from, range.to) || placeholder;
      const insert = before + text + after;
      const start = range.from + before.length;
      return {
        changes: { from: range.from, to: range.to, insert },
        range: EditorSelection.range(start, start + text.length),
      };
    }),
  );
  view.focus();
  return true;
}

// Put `prefix` at the start of every selected line (or take it away when all have it).
function prefixLines(view, prefix, pattern) {
  const { state } = view;
  const lines = new Set();
  for (const range of state.selection.ranges) {
    for (let pos = range.from; pos <= range.to; ) {
      const line = state.doc.lineAt(pos);
      lines.add(line.number);
      pos = line.to + 1;
    }
  }
  const numbers = [...lines].sort((a, b) => a - b);
  const all = numbers.every((n) => pattern.test(state.doc.line(n).text));
  const changes = numbers.map((n) => {
    const line = state.doc.line(n);
    const found = line.text.match(pattern);
    if (all) return { from: line.from, to: line.from + found[0].length, insert: "" };
    const existing = found ? found[0].length : 0;
    return { from: line.from, to: line.from + existing, insert: prefix };
  });
  view.dispatch({ changes });
  view.focus();
  return true;
}

// Insert `text` at the cursor, on lines of its own, selecting `select` within it.
function insertBlock(view, text, select) {
  const { state } = view;
  const range = state.selection.main;
  const line = state.doc.lineAt(range.from);
  const before = line.from === range.from && line.text === "" ? "" : "\n\n";
  const at = before ? range.to : range.from;
  const start = at + before.length + text.indexOf(select);
  view.dispatch({
    changes: { from: at, to: range.to, insert: before + text },
    selection: EditorSelection.range(start, start + select.length),
  });
  view.focus();
  return true;
}

// Insert a MyST role opening (`{term}` + backtick) and offer what can follow it.
function role(view, name) {
  const range = view.state.selection.main;
  const chosen = view.state.sliceDoc(range.from, range.to);
  const insert = "{" + name + "}`" + chosen;
  view.dispatch({
    changes: { from: range.from, to: range.to, insert },
    selection: EditorSelection.cursor(range.from + insert.length),
  });
  view.focus();
  startCompletion(view);
  return true;
}

export const COMMANDS = {
  heading: { label: gettext("Heading"), key: "Mod-Alt-2", run: (v) => prefixLines(v, "## ", /^#{1,6} /) },
  bold: { label: gettext("Bold"), key: "Mod-b", run: (v) => wrap(v, "**", "**", "bold text") },
  italic: { label: gettext("Italic"), key: "Mod-i", run: (v) => wrap(v, "_", "_", "italic text") },
  list: { label: gettext("Bulleted list"), key: "Mod-Shift-8", run: (v) => prefixLines(v, "- ", /^[-*] /) },
  link: { label: gettext("Link"), key: "Mod-k", run: (v) => wrap(v, "[", "](https://)", "link text") },
  term: { label: gettext("Glossary term"), key: "Mod-Shift-g", run: (v) => role(v, "term") },
  page: { label: gettext("Link to a page"), key: "Mod-Shift-k", run: (v) => role(v, "doc") },
  note: {
    label: gettext("Note box"),
    run: (v) => insertBlock(v, ":::{note}\nWhat readers should keep in mind.\n:::\n", "What readers should keep in mind."),
  },
  table: {
    label: gettext("Table"),
    run: (v) => insertBlock(v, "| Column | Column |\n|---|---|\n| Cell | Cell |\n", "Column"),
  },
};

// "Mod-Shift-g" as the person reads it on this machine: "Ctrl+Shift+G" (or ⌘ on a Mac).
export function keyLabel(key) {
  const mac = /Mac|iPhone|iPad/.test(navigator.platform);
  return key
    .split("-")
    .map((part) => {
      if (part === "Mod") return mac ? "⌘" : "Ctrl";
      if (part === "Alt") return mac ? "⌥" : "Alt";
      return part.length === 1 ? part.toUpperCase() : part;
    })
    .join("+");
}

// The same key as aria-keyshortcuts wants it: "Control+Shift+G".
export function ariaKey(key) {
  const mac = /Mac|iPhone|iPad/.test(navigator.platform);
  return key
    .split("-")
    .map((part) => (part === "Mod" ? (mac ? "Meta" : "Control") : part.length === 1 ? part.toUpperCase() : part))
    .join("+");
}
