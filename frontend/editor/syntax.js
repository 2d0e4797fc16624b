// How the text looks: MyST markdown with its YAML front matter (a block of its own,
// not taken for a heading), styled by classes so the wiki's colours (and dark mode) apply.
import { HighlightStyle } from "@codemirror/language";
import { tags } from "@lezer/highlight";

function fence(line) {
  return line.text.trimEnd() === "---";
}

export const frontMatter = {
  defineNodes: [{ name: "FrontMatter", block: true, style: tags.meta }],
  parseBlock: [
    {
      name: "FrontMatter",
      before: "HorizontalRule",
      parse(cx, line) {
        if (cx.lineStart !== 0 || !fence(line)) return false;
        const from = cx.lineStart;
        while (cx.nextLine()) {
          if (fence(line)) {
            cx.nextLine();
            break;
          }
        }
        cx.addElement(cx.elt("FrontMatter", from, cx.prevLineEnd()));
        return true;
      },
    },
  ],
};

export const wikiHighlight = HighlightStyle.define([
  { tag: tags.heading, class: "tok-heading" },
  { tag: tags.strong, class: "tok-strong" },
  { tag: tags.emphasis, class: "tok-emphasis" },
  { tag: tags.strikethrough, class: "tok-strike" },
  { tag: [tags.link, tags.url], class: "tok-link" },
  { tag: tags.monospace, class: "tok-code" },
  { tag: tags.quote, class: "tok-quote" },
  { tag: [tags.meta, tags.processingInstruction, tags.contentSeparator, tags.labelName], class: "tok-meta" },
]);
