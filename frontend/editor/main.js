// The page editor: CodeMirror 6 over the form's textarea, which it keeps up to date, so
// the form posts exactly as it does without JavaScript (the textarea is the fallback).
import { EditorState } from "@codemirror/state";
import { EditorView, drawSelection, highlightActiveLine, keymap } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { markdown } from "@codemirror/lang-markdown";
import { syntaxHighlighting } from "@codemirror/language";
import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { COMMANDS, ariaKey, keyLabel } from "./commands.js";
import { mystCompletions } from "./complete.js";
import { preview } from "./preview.js";
import { uploads } from "./upload.js";
import { drafts } from "./drafts.js";
import { frontMatter, wikiHighlight } from "./syntax.js";

function start() {
  const form = document.querySelector("form.editor");
  const textarea = form && form.querySelector("textarea[name=content]");
  if (!textarea || textarea.readOnly) return;
  const $ = (selector) => form.querySelector(selector);
  const statusLine = $(".editor-status");
  const progress = $(".editor-progress");

  function status(message, share, failed) {
    statusLine.hidden = false;
    statusLine.textContent = message;
    statusLine.classList.toggle("is-error", Boolean(failed));
    progress.hidden = share === null || share === undefined;
    if (!progress.hidden) progress.value = share;
  }

  const upload = uploads({ url: form.dataset.uploadUrl || "", csrf: form.elements.csrf_token.value, status });
  const listeners = [];
  const initial = textarea.value;
  const bindings = Object.values(COMMANDS)
    .filter((command) => command.key)
    .map((command) => ({ key: command.key, run: command.run, preventDefault: true }));

  const view = new EditorView({
    parent: $(".editor-code"),
    state: EditorState.create({
      doc: initial,
      extensions: [
        history(),
        drawSelection(),
        highlightActiveLine(),
        EditorView.lineWrapping,
        markdown({ extensions: [frontMatter] }),
        syntaxHighlighting(wikiHighlight),
        autocompletion({
          override: [mystCompletions({ terms: form.dataset.termsUrl, titles: form.dataset.titlesUrl })],
          icons: false,
        }),
        keymap.of([
          { key: "Mod-s", run: () => (form.requestSubmit(), true), preventDefault: true },
          ...bindings,
          ...completionKeymap,
          ...historyKeymap,
          ...defaultKeymap,
        ]),
        upload.extension,
        EditorView.contentAttributes.of({
          "aria-labelledby": textarea.labels[0] ? textarea.labels[0].id : "",
          "aria-describedby": "editor-keys-hint",
          spellcheck: "true",
          tabindex: "0", // focusable to checkers as it is to browsers (it scrolls)
        }),
        EditorView.updateListener.of((update) => {
          if (!update.docChanged) return;
          textarea.value = update.state.doc.toString();
          listeners.forEach((listener) => listener.changed());
        }),
      ],
    }),
  });
  textarea.hidden = true;
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;
  form.classList.add("has-code-editor");

  // The toolbar: one tab stop, arrow keys move along it (the ARIA toolbar pattern).
  const toolbar = $(".editor-toolbar");
  const buttons = Array.from(toolbar.querySelectorAll("button"));
  buttons.forEach((button, index) => {
    const command = COMMANDS[button.dataset.command];
    const run = command ? command.run : () => upload.choose(view);
    if (command && command.key) {
      button.title = command.label + " (" + keyLabel(command.key) + ")";
      button.setAttribute("aria-keyshortcuts", ariaKey(command.key));
    }
    button.tabIndex = index === 0 ? 0 : -1;
    button.addEventListener("click", () => run(view));
    button.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: buttons.length - 1 - index }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      const next = buttons[(index + step + buttons.length) % buttons.length];
      button.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    });
  });
  toolbar.hidden = false;
  $(".editor-keys").hidden = false;
  for (const item of form.querySelectorAll("[data-key]")) {
    item.textContent = keyLabel(item.dataset.key);
  }

  listeners.push(
    preview({
      form,
      view,
      pane: document.getElementById("preview-pane"),
      tabs: $(".tabs"),
      writeTab: document.getElementById("write-tab"),
      previewTab: document.getElementById("preview-tab"),
      writePane: document.getElementById("write-pane"),
      url: document.getElementById("preview-tab").dataset.previewUrl,
      status,
    }),
  );
  listeners.push(drafts({ form, view, initial, banner: $(".draft-banner") }));

  if (textarea.autofocus) view.focus();
  form.addEventListener("submit", () => {
    textarea.value = view.state.doc.toString();
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
