// The editor's words in the reader's language, through static/strings.js (loaded by
// base.html before this bundle); English as written when it is missing.
export function gettext(text, values) {
  if (typeof window.masterywikiText === "function") return window.masterywikiText(text, values);
  return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? String(values[name]) : whole));
}
